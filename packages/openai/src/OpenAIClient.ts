/**
 * The one service operations use: it builds, authenticates, sends, retries, times out, logs and traces
 * requests, and reads their bodies. Settings are `Context.Reference`s with defaults, so a program can change
 * them for one call with `Effect.provideService` or for everything with a layer.
 *
 * @since 0.1.0
 */
import * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as EffectLogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import { isRecord } from "effect/Predicate"
import * as Schedule from "effect/Schedule"
import * as ScheduleIntervals from "effect/ScheduleIntervals"
import * as Stream from "effect/Stream"
import * as Tracer from "effect/Tracer"
import { type PathTemplate, appendQuery, renderPath } from "./internal/encoding.js"
import * as InternalErrors from "./internal/errors.js"
import { parseRateLimit, parseRetryAfter, redactHeaders } from "./internal/headers.js"
import * as Multipart from "./internal/multipart.js"
import { AttemptTimeout, attemptTimeouts, hasNativeTimeouts } from "./internal/nativeTimeouts.js"
import * as Sse from "./internal/sse.js"
import { version } from "./internal/version.js"
import { OpenAIAuth } from "./OpenAIAuth.js"
import * as OpenAIError from "./OpenAIError.js"

// -----------------------------------------------------------------------------
// settings
// -----------------------------------------------------------------------------

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
 * @category settings
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
 * bounds the wait for response headers.
 *
 * @since 0.1.0
 * @category settings
 */
export class RequestTimeout extends Context.Reference<RequestTimeout>()("@effect-openai/openai/RequestTimeout", {
  defaultValue: (): Duration.Duration => Duration.minutes(10)
}) {}

/**
 * Time limit from sending a streaming request to its first event, response headers included (default 10
 * minutes). The attempt timeout still bounds the wait for headers when it is shorter.
 *
 * @since 0.1.0
 * @category settings
 */
export class StreamFirstEventTimeout extends Context.Reference<StreamFirstEventTimeout>()(
  "@effect-openai/openai/StreamFirstEventTimeout",
  { defaultValue: (): Duration.Duration => Duration.minutes(10) }
) {}

/**
 * Time limit between two stream events; comments such as keepalives count as events (default 5 minutes).
 *
 * @since 0.1.0
 * @category settings
 */
export class StreamIdleTimeout extends Context.Reference<StreamIdleTimeout>()(
  "@effect-openai/openai/StreamIdleTimeout",
  { defaultValue: (): Duration.Duration => Duration.minutes(5) }
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
 * The schemas `DecodeResponses` checks against, by name. `OpenAI.layer`, `OpenAI.layerConfig` and
 * `OpenAITest.layer` provide the generated `Schemas`; a program that composes `OpenAIClient.layer` itself adds
 * `Layer.succeed(OpenAIClient.ResponseSchemas, Schemas)` to check responses. Kept apart so that a bundle that
 * never checks responses does not carry the schemas.
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

const logRank: Record<LogLevel, number> = { off: 0, error: 1, warn: 2, info: 3, debug: 4 }

/** Client messages are gated by `ClientLogLevel` already, so the runtime's minimum level must not drop them. */
const clientLog = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Logger.withMinimumLogLevel(effect, EffectLogLevel.All)

// -----------------------------------------------------------------------------
// requests
// -----------------------------------------------------------------------------

/**
 * Per-call options, named as in the official SDK.
 *
 * @since 0.1.0
 * @category models
 */
export interface RequestOptions {
  /** Extra headers; `null` removes a default header. */
  readonly headers?: Readonly<Record<string, string | null | undefined>> | undefined
  /** Extra query parameters. */
  readonly query?: Readonly<Record<string, unknown>> | undefined
  /** Extra JSON body fields, merged over the operation's body. */
  readonly body?: Readonly<Record<string, unknown>> | undefined
  readonly maxRetries?: number | undefined
  /** Attempt timeout for this call. */
  readonly timeout?: Duration.DurationInput | undefined
  readonly idempotencyKey?: string | undefined
  readonly streamFirstEventTimeout?: Duration.DurationInput | undefined
  readonly streamIdleTimeout?: Duration.DurationInput | undefined
}

/**
 * HTTP methods the API uses.
 *
 * @since 0.1.0
 * @category models
 */
export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE"

/**
 * A request body: JSON (the default for plain values), multipart form fields (files as `Uploads.FileInput`),
 * or raw bytes.
 *
 * @since 0.1.0
 * @category models
 */
export type Body =
  | { readonly _tag: "Json"; readonly value: unknown }
  | { readonly _tag: "Multipart"; readonly fields: Readonly<Record<string, unknown>> }
  | { readonly _tag: "Bytes"; readonly value: Uint8Array; readonly contentType: string }

/**
 * One request, as operations describe it.
 *
 * @since 0.1.0
 * @category models
 */
export interface RequestSpec {
  readonly method: Method
  /** A path below the base URL, or a template whose parameters get encoded. */
  readonly path: string | PathTemplate
  /** Dotted operation name for spans and logs, e.g. `chat.completions.create`. */
  readonly operation?: string | undefined
  readonly query?: Readonly<Record<string, unknown>> | undefined
  readonly body?: Body | undefined
  readonly headers?: Readonly<Record<string, string | null | undefined>> | undefined
  /** Admin endpoints prefer the admin key. */
  readonly admin?: boolean | undefined
  readonly options?: RequestOptions | undefined
}

/**
 * What a response says besides its body.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResponseMeta {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  /** `x-request-id`. */
  readonly requestId: string | undefined
  readonly rateLimit: OpenAIError.RateLimit
}

