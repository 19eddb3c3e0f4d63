/**
 * Logs and spans of the client. Logs are gated by the `logLevel` setting (and, as any Effect log, by the
 * application's minimum log level) and never carry a secret; spans are made
 * only under a real tracer (Effect's default tracer records nowhere) and annotated only when one exists.
 */
import * as Channel from "effect/Channel"
import * as Effect from "effect/Effect"
import { isRecord } from "effect/Predicate"
import * as ScheduleIntervals from "effect/ScheduleIntervals"
import * as Tracer from "effect/Tracer"
import type { LogLevel } from "../OpenAIConfig.js"
import * as OpenAIError from "../OpenAIError.js"
import type { RequestSpec, ResponseMeta } from "../OpenAIRequest.js"
import { redactHeaders } from "./headers.js"
import type { Prepared } from "./prepare.js"

export const logRank: Record<LogLevel, number> = { off: 0, error: 1, warn: 2, info: 3, debug: 4 }

export const logRequest = (prepared: Prepared, headers: Readonly<Record<string, string>>): Effect.Effect<void> =>
  Effect.logDebug("openai request").pipe(Effect.annotateLogs({
    operation: prepared.operation,
    method: prepared.method,
    url: prepared.urlForErrors,
    headers: redactHeaders(headers)
  }))

export const logResponse = (
  prepared: Prepared,
  status: number,
  headers: Readonly<Record<string, string>>
): Effect.Effect<void> =>
  Effect.logDebug("openai response").pipe(Effect.annotateLogs({
    operation: prepared.operation,
    status,
    requestId: headers["x-request-id"],
    headers: redactHeaders(headers)
  }))

export const logRetry = (
  prepared: Prepared,
  error: OpenAIError.OpenAIError,
  intervals: ScheduleIntervals.Intervals
): Effect.Effect<void> =>
  Effect.logInfo("openai retrying").pipe(Effect.annotateLogs({
    operation: prepared.operation,
    error: error._tag,
    status: OpenAIError.isStatusError(error) ? error.status : undefined,
    retryAt: new Date(ScheduleIntervals.start(intervals)).toISOString()
  }))

/** At `warn`, a transient failure that reached the caller (retries exhausted or off) is logged once. */
export const logGaveUp = (prepared: Prepared, logLevel: number, error: OpenAIError.OpenAIError): Effect.Effect<void> =>
  logLevel >= logRank.warn && OpenAIError.isRetryable(error)
    ? Effect.logWarning("openai request failed").pipe(Effect.annotateLogs({
      operation: prepared.operation,
      error: error._tag,
      message: error.message
    }))
    : Effect.void

/** Effect's built-in tracer: spans made under it are recorded nowhere, so operations skip them. */
const defaultTracer: Tracer.Tracer = Effect.runSync(Effect.tracer)

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

const spanAttributes = (prepared: Prepared, spec: RequestSpec): Record<string, unknown> => {
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

const spanOptions = (prepared: Prepared, spec: RequestSpec) => ({
  kind: "client" as const,
  captureStackTrace: false,
  attributes: spanAttributes(prepared, spec)
})

/** The operation's span around an effect; skipped under Effect's default tracer. */
export const traced = <A, E, R>(prepared: Prepared, spec: RequestSpec, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.tracerWith((tracer) =>
    tracer === defaultTracer ? effect : Effect.withSpan(effect, `OpenAI ${prepared.operation}`, spanOptions(prepared, spec))
  )

/** The operation's span, started now and ended by the caller; `undefined` under Effect's default tracer. */
export const makeSpan = (prepared: Prepared, spec: RequestSpec): Effect.Effect<Tracer.Span | undefined> =>
  Effect.tracerWith((tracer) =>
    tracer === defaultTracer
      ? Effect.succeed(undefined)
      : Effect.makeSpan(`OpenAI ${prepared.operation}`, spanOptions(prepared, spec))
  )

/**
 * The operation's span around a stream's channel, ended when the channel ends; skipped under Effect's default
 * tracer. (`Stream.withSpan` would add a step per element.)
 */
export const tracedChannel = <OutElem, OutErr, OutDone>(
  prepared: Prepared,
  spec: RequestSpec,
  channel: Channel.Channel<OutElem, unknown, OutErr, unknown, OutDone, unknown>
): Channel.Channel<OutElem, unknown, OutErr, unknown, OutDone, unknown> =>
  Channel.unwrap(Effect.tracerWith((tracer) =>
    tracer === defaultTracer
      ? Effect.succeed(channel)
      : Effect.map(Effect.makeSpan(`OpenAI ${prepared.operation}`, spanOptions(prepared, spec)), (span) =>
        Channel.ensuringWith(
          Channel.provideService(channel, Tracer.ParentSpan, span),
          (exit) => Effect.clockWith((clock) => Effect.sync(() => span.end(clock.unsafeCurrentTimeNanos(), exit)))
        ))
  ))

const num = (u: unknown): number | undefined => (typeof u === "number" ? u : undefined)

/** Span attributes of a response: status, request id, and token usage when the body reports it. */
export const annotateResponse = (meta: ResponseMeta, data: unknown): Effect.Effect<void> =>
  annotateSpan(() => {
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
  })
