/**
 * Retries: the per-call or configured schedule, bounded by the per-call or configured `maxRetries`, with the
 * errors `OpenAIError.retryRule` calls `never` kept out whatever the schedule says. The schedule is
 * started only after a failure, so a successful first attempt pays nothing for it.
 */
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type { Settings } from "../OpenAIConfig.js"
import * as OpenAIError from "../OpenAIError.js"
import type { Prepared } from "./prepare.js"
import { logGaveUp, logRank, logRetry } from "./telemetry.js"

type ErrorSchedule = Schedule.Schedule<unknown, OpenAIError.OpenAIError>

/** Bounded schedules are built once per (schedule, count): building them per request is measurable. */
const boundedCache = new WeakMap<object, Map<number, ErrorSchedule>>()

const bounded = (schedule: ErrorSchedule, count: number): ErrorSchedule => {
  let byCount = boundedCache.get(schedule)
  if (byCount === undefined) {
    byCount = new Map()
    boundedCache.set(schedule, byCount)
  }
  let result = byCount.get(count)
  if (result === undefined) {
    result = Schedule.intersect(schedule, Schedule.recurs(count)).pipe(
      Schedule.whileInput((error: OpenAIError.OpenAIError) => OpenAIError.retryRule(error) !== "never")
    )
    byCount.set(count, result)
  }
  return result
}

/** The schedule of a request, or `undefined` when it is not retried (a one-shot body, or a count of 0). */
export const policy = (prepared: Prepared, logLevel: number, settings: Settings): ErrorSchedule | undefined => {
  const count = prepared.options?.maxRetries ?? settings.maxRetries
  if (prepared.oneShot || count <= 0) return undefined
  const schedule = bounded(prepared.options?.retrySchedule ?? settings.retrySchedule, count)
  if (logLevel < logRank.info) return schedule
  return schedule.pipe(
    Schedule.intersect(Schedule.identity<OpenAIError.OpenAIError>()),
    Schedule.onDecision(([, error], decision) =>
      decision._tag === "Continue" ? logRetry(prepared, error, decision.intervals) : Effect.void
    )
  )
}

/** Runs `attempt`, then again as the policy says; a failure that reaches the caller is logged at `warn`. */
export const withRetries = <A, R>(
  prepared: Prepared,
  logLevel: number,
  settings: Settings,
  attempt: Effect.Effect<A, OpenAIError.OpenAIError, R>
): Effect.Effect<A, OpenAIError.OpenAIError, R> => {
  const schedule = policy(prepared, logLevel, settings)
  const retried = schedule === undefined ? attempt : Effect.catchAll(attempt, (first) =>
    Effect.flatMap(Schedule.driver(schedule), (driver) => {
      const again = (error: OpenAIError.OpenAIError): Effect.Effect<A, OpenAIError.OpenAIError, R> =>
        Effect.matchEffect(driver.next(error), {
          onFailure: () => Effect.fail(error),
          onSuccess: () => Effect.catchAll(attempt, again)
        })
      return again(first)
    }))
  return logLevel >= logRank.warn ? Effect.tapError(retried, (error) => logGaveUp(prepared, logLevel, error)) : retried
}