/**
 * Data with its response metadata.
 *
 * @since 0.1.0
 * @category models
 */
export interface WithResponse<A> {
  readonly data: A
  readonly response: ResponseMeta
}

/**
 * How a stream ends: `"done"` needs a `[DONE]` event (Chat Completions), a set of event types needs one of
 * them (Responses: `response.completed` etc.), `"eof"` accepts the end of the body.
 *
 * @since 0.1.0
 * @category models
 */
export type StreamTerminal = "done" | "eof" | ReadonlySet<string>

// -----------------------------------------------------------------------------
// service
// -----------------------------------------------------------------------------

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** Base URL without a trailing slash. */
  readonly baseURL: string
  /** Sends a request and reads its body as JSON. */
  readonly json: <A = unknown>(spec: RequestSpec) => Effect.Effect<WithResponse<A>, OpenAIError.OpenAIError>
  /** Sends a request and returns its body as bytes, streamed. */
  readonly binary: (
    spec: RequestSpec
  ) => Effect.Effect<WithResponse<Stream.Stream<Uint8Array, OpenAIError.OpenAIError>>, OpenAIError.OpenAIError>
  /** Sends a request and decodes its body as server-sent events, raw (comments dropped). */
  readonly sse: (spec: RequestSpec) => Stream.Stream<Sse.SseEvent, OpenAIError.OpenAIError>
  /** Sends a streaming request and returns the events' JSON data, ending as `terminal` says. */
  readonly stream: <A = unknown>(
    spec: RequestSpec,
    terminal: StreamTerminal
  ) => Stream.Stream<A, OpenAIError.OpenAIError>
}

/**
 * The client service.
 *
 * @since 0.1.0
 * @category tags
 */
export class OpenAIClient extends Context.Tag("@effect-openai/openai/OpenAIClient")<OpenAIClient, Service>() {}

/**
 * Options of the client itself. Credentials come from `OpenAIAuth`, the transport from `HttpClient`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Default `https://api.openai.com/v1`. */
  readonly baseURL?: string | undefined
  /** Sent as `OpenAI-Organization`. */
  readonly organization?: string | undefined
  /** Sent as `OpenAI-Project`. */
  readonly project?: string | undefined
  readonly defaultHeaders?: Readonly<Record<string, string | null | undefined>> | undefined
  readonly defaultQuery?: Readonly<Record<string, unknown>> | undefined
  /** Adjusts the `HttpClient` used, e.g. to add a proxy's headers. */
  readonly transformClient?: ((client: HttpClient.HttpClient) => HttpClient.HttpClient) | undefined
}

const userAgent = `effect-openai/${version} (${
  typeof process !== "undefined" && process.versions?.node ? `node ${process.versions.node}` : "js"
})`

/** Response metadata; rate limits are parsed on first read, since most callers never look. */
class Meta implements ResponseMeta {
  readonly headers: Readonly<Record<string, string>>
  private parsed: OpenAIError.RateLimit | undefined
  constructor(readonly status: number, headers: Readonly<Record<string, string>>) {
    this.headers = headers["set-cookie"] === undefined ? headers : { ...headers, "set-cookie": "<redacted>" }
  }
  get requestId(): string | undefined {
    return this.headers["x-request-id"]
  }
  get rateLimit(): OpenAIError.RateLimit {
    return this.parsed ??= parseRateLimit(this.headers)
  }
}

/** A response whose status was checked, with its headers read once (the platform rebuilds them per access). */
interface Sent {
  readonly response: HttpClientResponse.HttpClientResponse
  readonly headers: Readonly<Record<string, string>>
}

/** Errors no schedule may retry: waiting cannot fix them, or the server said not to. */
/**
 * Adds attributes to the current span, if there is one. (`Effect.annotateCurrentSpan` builds an exception,
 * stack trace included, when there is none: on every request under the default tracer, where we skip spans.)
 */
const annotateSpan = (attributes: () => Record<string, unknown>): Effect.Effect<void> =>
  Effect.map(Effect.serviceOption(Tracer.ParentSpan), (span) => {
    if (span._tag === "None" || span.value._tag !== "Span") return
    const current = span.value
    for (const [key, value] of Object.entries(attributes())) current.attribute(key, value)
  })

/** Effect's built-in tracer: spans made under it are recorded nowhere, so operations skip them. */
const defaultTracer: Tracer.Tracer = Effect.runSync(Effect.tracer)

/** An attempt's time limit, and how its expiry is reported. */
interface Timeout {
  readonly limit: Duration.Duration
  readonly phase: "request" | "first-event"
  readonly reported: Duration.Duration
}

const requestTimeout = (limit: Duration.Duration): Timeout => ({ limit, phase: "request", reported: limit })

const neverRetried = (error: OpenAIError.OpenAIError): boolean =>
  error._tag === "InsufficientQuotaError" || error._tag === "InvalidInputError" ||
  (OpenAIError.isStatusError(error) && error.headers["x-should-retry"] === "false")

