/**
 * Test your programs with the real client over a scripted transport: routes answer with JSON, SSE, raw
 * bytes, error statuses, connection failures and delays (which follow the `TestClock` under `it.effect`).
 *
 * ```ts
 * const TestLayer = OpenAITest.layer({
 *   "POST /chat/completions": OpenAITest.json({ id: "c1", choices: [...] }),
 *   "GET /models/:id": [OpenAITest.error(500), OpenAITest.json({ id: "gpt-4o", object: "model" })]
 * })
 * it.effect("answers", () => Effect.gen(function*() { ... }).pipe(Effect.provide(TestLayer)))
 * ```
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import * as OpenAI from "./OpenAI.js"
import * as OpenAIAuth from "./OpenAIAuth.js"
import * as OpenAIClient from "./OpenAIClient.js"
import { body, makeHttpClient, type RecordedRequest, type Reply, type Routes } from "./internal/scripted.js"

export type {
  /**
   * A request the transport received.
   *
   * @since 0.1.0
   * @category models
   */
  RecordedRequest,
  /**
   * A scripted answer.
   *
   * @since 0.1.0
   * @category models
   */
  Reply,
  /**
   * A route: one reply for every call, a list served in order (the last repeats), or a function of the request.
   *
   * @since 0.1.0
   * @category models
   */
  Route,
  /**
   * Routes keyed by `"METHOD /path"`, the path relative to the base URL; `:name` matches one segment.
   *
   * @since 0.1.0
   * @category models
   */
  Routes
} from "./internal/scripted.js"

export {
  /**
   * An `HttpClient` that answers from `routes` and records every request. An unmatched request gets a 404 whose
   * message names it and the known routes.
   *
   * @since 0.1.0
   * @category constructors
   */
  makeHttpClient
} from "./internal/scripted.js"

/**
 * The requests seen so far, in order.
 *
 * @since 0.1.0
 * @category tags
 */
export class Requests extends Context.Tag("@effect-openai/openai/OpenAITest/Requests")<
  Requests,
  Ref.Ref<ReadonlyArray<RecordedRequest>>
>() {}

const encoder = new TextEncoder()

/**
 * @since 0.1.0
 * @category replies
 */
export interface ReplyOptions {
  readonly status?: number
  readonly headers?: Readonly<Record<string, string>>
}

/**
 * A JSON body (status 200 unless given).
 *
 * @since 0.1.0
 * @category replies
 */
export const json = (value: unknown, options: ReplyOptions = {}): Reply =>
  body(options.status ?? 200, { "content-type": "application/json", ...options.headers }, [
    encoder.encode(JSON.stringify(value))
  ])

/**
 * A raw text body, e.g. malformed JSON.
 *
 * @since 0.1.0
 * @category replies
 */
export const text = (value: string, options: ReplyOptions & { readonly contentType?: string } = {}): Reply =>
  body(options.status ?? 200, { "content-type": options.contentType ?? "text/plain", ...options.headers }, [
    encoder.encode(value)
  ])

/**
 * Raw bytes, in the given chunks.
 *
 * @since 0.1.0
 * @category replies
 */
export const bytes = (chunks: ReadonlyArray<Uint8Array>, options: ReplyOptions = {}): Reply =>
  body(options.status ?? 200, { "content-type": "application/octet-stream", ...options.headers }, chunks)

/**
 * An error status with an OpenAI-style body `{ error: { message, type, code, param } }`.
 *
 * @since 0.1.0
 * @category replies
 */
export const error = (
  status: number,
  options: {
    readonly message?: string
    readonly type?: string
    readonly code?: string | null
    readonly param?: string | null
    readonly headers?: Readonly<Record<string, string>>
  } = {}
): Reply =>
  json({
    error: {
      message: options.message ?? `scripted ${status}`,
      type: options.type ?? (status >= 500 ? "server_error" : "invalid_request_error"),
      param: options.param ?? null,
      code: options.code ?? null
    }
  }, { status, headers: { "x-request-id": `req_test_${status}`, ...options.headers } })

