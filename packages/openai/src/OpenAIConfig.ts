/**
 * The client's settings, in one place: one `Context.Reference` holding all of them, with defaults. Set them for
 * a program with a layer (`OpenAI.layer` does it from its options, `OpenAIConfig.layer` on its own), or for a
 * region with `withConfigOverride`; per call, the operations' options (`maxRetries`, `retrySchedule`,
 * `timeout`, ...) win.
 *
 * ```ts
 * const patient = program.pipe(OpenAIConfig.withConfigOverride({ timeout: "20 minutes", maxRetries: 5 }))
 * const settings = yield* OpenAIConfig.OpenAIConfig // read them
 * ```
 *
 * Stream time limits, when not set, follow the attempt timeout:
 *
 * | setting                    | bounds                                                | default                                   |
 * |----------------------------|-------------------------------------------------------|-------------------------------------------|
 * | `timeout`                  | one attempt: headers and body (streams: headers)      | 10 minutes                                |
 * | `streamFirstEventTimeout`  | sending a stream's request to its first event         | `timeout`                                 |
 * | `streamIdleTimeout`        | each wait for the next bytes of a stream              | 5 minutes, or `timeout` when shorter      |
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as ScheduleInterval from "effect/ScheduleInterval"
import * as ScheduleIntervals from "effect/ScheduleIntervals"
import * as Stream from "effect/Stream"
import * as OpenAIError from "./OpenAIError.js"
import { parseRetryAfter } from "./internal/headers.js"

/**
 * The client's log levels, as the official SDK's `OPENAI_LOG`.
 *
 * @since 0.1.0
 * @category models
 */
export type LogLevel = "off" | "error" | "warn" | "info" | "debug"

/**
 * A retry schedule: its input is the error of the attempt that failed.
 *
 * @since 0.1.0
 * @category models
 */
export type RetrySchedule = Schedule.Schedule<unknown, OpenAIError.OpenAIError>

/**
 * Every setting of the client.
 *
 * @since 0.1.0
 * @category models
 */
export interface Settings {
  /** How many times a failed request is retried (default 2). `0` turns retries off. */
  readonly maxRetries: number
  /** The delay between attempts and which errors are retried (default {@link backoff}); the count is `maxRetries`. */
  readonly retrySchedule: RetrySchedule
  /** Time limit of one attempt, headers and body (default 10 minutes); for streams, see the table above. */
  readonly timeout: Duration.Duration
  /** From sending a stream's request to its first event; unset, the attempt timeout. */
  readonly streamFirstEventTimeout: Duration.Duration | undefined
  /** Each wait for the next bytes of a stream; unset, 5 minutes or the attempt timeout when shorter. */
  readonly streamIdleTimeout: Duration.Duration | undefined
  /** Largest server-sent event accepted, in characters (default 64 Mi); a larger one is `ResponseDecodeError`. */
  readonly maxEventSize: number
  /**
   * What the client logs (default `warn`): `debug` every request and response (secrets redacted), `info` retries,
   * `warn` a transient failure that reached the caller. The application's own minimum log level applies too.
   */
  readonly logLevel: LogLevel
  /** Check responses, pages and stream events against the spec's lenient schemas (default `false`). */
  readonly decodeResponses: boolean
  /** The schemas `decodeResponses` checks against, by name; unset, the generated ones, loaded on first use. */
  readonly responseSchemas: Readonly<Record<string, unknown>> | undefined
}

/**
 * Settings as a program gives them: any subset, durations in any form `Duration` accepts.
 *
 * @since 0.1.0
 * @category models
 */
export type Overrides = {
  readonly [K in keyof Settings]?: Settings[K] extends Duration.Duration | undefined ? Duration.DurationInput | undefined
    : Settings[K] | undefined
}

/**
 * Options of the default retry schedule.
 *
 * @since 0.1.0
 * @category models
 */
export interface BackoffOptions {
  /** First delay; doubles each retry. Default 0.5 s. */
  readonly initialDelay?: Duration.DurationInput
  /** Largest backoff delay. Default 8 s. */
  readonly maxDelay?: Duration.DurationInput
  /** A server's `retry-after` is honoured only up to this. Default 60 s. */
  readonly maxRetryAfter?: Duration.DurationInput
}

const shouldRetryHeader = (error: OpenAIError.OpenAIError): string | undefined =>
  OpenAIError.isStatusError(error) ? error.headers["x-should-retry"] : undefined

/**
 * Makes any schedule honour the server's hints: a status error's `retry-after-ms` / `retry-after` (when above 0
 * and at most `maxRetryAfter`, default 60 s) replaces the schedule's delay, and `x-should-retry: true` retries
 * even an error the schedule would stop at (after the schedule's own delay, or the last one it gave).
 * `x-should-retry: false` and errors that no wait can fix are never retried, whatever the schedule, hints or not.
 *
 * ```ts
 * const fixed = OpenAIConfig.withServerHints(Schedule.spaced("2 seconds"))
 * ```
 *
 * @since 0.1.0
 * @category retries
 */