const spanAttributes = (
  prepared: { readonly operation: string; readonly method: string; readonly urlForErrors: string },
  spec: RequestSpec
): Record<string, unknown> => {
  const model = spec.body?._tag === "Json" && isRecord(spec.body.value)
    ? spec.body.value.model
    : spec.body?._tag === "Multipart"
    ? spec.body.fields.model
    : undefined
  return {
    "gen_ai.system": "openai",
    "gen_ai.operation.name": prepared.operation,
    "http.request.method": prepared.method,
    "url.full": prepared.urlForErrors,
    ...(typeof model === "string" ? { "gen_ai.request.model": model } : {})
  }
}

interface Prepared {
  readonly method: Method
  readonly url: string
  /** URL without the query, safe for errors and spans. */
  readonly urlForErrors: string
  readonly headers: Record<string, string>
  readonly body: HttpBody.HttpBody
  readonly oneShot: boolean
  readonly operation: string
  readonly admin: boolean
  readonly options: RequestOptions | undefined
}

const invalidHeaderValue = /[\r\n\0]/

/**
 * Builds the client from `HttpClient` and `OpenAIAuth` in context.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<Service, never, HttpClient.HttpClient | OpenAIAuth> =>
  Effect.gen(function*() {
    const baseClient = yield* HttpClient.HttpClient
    const httpClient = options.transformClient ? options.transformClient(baseClient) : baseClient
    const auth = yield* OpenAIAuth
    // A transport that enforces attempt timeouts itself spares a fiber race per request.
    const native = hasNativeTimeouts(httpClient)
    const baseURL = (options.baseURL ?? "https://api.openai.com/v1").replace(/\/+$/, "")
    const baseHeaders: Record<string, string> = {
      accept: "application/json",
      "user-agent": userAgent
    }
    if (options.organization !== undefined) baseHeaders["openai-organization"] = options.organization
    if (options.project !== undefined) baseHeaders["openai-project"] = options.project

    const applyHeaders = (
      target: Record<string, string>,
      extra: Readonly<Record<string, string | null | undefined>> | undefined
    ): string | undefined => {
      if (extra === undefined) return undefined
      for (const name in extra) {
        const value = extra[name]
        const key = name.toLowerCase()
        if (value === null) delete target[key]
        else if (value !== undefined) {
          if (invalidHeaderValue.test(value) || invalidHeaderValue.test(name)) return name
          target[key] = value
        }
      }
      return undefined
    }

    /** Everything about a request that does not change between attempts. Synchronous unless files are involved. */
    // The client's own and default headers are merged once; a bad default header fails every request.
    const defaultHeaders: Record<string, string> = { ...baseHeaders }
    const badDefaultHeader = applyHeaders(defaultHeaders, options.defaultHeaders)

    const prepare = (spec: RequestSpec): Effect.Effect<Prepared, OpenAIError.InvalidInputError> => {
      const specBody = spec.body
      if (specBody?._tag === "Multipart") {
        const extra = spec.options?.body
        return Effect.flatMap(
          Multipart.encode(extra ? { ...specBody.fields, ...extra } : specBody.fields),
          (encoded) =>
            finish(
              spec,
              encoded.body instanceof Uint8Array
                ? HttpBody.uint8Array(encoded.body, encoded.contentType)
                : HttpBody.stream(encoded.body, encoded.contentType),
              encoded.oneShot
            )
        )
      }
      let body: HttpBody.HttpBody = HttpBody.empty
      if (specBody?._tag === "Json") {
        const extra = spec.options?.body
        const value = extra !== undefined && isRecord(specBody.value) ? { ...specBody.value, ...extra } : specBody.value
        body = HttpBody.text(JSON.stringify(value), "application/json")
      } else if (specBody?._tag === "Bytes") {
        body = HttpBody.uint8Array(specBody.value, specBody.contentType)
      }
      return finish(spec, body, false)
    }

    const finish = (
      spec: RequestSpec,
      body: HttpBody.HttpBody,
      oneShot: boolean
    ): Effect.Effect<Prepared, OpenAIError.InvalidInputError> => {
      const rendered = renderPath(spec.path)
      if ("invalid" in rendered) return Effect.fail(new OpenAIError.InvalidInputError({ message: rendered.invalid }))
      const callOptions = spec.options
      const base = `${baseURL}${rendered.path}`
      let url = base
      if (options.defaultQuery || spec.query || callOptions?.query) {
        const params = new URLSearchParams()
        if (options.defaultQuery) appendQuery(params, options.defaultQuery)
        if (spec.query) appendQuery(params, spec.query)
        if (callOptions?.query) appendQuery(params, callOptions.query)
        const search = params.toString()
        if (search !== "") url = `${base}?${search}`
      }
      const headers: Record<string, string> = { ...defaultHeaders }
      const bad = badDefaultHeader ?? applyHeaders(headers, spec.headers) ?? applyHeaders(headers, callOptions?.headers)
      if (bad !== undefined) {
        return Effect.fail(
          new OpenAIError.InvalidInputError({
            message: `header ${JSON.stringify(bad.replace(invalidHeaderValue, " "))} contains a line break or NUL`
          })
        )
      }
      if (callOptions?.idempotencyKey !== undefined) headers["idempotency-key"] = callOptions.idempotencyKey
      return Effect.succeed({
        method: spec.method,
        url,
        urlForErrors: base,
        headers,
        body,
        oneShot,
        operation: spec.operation ?? `${spec.method} ${typeof spec.path === "string" ? spec.path : spec.path.strings.join("{}")}`,
        admin: spec.admin ?? false,
        options: callOptions
      })
    }

    /**
     * One attempt up to response headers; a non-2xx status becomes its tagged error (body read). The platform's
     * own client span is switched off: the operation's span already covers the request, and the platform would
     * add trace headers to every call.
     */
    const send = (
      prepared: Prepared,
      logLevel: number,
      timeout: Timeout | undefined
    ): Effect.Effect<Sent, OpenAIError.OpenAIError> =>
      Effect.flatMap(auth.headers({ admin: prepared.admin }), (authHeaders) => {
        const request = HttpClientRequest.make(prepared.method)(prepared.url, {
          headers: { ...prepared.headers, ...authHeaders },
          body: prepared.body
        })
        if (timeout !== undefined) attemptTimeouts.set(request, Duration.toMillis(timeout.limit))
        const execute = Effect.catchAll(
          Effect.withTracerEnabled(httpClient.execute(request), false),
          (error) => Effect.fail(transportError(prepared, error, timeout))
        )
        const logged = logLevel >= logRank.debug
          ? Effect.zipRight(
            clientLog(Effect.logDebug("openai request").pipe(Effect.annotateLogs({
              operation: prepared.operation,
              method: prepared.method,
              url: prepared.urlForErrors,
              headers: redactHeaders(request.headers)
            }))),
            execute
          )
          : execute
        return Effect.flatMap(logged, (response) => {
          const headers = response.headers
          const sent: Sent = { response, headers }
          const checked = response.status < 200 || response.status >= 300
            ? Effect.flatMap(
              Effect.orElseSucceed(response.text, () => ""),
              (text) => Effect.fail(InternalErrors.fromStatus(response.status, headers, text))
            )
            : Effect.succeed(sent)
          return logLevel >= logRank.debug
            ? Effect.zipRight(
              clientLog(Effect.logDebug("openai response").pipe(Effect.annotateLogs({
                operation: prepared.operation,
                status: response.status,
                requestId: headers["x-request-id"],
                headers: redactHeaders(headers)
              }))),
              checked
            )
            : checked
        })
      })

    /** A transport failure, or the native attempt timer's abort, as our error. */
    const transportError = (
      prepared: Prepared,
      error: HttpClientError.HttpClientError,
      timeout: Timeout | undefined
    ): OpenAIError.OpenAIError =>
      timeout !== undefined && error.cause instanceof AttemptTimeout
        ? timeoutError(prepared, timeout.phase, timeout.reported)
        : InternalErrors.fromTransport(error, prepared.method, prepared.urlForErrors)

    /**
     * Bounds an attempt: with a native transport the timer is already set on the request (see `send`);
     * otherwise `Effect.timeoutFail` races it.
     */
    const bound = <A>(
      prepared: Prepared,
      timeout: Timeout,
      attempt: (timeout: Timeout | undefined) => Effect.Effect<A, OpenAIError.OpenAIError>
    ): Effect.Effect<A, OpenAIError.OpenAIError> =>
      native
        ? attempt(timeout)
        : Effect.timeoutFail(attempt(undefined), {
          duration: timeout.limit,
          onTimeout: () => timeoutError(prepared, timeout.phase, timeout.reported)
        })

    /**
     * Runs an attempt, then retries per the policy in context (none for one-shot bodies). The schedule is only
     * started after a failure, so a successful first attempt pays nothing for it.
     */
    const withRetries = <A>(
      prepared: Prepared,
      logLevel: number,
      context: Context.Context<never>,
      attempt: Effect.Effect<A, OpenAIError.OpenAIError>
    ): Effect.Effect<A, OpenAIError.OpenAIError> => {
      const schedule = retryPolicy(prepared, logLevel, context)
      const retried = schedule === undefined ? attempt : Effect.catchAll(attempt, (first) =>
        Effect.flatMap(Schedule.driver(schedule), (driver) => {
          const again = (error: OpenAIError.OpenAIError): Effect.Effect<A, OpenAIError.OpenAIError> =>
            Effect.matchEffect(driver.next(error), {
              onFailure: () => Effect.fail(error),
              onSuccess: () => Effect.catchAll(attempt, again)
            })
          return again(first)
        }))
      return logLevel >= logRank.warn
        ? Effect.tapError(retried, (error) => logGaveUp(prepared, logLevel, error))
        : retried
    }

    /** At `warn`, a transient failure that reached the caller (retries exhausted or off) is logged once. */
    const logGaveUp = (prepared: Prepared, logLevel: number, error: OpenAIError.OpenAIError): Effect.Effect<void> =>
      logLevel >= logRank.warn && OpenAIError.isRetryable(error)
        ? clientLog(
          Effect.logWarning("openai request failed").pipe(
            Effect.annotateLogs({
              operation: prepared.operation,
              error: error._tag,
              message: error.message
            })
          )
        )
        : Effect.void

    /** Bounded schedules are built once per (schedule, count): building them per request is measurable. */
    const boundedCache = new WeakMap<object, Map<number, Schedule.Schedule<unknown, OpenAIError.OpenAIError>>>()

    const bounded = (
      schedule: Schedule.Schedule<unknown, OpenAIError.OpenAIError>,
      count: number
    ): Schedule.Schedule<unknown, OpenAIError.OpenAIError> => {
      let byCount = boundedCache.get(schedule)
      if (byCount === undefined) {
        byCount = new Map()
        boundedCache.set(schedule, byCount)
      }
      let result = byCount.get(count)
      if (result === undefined) {
        // Whatever schedule is in place, these are never retried: waiting cannot fix them.
        result = Schedule.intersect(schedule, Schedule.recurs(count)).pipe(
          Schedule.whileInput((error: OpenAIError.OpenAIError) => !neverRetried(error))
        )
        byCount.set(count, result)
      }
      return result
    }

    const retryPolicy = (
      prepared: Prepared,
      logLevel: number,
      context: Context.Context<never>
    ): Schedule.Schedule<unknown, OpenAIError.OpenAIError> | undefined => {
      const count = prepared.options?.maxRetries ?? Context.get(context, MaxRetries)
      if (prepared.oneShot || count <= 0) return undefined
      const schedule = bounded(Context.get(context, RetrySchedule), count)
      if (logLevel < logRank.info) return schedule
      return schedule.pipe(
        Schedule.intersect(Schedule.identity<OpenAIError.OpenAIError>()),
        Schedule.onDecision(([, error], decision) =>
          decision._tag === "Continue"
            ? clientLog(
              Effect.logInfo("openai retrying").pipe(
                Effect.annotateLogs({
                  operation: prepared.operation,
                  error: error._tag,
                  status: OpenAIError.isStatusError(error) ? error.status : undefined,
                  retryAt: new Date(ScheduleIntervals.start(decision.intervals)).toISOString()
                })
              )
            )
            : Effect.void
        )
      )
    }

    /** A time limit: the per-call option when given, else the setting in context. */
    const limit = (
      option: Duration.DurationInput | undefined,
      context: Context.Context<never>,
      setting: Context.Reference<any, Duration.Duration>
    ): Duration.Duration => option !== undefined ? Duration.decode(option) : Context.get(context, setting)

    const attemptTimeout = (prepared: Prepared, context: Context.Context<never>): Duration.Duration =>
      limit(prepared.options?.timeout, context, RequestTimeout)

    const timeoutError = (prepared: Prepared, phase: "request" | "first-event" | "idle", timeout: Duration.Duration) =>
      new OpenAIError.APIConnectionTimeoutError({
        message: `${phase === "request" ? "request" : phase === "idle" ? "stream idle" : "first stream event"} timed out after ${
          Duration.format(timeout)
        } on ${prepared.method} ${prepared.urlForErrors}`,
        method: prepared.method,
        url: prepared.urlForErrors,
        phase,
        timeout
      })

    /** The operation's span; skipped under Effect's default tracer, whose spans reach no one. */
    const traced = <A, E, R>(
      prepared: Prepared,
      spec: RequestSpec,
      effect: Effect.Effect<A, E, R>
    ): Effect.Effect<A, E, R> =>
      Effect.tracerWith((tracer) =>
        tracer === defaultTracer
          ? effect
          : Effect.withSpan(effect, `OpenAI ${prepared.operation}`, {
            kind: "client",
            captureStackTrace: false,
            attributes: spanAttributes(prepared, spec)
          })
      )

    const annotateResponse = (meta: ResponseMeta, data: unknown) => annotateSpan(() => usageAttributes(meta, data))

    const readJson = <A>(
      prepared: Prepared,
      sent: Sent,
      timeout: Timeout | undefined
    ): Effect.Effect<WithResponse<A>, OpenAIError.OpenAIError> =>
      Effect.flatMap(
        Effect.catchAll(sent.response.text, (error) => Effect.fail(transportError(prepared, error, timeout))),
        (text) => {
          const meta = new Meta(sent.response.status, sent.headers)
          if (text === "") return Effect.succeed<WithResponse<A>>({ data: null as A, response: meta })
          try {
            return Effect.succeed<WithResponse<A>>({ data: JSON.parse(text) as A, response: meta })
          } catch (cause) {
            return Effect.fail(
              new OpenAIError.ResponseDecodeError({
                message: `${meta.status} response body is not valid JSON${
                  meta.requestId === undefined ? "" : ` (request ${meta.requestId})`
                }`,
                status: meta.status,
                requestId: meta.requestId,
                body: InternalErrors.cut(text),
                cause
              })
            )
          }
        }
      )

    const json = <A>(spec: RequestSpec): Effect.Effect<WithResponse<A>, OpenAIError.OpenAIError> =>
      Effect.flatMap(prepare(spec), (prepared) =>
        Effect.contextWithEffect((context: Context.Context<never>) => {
          const logLevel = logRank[Context.get(context, ClientLogLevel)]
          const timeout = requestTimeout(attemptTimeout(prepared, context))
          const attempt = bound(prepared, timeout, (native) =>
            Effect.flatMap(send(prepared, logLevel, native), (sent) => readJson<A>(prepared, sent, native)))
          return traced(
            prepared,
            spec,
            Effect.tap(withRetries(prepared, logLevel, context, attempt), (result) =>
              annotateResponse(result.response, result.data))
          )
        }))

    const binary = (
      spec: RequestSpec
    ): Effect.Effect<WithResponse<Stream.Stream<Uint8Array, OpenAIError.OpenAIError>>, OpenAIError.OpenAIError> =>
      Effect.flatMap(prepare(spec), (prepared) =>
        Effect.contextWithEffect((context: Context.Context<never>) => {
          const logLevel = logRank[Context.get(context, ClientLogLevel)]
          const idle = limit(prepared.options?.streamIdleTimeout, context, StreamIdleTimeout)
          const timeout = requestTimeout(attemptTimeout(prepared, context))
          const attempt = bound(prepared, timeout, (native) => send(prepared, logLevel, native))
          return traced(
            prepared,
            spec,
            Effect.flatMap(withRetries(prepared, logLevel, context, attempt), (sent) => {
              const meta = new Meta(sent.response.status, sent.headers)
              return Effect.as(annotateResponse(meta, undefined), {
                data: sent.response.stream.pipe(
                  Stream.catchAll((error) =>
                    Stream.fail(InternalErrors.fromTransport(error, prepared.method, prepared.urlForErrors))
                  ),
                  Stream.timeoutFail(() => timeoutError(prepared, "idle", idle), idle)
                ),
                response: meta
              })
            })
          )
        }))

    /**
     * Opens the SSE body of one attempt. `next` decodes the next chunk of bytes into SSE items synchronously
     * (an empty array when the chunk ended no line); at the end of the body it flushes the decoder, then ends.
     * `watchdog` is one fiber per stream that fails with the timeout error when the first event does not arrive
     * before its deadline (headers included, comments not counted), or when nothing arrives for the idle limit
     * after it (comments counted, so keepalives reset it).
     */
    const openEvents = (prepared: Prepared, logLevel: number, context: Context.Context<never>) =>
      Effect.gen(function*() {
        const timeout = attemptTimeout(prepared, context)
        const first = limit(prepared.options?.streamFirstEventTimeout, context, StreamFirstEventTimeout)
        const idle = limit(prepared.options?.streamIdleTimeout, context, StreamIdleTimeout)
        const clock = yield* Effect.clock
        const start = clock.unsafeCurrentTimeMillis()
        const firstIsShorter = Duration.lessThan(first, timeout)
        const headerLimit: Timeout = firstIsShorter
          ? { limit: first, phase: "first-event", reported: first }
          : requestTimeout(timeout)
        const { headers, response } = yield* bound(prepared, headerLimit, (native) => send(prepared, logLevel, native))
        const requestId = headers["x-request-id"]
        const status = response.status
        yield* annotateSpan(() => usageAttributes(new Meta(status, headers), undefined))
        const decoder = new Sse.SseDecoder(Context.get(context, MaxEventSize))
        const pullBytes = yield* Stream.toPull(response.stream)
        const firstMillis = Duration.toMillis(first)
        const idleMillis = Duration.toMillis(idle)
        let lastActivity = start
        let seen = false
        let ended = false
        const decoded = (f: (out: Array<Sse.SseItem>) => void): Effect.Effect<Array<Sse.SseItem>, Option.Option<OpenAIError.OpenAIError>> => {
          const out = Sse.collect(f)
          if (out instanceof Sse.SseEventTooLargeError) {
            return Effect.fail(Option.some(
              new OpenAIError.ResponseDecodeError({
                message: `a stream event exceeded the limit of ${out.limit} characters`,
                status,
                requestId,
                body: ""
              })
            ))
          }
          if (out.length > 0) {
            lastActivity = clock.unsafeCurrentTimeMillis()
            if (!seen) seen = out.some((item) => item._tag === "Event")
          }
          return Effect.succeed(out)
        }
        const next: Effect.Effect<Array<Sse.SseItem>, Option.Option<OpenAIError.OpenAIError>> = Effect.suspend(() =>
          ended
            ? Effect.fail(Option.none())
            : Effect.matchEffect(pullBytes, {
              onFailure: (error) => {
                if (Option.isSome(error)) {
                  return Effect.fail(Option.some(InternalErrors.fromTransport(error.value, prepared.method, prepared.urlForErrors)))
                }
                ended = true
                return decoded((out) => decoder.end(out))
              },
              onSuccess: (chunk) =>
                decoded((out) => {
                  for (const bytes of chunk) decoder.push(bytes, out)
                })
            })
        )
        const watchdog: Effect.Effect<never, OpenAIError.OpenAIError> = Effect.suspend(() => {
          const now = clock.unsafeCurrentTimeMillis()
          const due = seen ? lastActivity + idleMillis : start + firstMillis
          if (now >= due) {
            return Effect.fail(timeoutError(prepared, seen ? "idle" : "first-event", seen ? idle : first))
          }
          // Never sleep past one idle period: the first event may arrive meanwhile and switch to the idle limit.
          return Effect.zipRight(Effect.sleep(Math.min(due - now, idleMillis)), watchdog)
        })
        return { next, watchdog, requestId, status }
      })

    /** Runs `build` as a stream, retrying per policy while nothing has been delivered to the consumer. */
    const retriedStream = <A>(
      spec: RequestSpec,
      build: (
        prepared: Prepared,
        logLevel: number,
        context: Context.Context<never>,
        markDelivered: () => void
      ) => Stream.Stream<A, OpenAIError.OpenAIError, never>
    ): Stream.Stream<A, OpenAIError.OpenAIError> =>
      Stream.unwrap(
        Effect.flatMap(prepare(spec), (prepared) =>
          Effect.contextWith((context: Context.Context<never>) => {
            const logLevel = logRank[Context.get(context, ClientLogLevel)]
            const schedule = retryPolicy(prepared, logLevel, context)
            let delivered = false
            const once = build(prepared, logLevel, context, () => {
              delivered = true
            })
            const retried = schedule === undefined
              ? once
              : Stream.retry(once, Schedule.whileInput(schedule, () => !delivered))
            const stream = logLevel >= logRank.warn
              ? Stream.tapError(retried, (error) => logGaveUp(prepared, logLevel, error))
              : retried
            return Stream.withSpan(stream, `OpenAI ${prepared.operation}`, {
              kind: "client",
              captureStackTrace: false,
              attributes: spanAttributes(prepared, spec)
            })
          }))
      )

    const sse = (spec: RequestSpec): Stream.Stream<Sse.SseEvent, OpenAIError.OpenAIError> =>
      retriedStream(spec, (prepared, logLevel, context, markDelivered) =>
        Stream.unwrapScoped(
          Effect.map(openEvents(prepared, logLevel, context), ({ next, watchdog }) =>
            Stream.repeatEffectChunkOption(
              Effect.map(next, (items) => {
                const events = items.filter((item): item is Sse.SseEvent => item._tag === "Event")
                if (events.length > 0) markDelivered()
                return Chunk.unsafeFromArray(events)
              })
            ).pipe(Stream.interruptWhen(watchdog)))
        ))

    const stream = <A>(spec: RequestSpec, terminal: StreamTerminal): Stream.Stream<A, OpenAIError.OpenAIError> =>
      retriedStream(spec, (prepared, logLevel, context, markDelivered) =>
        Stream.unwrapScoped(
          Effect.map(openEvents(prepared, logLevel, context), ({ next, requestId, status, watchdog }) => {
            const reader = new EventReader(terminal, requestId, status)
            return Stream.repeatEffectChunkOption(
              Effect.suspend(() => {
                const pending = reader.takeFailure()
                if (pending !== undefined) return Effect.fail(pending)
                return Effect.matchEffect(next, {
                  onFailure: (error) => Effect.fail(Option.isNone(error) ? reader.atEnd() : error),
                  onSuccess: (items) => {
                    const out = reader.read(items)
                    if (out.length > 0) markDelivered()
                    return Effect.succeed(Chunk.unsafeFromArray(out as Array<A>))
                  }
                })
              })
            ).pipe(Stream.interruptWhen(watchdog))
          })
        ))

    return { baseURL, json, binary, sse, stream }
  })

