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
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Fiber from "effect/Fiber"
import * as Ref from "effect/Ref"
import * as Runtime from "effect/Runtime"
import * as Stream from "effect/Stream"
import * as OpenAI from "./OpenAI.js"
import * as OpenAIAuth from "./OpenAIAuth.js"
import { concatBytes } from "./internal/multipart.js"
import * as OpenAIClient from "./OpenAIClient.js"

/**
 * A scripted answer.
 *
 * @since 0.1.0
 * @category models
 */
export type Reply =
  | {
    readonly _tag: "Body"
    readonly status: number
    readonly headers: Readonly<Record<string, string>>
    /** Body chunks, each sent after `delay`. */
    readonly chunks: ReadonlyArray<Uint8Array>
    readonly delay: Duration.Duration
    /** What happens after the last chunk: the body ends, stalls forever, or the connection drops. */
    readonly end: "close" | "stall" | "disconnect"
  }
  | { readonly _tag: "Disconnect" }
  | { readonly _tag: "Stall" }
  | { readonly _tag: "Delay"; readonly duration: Duration.Duration; readonly reply: Reply }

/**
 * A route: one reply for every call, a list served in order (the last repeats), or a function of the request.
 *
 * @since 0.1.0
 * @category models
 */
export type Route = Reply | ReadonlyArray<Reply> | ((request: RecordedRequest) => Reply | Effect.Effect<Reply>)

/**
 * Routes keyed by `"METHOD /path"`, the path relative to the base URL; `:name` matches one segment.
 *
 * @since 0.1.0
 * @category models
 */
export type Routes = Readonly<Record<string, Route>>

/**
 * A request the transport received.
 *
 * @since 0.1.0
 * @category models
 */
export interface RecordedRequest {
  readonly method: string
  /** Path relative to the base URL, without the query. */
  readonly path: string
  readonly url: URL
  readonly headers: Readonly<Record<string, string>>
  /** The body as text (multipart included); `undefined` for none. */
  readonly text: string | undefined
  /** The body parsed as JSON when it is JSON. */
  readonly json: unknown
  /** Values of `:name` segments of the matched route. */
  readonly params: Readonly<Record<string, string>>
}

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

const body = (
  status: number,
  headers: Readonly<Record<string, string>>,
  chunks: ReadonlyArray<Uint8Array>,
  delay: Duration.DurationInput = Duration.zero,
  end: "close" | "stall" | "disconnect" = "close"
): Reply => ({ _tag: "Body", status, headers, chunks, delay: Duration.decode(delay), end })

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

interface CompiledRoute {
  readonly method: string
  readonly segments: ReadonlyArray<string>
  readonly route: Route
  calls: number
}

const compile = (routes: Routes): Array<CompiledRoute> =>
  Object.entries(routes).map(([key, route]) => {
    const space = key.indexOf(" ")
    const method = key.slice(0, space).toUpperCase()
    const path = key.slice(space + 1).trim()
    return { method, segments: path.split("/").filter((s) => s !== ""), route, calls: 0 }
  })

const match = (route: CompiledRoute, method: string, segments: ReadonlyArray<string>): Record<string, string> | undefined => {
  if (route.method !== method || route.segments.length !== segments.length) return undefined
  const params: Record<string, string> = {}
  for (let i = 0; i < segments.length; i++) {
    const pattern = route.segments[i]!
    if (pattern.startsWith(":")) params[pattern.slice(1)] = decodeURIComponent(segments[i]!)
    else if (pattern !== segments[i]) return undefined
  }
  return params
}

const readBody = (request: HttpClientRequest.HttpClientRequest): Effect.Effect<string | undefined> => {
  const b = request.body
  switch (b._tag) {
    case "Empty":
      return Effect.succeed(undefined)
    case "Uint8Array":
      return Effect.succeed(new TextDecoder().decode(b.body))
    case "Raw":
      return Effect.succeed(typeof b.body === "string" ? b.body : String(b.body))
    case "FormData":
      return Effect.succeed("[FormData]")
    case "Stream":
      return b.stream.pipe(
        Stream.runCollect,
        Effect.map((chunks) => new TextDecoder().decode(concatBytes(Chunk.toReadonlyArray(chunks)))),
        Effect.orElseSucceed(() => "[unreadable stream]")
      )
  }
}