export const withServerHints = (
  schedule: Schedule.Schedule<unknown, OpenAIError.OpenAIError>,
  options: { readonly maxRetryAfter?: Duration.DurationInput } = {}
): RetrySchedule => {
  const cap = Duration.decode(options.maxRetryAfter ?? "60 seconds")
  // The state carries the inner schedule's state and the last delay it gave.
  const initial: readonly [unknown, number] = [schedule.initial, 0]
  return Schedule.makeWithState(initial, (now, input: OpenAIError.OpenAIError, [state, lastDelay]) =>
    Effect.map(schedule.step(now, input, state), ([next, output, decision]) => {
      const keepGoing = decision._tag === "Continue" || shouldRetryHeader(input) === "true"
      if (!keepGoing) return [[next, lastDelay] as const, output, decision] as const
      const hinted = OpenAIError.isStatusError(input) ? parseRetryAfter(input.headers, cap, now) : undefined
      const own = decision._tag === "Continue" ? Math.max(0, ScheduleIntervals.start(decision.intervals) - now) : lastDelay
      const delay = hinted === undefined ? own : Duration.toMillis(hinted)
      return [[next, own] as const, output, ScheduleDecision.continueWith(ScheduleInterval.after(now + delay))] as const
    }))
}

/**
 * The default retry schedule: retries what {@link OpenAIError.isRetryable} allows, waits what the server asks
 * (see {@link withServerHints}) or else an exponential backoff from `initialDelay` to `maxDelay` with jitter (each
 * delay scaled by a random factor in 0.75..1). It sets no count: `maxRetries` does.
 *
 * @since 0.1.0
 * @category retries
 */
export const backoff = (options: BackoffOptions = {}): RetrySchedule =>
  withServerHints(
    Schedule.exponential(options.initialDelay ?? "500 millis", 2).pipe(
      Schedule.union(Schedule.spaced(options.maxDelay ?? "8 seconds")),
      Schedule.jitteredWith({ min: 0.75, max: 1 }),
      Schedule.intersect(Schedule.identity<OpenAIError.OpenAIError>()),
      Schedule.whileInput(OpenAIError.isRetryable)
    ),
    options.maxRetryAfter === undefined ? {} : { maxRetryAfter: options.maxRetryAfter }
  )

/**
 * The defaults of every setting.
 *
 * @since 0.1.0
 * @category constructors
 */
export const defaults: Settings = {
  maxRetries: 2,
  retrySchedule: backoff(),
  timeout: Duration.minutes(10),
  streamFirstEventTimeout: undefined,
  streamIdleTimeout: undefined,
  maxEventSize: 64 * 1024 * 1024,
  logLevel: "warn",
  decodeResponses: false,
  responseSchemas: undefined
}

/**
 * The settings in effect.
 *
 * @since 0.1.0
 * @category tags
 */
export class OpenAIConfig extends Context.Reference<OpenAIConfig>()("@effect-openai/openai/OpenAIConfig", {
  defaultValue: (): Settings => defaults
}) {}

const durationKeys = ["timeout", "streamFirstEventTimeout", "streamIdleTimeout"] as const

/**
 * `settings` with `overrides` applied (an `undefined` override keeps the setting).
 *
 * @since 0.1.0
 * @category constructors
 */
export const merge = (settings: Settings, overrides: Overrides): Settings => {
  const out: Record<string, unknown> = { ...settings }
  for (const key in overrides) {
    const value = overrides[key as keyof Overrides]
    if (value === undefined) continue
    out[key] = (durationKeys as ReadonlyArray<string>).includes(key) ? Duration.decode(value as Duration.DurationInput) : value
  }
  return out as unknown as Settings
}

/**
 * The settings as a layer: the defaults with `overrides` applied.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (overrides: Overrides = {}): Layer.Layer<never> =>
  Layer.succeed(OpenAIConfig, merge(defaults, overrides)) as unknown as Layer.Layer<never>

/**
 * Runs an effect, or a stream, with some settings changed; the others stay as they are around it.
 *
 * @since 0.1.0
 * @category combinators
 */
export const withConfigOverride: {
  (overrides: Overrides): <Self extends Effect.Effect<any, any, any> | Stream.Stream<any, any, any>>(self: Self) => Self
  <Self extends Effect.Effect<any, any, any> | Stream.Stream<any, any, any>>(self: Self, overrides: Overrides): Self
} = dual(2, (self: Effect.Effect<any, any, any> | Stream.Stream<any, any, any>, overrides: Overrides): any =>
  Stream.StreamTypeId in self
    ? Stream.unwrap(Effect.map(OpenAIConfig, (current) => Stream.provideService(self, OpenAIConfig, merge(current, overrides))))
    : Effect.flatMap(OpenAIConfig, (current) => Effect.provideService(self, OpenAIConfig, merge(current, overrides))))

/**
 * The current settings.
 *
 * @since 0.1.0
 * @category accessors
 */
export const get: Effect.Effect<Settings> = OpenAIConfig