const num = (u: unknown): number | undefined => (typeof u === "number" ? u : undefined)

/** Span attributes of a response: status, request id, and token usage when the body reports it. */
const usageAttributes = (meta: ResponseMeta, data: unknown): Record<string, unknown> => {
  const attributes: Record<string, unknown> = { "http.response.status_code": meta.status }
  if (meta.requestId !== undefined) attributes["openai.request_id"] = meta.requestId
  if (isRecord(data)) {
    if (typeof data.model === "string") attributes["gen_ai.response.model"] = data.model
    const usage = data.usage
    if (isRecord(usage)) {
      const input = num(usage.input_tokens) ?? num(usage.prompt_tokens)
      const output = num(usage.output_tokens) ?? num(usage.completion_tokens)
      if (input !== undefined) attributes["gen_ai.usage.input_tokens"] = input
      if (output !== undefined) attributes["gen_ai.usage.output_tokens"] = output
      const total = num(usage.total_tokens)
      if (total !== undefined) attributes["gen_ai.usage.total_tokens"] = total
    }
  }
  return attributes
}

/**
 * Turns SSE items into the JSON data of OpenAI's events: `[DONE]` ends the stream, error events (flat, nested,
 * or named `error`) fail it with `StreamError`, a missing terminal event is `StreamTruncatedError`.
 * Events before a failure in the same chunk are still delivered; the failure follows on the next pull.
 */