/**
 * One SSE event: an object becomes `data: <json>`; `{ event, data }` adds an event name; a string is sent as
 * raw event-stream text.
 *
 * @since 0.1.0
 * @category models
 */
export type SseInput = string | { readonly event?: string; readonly data: unknown } | Record<string, unknown>

/**
 * @since 0.1.0
 * @category replies
 */
export interface SseOptions extends ReplyOptions {
  /** Append `data: [DONE]` (Chat Completions style). Default false. */
  readonly done?: boolean
  /** Wait before each event. */
  readonly delay?: Duration.DurationInput
  /** After the events: end (default), stall without closing, or drop the connection. */
  readonly end?: "close" | "stall" | "disconnect"
}

/**
 * @since 0.1.0
 * @category replies
 */
export const encodeSseEvent = (input: SseInput): string => {
  if (typeof input === "string") return input
  if ("data" in input && Object.keys(input).every((k) => k === "data" || k === "event")) {
    const data = typeof input.data === "string" ? input.data : JSON.stringify(input.data)
    const lines = data.split("\n").map((line) => `data: ${line}`).join("\n")
    return `${typeof input.event === "string" ? `event: ${input.event}\n` : ""}${lines}\n\n`
  }
  return `data: ${JSON.stringify(input)}\n\n`
}

/**
 * A `text/event-stream` body, one chunk per event.
 *
 * @since 0.1.0
 * @category replies
 */
export const sse = (events: ReadonlyArray<SseInput>, options: SseOptions = {}): Reply => {
  const texts = events.map(encodeSseEvent)
  if (options.done) texts.push("data: [DONE]\n\n")
  return body(
    options.status ?? 200,
    { "content-type": "text/event-stream", "x-request-id": "req_test_stream", ...options.headers },
    texts.map((t) => encoder.encode(t)),
    options.delay,
    options.end
  )
}

/**
 * The connection fails before any response.
 *
 * @since 0.1.0
 * @category replies
 */
export const disconnect: Reply = { _tag: "Disconnect" }

/**
 * No response ever comes (for timeout tests).
 *
 * @since 0.1.0
 * @category replies
 */
export const stall: Reply = { _tag: "Stall" }

/**
 * Waits, then replies.
 *
 * @since 0.1.0
 * @category replies
 */
export const delay = (duration: Duration.DurationInput, reply: Reply): Reply => ({
  _tag: "Delay",
  duration: Duration.decode(duration),
  reply
})

/**
 * @since 0.1.0
 * @category models
 */
export interface Options extends OpenAI.Options {}

/**
 * The real client over `routes`, with `Requests` to inspect what was sent. Retries and timeouts work as in
 * production (use `TestClock.adjust` to move through backoff sleeps); pass `maxRetries: 0` to see first
 * failures directly.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (routes: Routes, options: Options = {}): Layer.Layer<OpenAIClient.OpenAIClient | Requests> => {
  const baseURL = options.baseURL ?? "https://api.openai.test/v1"
  return Layer.unwrapEffect(
    Effect.map(Ref.make<ReadonlyArray<RecordedRequest>>([]), (recorded) => {
      const http = Layer.succeed(HttpClient.HttpClient, makeHttpClient(routes, recorded, baseURL))
      const auth = OpenAIAuth.layerApiKey({ apiKey: options.apiKey ?? "sk-test", adminApiKey: options.adminApiKey })
      return Layer.mergeAll(
        OpenAIClient.layer({ ...options, baseURL }).pipe(Layer.provide(Layer.merge(http, auth))),
        OpenAI.layerSettings(options),
        Layer.succeed(Requests, recorded)
      )
    })
  )
}

/**
 * The requests recorded so far.
 *
 * @since 0.1.0
 * @category accessors
 */
export const requests: Effect.Effect<ReadonlyArray<RecordedRequest>, never, Requests> = Effect.flatMap(Requests, Ref.get)
