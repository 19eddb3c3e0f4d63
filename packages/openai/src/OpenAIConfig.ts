/**
 * The client's settings, each a `Context.Reference` with a default: set them for a whole program with a layer
 * (`OpenAI.layer` does it from its options) or for one call with `Effect.provideService`.
 *
 * Stream time limits, when not set, follow the attempt timeout:
 *
 * | limit                      | bounds                                              | default                      |
 * |----------------------------|-----------------------------------------------------|------------------------------|
 * | `RequestTimeout`           | one attempt: headers and body (streams: headers)   | 10 minutes                   |
 * | `StreamFirstEventTimeout`  | sending a stream's request to its first event       | the attempt timeout          |
 * | `StreamIdleTimeout`        | each wait for the next bytes of a stream            | 5 minutes, or the attempt timeout if shorter |
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as OpenAIError from "./OpenAIError.js"
import { parseRetryAfter } from "./internal/headers.js"

/**
 * How many times a failed request is retried (default 2). `0` turns retries off.
 *
 * @since 0.1.0
 * @category settings
 */
export class MaxRetries extends Context.Reference<MaxRetries>()("@effect-openai/openai/MaxRetries", {
  defaultValue: () => 2
}) {}

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

/**
 * The default retry schedule: retries what {@link OpenAIError.isRetryable} allows, waits what the server asks
 * (`retry-after-ms`, then `retry-after`, when above 0 and at most `maxRetryAfter`) or else an exponential
 * backoff from `initialDelay` to `maxDelay` with jitter (each delay scaled by a random factor in 0.75..1).
 * It sets no count: {@link MaxRetries} does.
 *
 * @since 0.1.0
 * @category retries
 */
export const backoff = (options: BackoffOptions = {}): Schedule.Schedule<unknown, OpenAIError.OpenAIError> => {
  const cap = Duration.decode(options.maxRetryAfter ?? "60 seconds")
  return Schedule.exponential(options.initialDelay ?? "500 millis", 2).pipe(
    Schedule.union(Schedule.spaced(options.maxDelay ?? "8 seconds")),
    Schedule.jitteredWith({ min: 0.75, max: 1 }),
    Schedule.intersect(Schedule.identity<OpenAIError.OpenAIError>()),
    Schedule.whileInput(OpenAIError.isRetryable),
    Schedule.modifyDelayEffect(([, error], delay) =>
      OpenAIError.isStatusError(error)
        ? Effect.map(Clock.currentTimeMillis, (now) => parseRetryAfter(error.headers, cap, now) ?? delay)
        : Effect.succeed(delay)
    )
  )
}

/**
 * Decides the delay between attempts and which errors are retried. The count comes from {@link MaxRetries}.
 * Any `Schedule` whose input is the error fits; see {@link backoff} for the default.
 *
 * @since 0.1.0
 * @category settings
 */
export class RetrySchedule extends Context.Reference<RetrySchedule>()("@effect-openai/openai/RetrySchedule", {
  defaultValue: (): Schedule.Schedule<unknown, OpenAIError.OpenAIError> => backoff()
}) {}

/**
 * Time limit of one attempt of an ordinary request, headers and body (default 10 minutes). For streams it
 * bounds the wait for response headers, and is the default of the stream limits below.
 *
 * @since 0.1.0
 * @category settings
 */
export class RequestTimeout extends Context.Reference<RequestTimeout>()("@effect-openai/openai/RequestTimeout", {
  defaultValue: (): Duration.Duration => Duration.minutes(10)
}) {}

/**
 * Time limit from sending a streaming request to its first event, response headers included. Unset (the
 * default), it is the attempt timeout.
 *
 * @since 0.1.0
 * @category settings
 */
export class StreamFirstEventTimeout extends Context.Reference<StreamFirstEventTimeout>()(
  "@effect-openai/openai/StreamFirstEventTimeout",
  { defaultValue: (): Duration.Duration | undefined => undefined }
) {}

/**
 * Time limit of each wait for the next bytes of a stream; comments such as keepalives count. Unset (the
 * default), it is 5 minutes, or the attempt timeout when that is shorter. Time the consumer spends between two
 * pulls does not count.
 *
 * @since 0.1.0
 * @category settings
 */
export class StreamIdleTimeout extends Context.Reference<StreamIdleTimeout>()(
  "@effect-openai/openai/StreamIdleTimeout",
  { defaultValue: (): Duration.Duration | undefined => undefined }
) {}

/**
 * Largest server-sent event accepted, in characters (default 64 Mi). A larger one fails the stream with
 * `ResponseDecodeError` instead of exhausting memory.
 *
 * @since 0.1.0
 * @category settings
 */
export class MaxEventSize extends Context.Reference<MaxEventSize>()("@effect-openai/openai/MaxEventSize", {
  defaultValue: () => 64 * 1024 * 1024
}) {}

/**
 * Whether generated operations check responses (and stream events, and list pages) against the spec's
 * lenient schemas (default `false`, see docs/performance.md for the cost). A mismatch is a
 * `ResponseDecodeError`; unknown fields, enum values and event types always pass.
 *
 * @since 0.1.0
 * @category settings
 */
export class DecodeResponses extends Context.Reference<DecodeResponses>()("@effect-openai/openai/DecodeResponses", {
  defaultValue: () => false
}) {}

/**
 * The schemas `DecodeResponses` checks against, by name. Unset (the default), the generated `Schemas` are
 * loaded the first time a response is checked, so that a program (or a bundle) that never checks responses
 * never loads them; set it to check against a registry of your own.
 *
 * @since 0.1.0
 * @category settings
 */
export class ResponseSchemas extends Context.Reference<ResponseSchemas>()("@effect-openai/openai/ResponseSchemas", {
  defaultValue: (): Readonly<Record<string, unknown>> | undefined => undefined
}) {}

/**
 * The client's log levels, as the official SDK's `OPENAI_LOG`.
 *
 * @since 0.1.0
 * @category models
 */
export type LogLevel = "off" | "error" | "warn" | "info" | "debug"

/**
 * Which client messages are logged through the Effect `Logger` (default `warn`): `debug` logs every request and
 * response (secrets redacted), `info` logs retries.
 *
 * @since 0.1.0
 * @category settings
 */
export class ClientLogLevel extends Context.Reference<ClientLogLevel>()("@effect-openai/openai/ClientLogLevel", {
  defaultValue: (): LogLevel => "warn"
}) {}
