/**
 * The scripted transport behind `OpenAITest`: an `HttpClient` that answers from routes, records every request,
 * and plays replies (JSON, SSE, bytes, errors, disconnects, stalls, delays) on the fiber's clock.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Ref from "effect/Ref"
import * as Runtime from "effect/Runtime"
import * as Stream from "effect/Stream"
import { concatBytes } from "./multipart.js"

/**
 * A scripted answer.
 *
 *  */
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
 *  */
export type Route = Reply | ReadonlyArray<Reply> | ((request: RecordedRequest) => Reply | Effect.Effect<Reply>)

/**
 * Routes keyed by `"METHOD /path"`, the path relative to the base URL; `:name` matches one segment.
 *
 *  */
export type Routes = Readonly<Record<string, Route>>

/**
 * A request the transport received.
 *
 *  */
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

export const body = (
  status: number,
  headers: Readonly<Record<string, string>>,
  chunks: ReadonlyArray<Uint8Array>,
  delay: Duration.DurationInput = Duration.zero,
  end: "close" | "stall" | "disconnect" = "close"
): Reply => ({ _tag: "Body", status, headers, chunks, delay: Duration.decode(delay), end })

const encoder = new TextEncoder()

const errorReply = (status: number) => (message: string): Reply =>
  body(status, { "content-type": "application/json", "x-request-id": `req_test_${status}` }, [
    encoder.encode(JSON.stringify({ error: { message, type: "invalid_request_error", param: null, code: null } }))
  ])

/** The reply to a request no route matches: a 404 whose message names it. */
const notFound = errorReply(404)

/** The reply past the request cap: a 400, which no retry repeats. */
const refused = errorReply(400)

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

/** Requests one scripted transport answers before it refuses more: a program that loops fails, never hangs. */
export const defaultMaxRequests = 1000

/**
 * An `HttpClient` that answers from `routes` and records every request. An unmatched request gets a 404 whose
 * message names it and the known routes; past `maxRequests`, every request gets a 400 that says so.
 */
export const makeHttpClient = (
  routes: Routes,
  recorded: Ref.Ref<ReadonlyArray<RecordedRequest>>,
  baseURL: string,
  maxRequests: number = defaultMaxRequests
): HttpClient.HttpClient => {
  const compiled = compile(routes)
  let count = 0
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
      if (++count > maxRequests) {
        reply = refused(`scripted transport: request ${count} is past the cap of ${maxRequests} (a loop?)`)
      } else if (found === undefined) {
        reply = notFound(`no scripted route for ${request.method} ${path}; routes: ${Object.keys(routes).join(", ") || "none"}`)
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

