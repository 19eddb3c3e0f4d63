/**
 * Time limits of requests and streams. An attempt is bounded either by the transport itself (one timer that
 * aborts the request, see `internal/transport`) or by `Effect.timeoutFail`. Streams are bounded by one watchdog
 * per stream that checks deadlines moved by activity (`internal/stream`), never by a race per event.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { Settings } from "../OpenAIConfig.js"
import * as OpenAIError from "../OpenAIError.js"
import type { Prepared } from "./prepare.js"

/** An attempt's time limit, and how its expiry is reported. */
export interface Timeout {
  readonly limit: Duration.Duration
  readonly phase: "request" | "first-event"
}

export type Phase = "request" | "first-event" | "idle"

export const timeoutError = (prepared: Prepared, phase: Phase, timeout: Duration.Duration) =>
  new OpenAIError.APIConnectionTimeoutError({
    message: `${phase === "request" ? "request" : phase === "idle" ? "stream idle" : "first stream event"} timed out after ${
      Duration.format(timeout)
    } on ${prepared.method} ${prepared.urlForErrors}`,
    method: prepared.method,
    url: prepared.urlForErrors,
    phase,
    timeout
  })

const option = (input: Duration.DurationInput | undefined): Duration.Duration | undefined =>
  input === undefined ? undefined : Duration.decode(input)

/** The attempt timeout of a request: the per-call option, else the setting. */
export const attemptLimit = (prepared: Prepared, settings: Settings): Duration.Duration =>
  option(prepared.options?.timeout) ?? settings.timeout

const defaultIdle = Duration.minutes(5)

/** The limits of a stream. Unset stream limits follow the attempt timeout (see `OpenAIConfig`). */
export interface StreamLimits {
  readonly attempt: Duration.Duration
  readonly first: Duration.Duration
  readonly idle: Duration.Duration
}

export const streamLimits = (prepared: Prepared, settings: Settings): StreamLimits => {
  const attempt = attemptLimit(prepared, settings)
  const options = prepared.options
  return {
    attempt,
    first: option(options?.streamFirstEventTimeout) ?? settings.streamFirstEventTimeout ?? attempt,
    idle: option(options?.streamIdleTimeout) ?? settings.streamIdleTimeout ?? Duration.min(defaultIdle, attempt)
  }
}

/** The limit up to a stream's response headers: the shorter of the attempt and first-event limits. */
export const headerLimit = (limits: StreamLimits): Timeout =>
  Duration.lessThan(limits.first, limits.attempt)
    ? { limit: limits.first, phase: "first-event" }
    : { limit: limits.attempt, phase: "request" }

/**
 * Bounds an attempt: a native transport gets the limit with the request (`attempt` receives it and sets it);
 * otherwise `Effect.timeoutFail` races the attempt.
 */
export const bound = <A>(
  native: boolean,
  prepared: Prepared,
  timeout: Timeout,
  attempt: (timeout: Timeout | undefined) => Effect.Effect<A, OpenAIError.OpenAIError>
): Effect.Effect<A, OpenAIError.OpenAIError> =>
  native
    ? attempt(timeout)
    : Effect.timeoutFail(attempt(undefined), {
      duration: timeout.limit,
      onTimeout: () => timeoutError(prepared, timeout.phase, timeout.limit)
    })