/**
 * An `HttpClient` that answers from `routes` and records every request. An unmatched request gets a 404 whose
 * message names it and the known routes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeHttpClient = (
  routes: Routes,
  recorded: Ref.Ref<ReadonlyArray<RecordedRequest>>,
  baseURL: string
): HttpClient.HttpClient => {
  const compiled = compile(routes)
  const basePath = new URL(baseURL).pathname.replace(/\/+$/, "")
  return HttpClient.make((request, url) =>
    Effect.gen(function*() {
      const fullPath = url.pathname
      const path = fullPath.startsWith(basePath) ? fullPath.slice(basePath.length) || "/" : fullPath
      const segments = path.split("/").filter((s) => s !== "")
      let found: { route: CompiledRoute; params: Record<string, string> } | undefined
      for (const route of compiled) {
        const params = match(route, request.method, segments)
        if (params !== undefined) {
          found = { route, params }
          break
        }
      }
      const text = yield* readBody(request)
      let parsed: unknown = undefined
      if (text !== undefined && (request.headers["content-type"] ?? "").includes("json")) {
        try {
          parsed = JSON.parse(text)
        } catch {
          parsed = undefined
        }
      }
      const recordedRequest: RecordedRequest = {
        method: request.method,
        path,
        url,
        headers: request.headers,
        text,
        json: parsed,
        params: found?.params ?? {}
      }
      yield* Ref.update(recorded, (all) => [...all, recordedRequest])
      let reply: Reply
      if (found === undefined) {
        reply = error(404, {
          message: `no scripted route for ${request.method} ${path}; routes: ${Object.keys(routes).join(", ") || "none"}`
        })
      } else {
        const route = found.route.route
        const call = found.route.calls++
        if (typeof route === "function") {
          const out = route(recordedRequest)
          reply = Effect.isEffect(out) ? yield* out : out
        } else if (Array.isArray(route)) {
          reply = route[Math.min(call, route.length - 1)]!
        } else {
          reply = route as Reply
        }
      }
      return yield* respond(request, reply)
    })
  )
}

const respond = (
  request: HttpClientRequest.HttpClientRequest,
  reply: Reply
): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError> => {
  switch (reply._tag) {
    case "Delay":
      return Effect.zipRight(Effect.sleep(reply.duration), respond(request, reply.reply))
    case "Stall":
      return Effect.never
    case "Disconnect":
      return Effect.fail(
        new HttpClientError.RequestError({ request, reason: "Transport", cause: new Error("socket hang up (scripted)") })
      )
    case "Body":
      return Effect.map(Effect.runtime<never>(), (runtime) => {
        const web = new Response(
          reply.status === 204 || reply.status === 304 ? null : scriptedBody(reply, runtime),
          { status: reply.status, headers: reply.headers }
        )
        return HttpClientResponse.fromWeb(request, web)
      })
  }
}

/**
 * A pull-driven body: each read waits the reply's delay (on the fiber's clock, so `TestClock` drives it) and
 * hands over one chunk; only after the last chunk has been read does the body end, stall or fail, so a reader
 * sees every chunk before a scripted disconnect.
 */
const scriptedBody = (
  reply: Extract<Reply, { readonly _tag: "Body" }>,
  runtime: Runtime.Runtime<never>
): ReadableStream<Uint8Array> => {
  let index = 0
  let running: Fiber.RuntimeFiber<void> | undefined
  const hasDelay = Duration.greaterThan(reply.delay, Duration.zero)
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const step: Effect.Effect<void> = index < reply.chunks.length
        ? Effect.zipRight(
          hasDelay ? Effect.sleep(reply.delay) : Effect.void,
          Effect.sync(() => controller.enqueue(reply.chunks[index++]!))
        )
        : reply.end === "close"
        ? Effect.sync(() => controller.close())
        : reply.end === "disconnect"
        ? Effect.sync(() => controller.error(new Error("connection reset (scripted)")))
        : Effect.never
      return new Promise<void>((resolve) => {
        running = Runtime.runFork(runtime)(step)
        running.addObserver(() => resolve())
      })
    },
    cancel() {
      if (running !== undefined) Runtime.runFork(runtime)(Fiber.interrupt(running))
    }
  })
}

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