class EventReader {
  private failure: Option.Option<OpenAIError.OpenAIError> | undefined = undefined
  private finished = false
  private terminalSeen: boolean
  private count = 0
  private lastType: string | undefined = undefined

  constructor(
    readonly terminal: StreamTerminal,
    readonly requestId: string | undefined,
    readonly status: number
  ) {
    this.terminalSeen = terminal === "eof"
  }

  takeFailure(): Option.Option<OpenAIError.OpenAIError> | undefined {
    if (this.finished) return Option.none()
    return this.failure
  }

  atEnd(): Option.Option<OpenAIError.OpenAIError> {
    if (this.terminalSeen) return Option.none()
    return Option.some(
      new OpenAIError.StreamTruncatedError({
        message: `stream ended after ${this.count} events without its terminal event${
          this.terminal === "done" ? " [DONE]" : ""
        }${this.requestId === undefined ? "" : ` (request ${this.requestId})`}`,
        requestId: this.requestId,
        eventsReceived: this.count,
        lastEventType: this.lastType
      })
    )
  }

  read(items: ReadonlyArray<Sse.SseItem>): Array<unknown> {
    const out: Array<unknown> = []
    for (const item of items) {
      if (item._tag !== "Event") continue
      const data = item.data
      if (data.startsWith("[DONE]")) {
        this.finished = true
        this.terminalSeen = true
        return out
      }
      let value: unknown
      try {
        value = JSON.parse(data)
      } catch (cause) {
        this.failure = Option.some(
          new OpenAIError.ResponseDecodeError({
            message: `stream event ${this.count + 1}${item.event ? ` (${item.event})` : ""} is not valid JSON${
              this.requestId === undefined ? "" : ` (request ${this.requestId})`
            }`,
            status: this.status,
            requestId: this.requestId,
            body: InternalErrors.cut(data),
            cause
          })
        )
        return out
      }
      const type = isRecord(value) && typeof value.type === "string" ? value.type : item.event
      if (
        item.event === "error" || type === "error" ||
        (isRecord(value) && isRecord(value.error) && value.object === undefined && value.type === undefined)
      ) {
        const error = InternalErrors.decodeErrorObject(value)
        this.failure = Option.some(
          new OpenAIError.StreamError({
            message: `stream error${error?.code === undefined ? "" : ` ${error.code}`}: ${error?.message ?? data.slice(0, 300)}${
              this.requestId === undefined ? "" : ` (request ${this.requestId})`
            }`,
            code: error?.code,
            type: error?.type,
            param: error?.param,
            requestId: this.requestId,
            event: value
          })
        )
        return out
      }
      this.count++
      this.lastType = type
      if (typeof this.terminal !== "string" && type !== undefined && this.terminal.has(type)) {
        this.terminalSeen = true
      }
      out.push(value)
    }
    return out
  }
}

/**
 * The client as a layer. Needs an `HttpClient` and `OpenAIAuth`; `OpenAI.layer` provides both.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<OpenAIClient, never, HttpClient.HttpClient | OpenAIAuth> =>
  Layer.effect(OpenAIClient, make(options))

// -----------------------------------------------------------------------------
// accessors used by operations
// -----------------------------------------------------------------------------

/**
 * Sends any request through the client's pipeline and reads JSON: for endpoints this library does not know yet.
 *
 * @since 0.1.0
 * @category requests
 */
export const requestWithResponse = <A = unknown>(
  spec: RequestSpec
): Effect.Effect<WithResponse<A>, OpenAIError.OpenAIError, OpenAIClient> =>
  Effect.flatMap(OpenAIClient, (client) => client.json<A>(spec))

/**
 * {@link requestWithResponse}, data only. A plain body value is sent as JSON.
 *
 * @since 0.1.0
 * @category requests
 */
export const request = <A = unknown>(spec: {
  readonly method: Method
  readonly path: string | PathTemplate
  readonly operation?: string | undefined
  readonly query?: Readonly<Record<string, unknown>> | undefined
  readonly body?: unknown
  readonly headers?: Readonly<Record<string, string | null | undefined>> | undefined
  readonly admin?: boolean | undefined
  readonly options?: RequestOptions | undefined
}): Effect.Effect<A, OpenAIError.OpenAIError, OpenAIClient> =>
  Effect.map(
    requestWithResponse<A>({ ...spec, body: spec.body === undefined ? undefined : json(spec.body) }),
    (r) => r.data
  )

/**
 * A streaming request's events as JSON values.
 *
 * @since 0.1.0
 * @category requests
 */
export const stream = <A = unknown>(
  spec: RequestSpec,
  terminal: StreamTerminal
): Stream.Stream<A, OpenAIError.OpenAIError, OpenAIClient> =>
  Stream.unwrap(Effect.map(OpenAIClient, (client) => client.stream<A>(spec, terminal)))

/**
 * A request's body as raw server-sent events.
 *
 * @since 0.1.0
 * @category requests
 */
export const sse = (spec: RequestSpec): Stream.Stream<Sse.SseEvent, OpenAIError.OpenAIError, OpenAIClient> =>
  Stream.unwrap(Effect.map(OpenAIClient, (client) => client.sse(spec)))

/**
 * A request's body as bytes, with the response metadata.
 *
 * @since 0.1.0
 * @category requests
 */
export const binaryWithResponse = (
  spec: RequestSpec
): Effect.Effect<WithResponse<Stream.Stream<Uint8Array, OpenAIError.OpenAIError>>, OpenAIError.OpenAIError, OpenAIClient> =>
  Effect.flatMap(OpenAIClient, (client) => client.binary(spec))

/**
 * A request's body as bytes.
 *
 * @since 0.1.0
 * @category requests
 */
export const binary = (spec: RequestSpec): Stream.Stream<Uint8Array, OpenAIError.OpenAIError, OpenAIClient> =>
  Stream.unwrap(Effect.map(binaryWithResponse(spec), (r) => r.data))

/**
 * A JSON body.
 *
 * @since 0.1.0
 * @category bodies
 */
export const json = (value: unknown): Body => ({ _tag: "Json", value })

/**
 * A multipart body; file fields take any `Uploads.FileInput`.
 *
 * @since 0.1.0
 * @category bodies
 */
export const multipart = (fields: Readonly<Record<string, unknown>>): Body => ({ _tag: "Multipart", fields })

export {
  /**
   * Tag for path templates whose parameters are percent-encoded: `` path`/files/${id}` ``.
   *
   * @since 0.1.0
   * @category requests
   */
  path
} from "./internal/encoding.js"

export type {
  /**
   * @since 0.1.0
   * @category models
   */
  SseEvent
} from "./internal/sse.js"
