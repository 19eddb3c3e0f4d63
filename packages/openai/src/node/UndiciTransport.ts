/**
 * The default transport on Node: an `@effect/platform` `HttpClient` straight over an undici `Agent`.
 *
 * It does what the generic platform client does (interruption aborts the request and frees the socket, an
 * unread body is released) with less work per request: it enforces the client's attempt timeout with one plain
 * timer that aborts the request instead of racing a fiber per call, and hands response bodies to the client as
 * synchronous sources. Any other `HttpClient` layer (`FetchHttpClient.layer`, `NodeHttpClient.layerUndici`)
 * still works; the client then times attempts out with `Effect.timeout`.
 *
 * Its responses implement the platform's `HttpClientResponse` interface by hand; a test checks that they
 * offer every member a platform response has, so that a platform release that adds one fails the test suite
 * rather than a user's program.
 *
 * @since 0.1.0
 */
import * as Cookies from "@effect/platform/Cookies"
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Effect from "effect/Effect"
import * as Inspectable from "effect/Inspectable"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type * as Undici from "undici"
import { type ByteSource, toStream } from "../internal/body.js"
import { AttemptTimeout, attemptTimeouts, byteSourceId, nativeTimeoutsId } from "../internal/transport.js"
import { NodeSource } from "./NodeSource.js"

const noop = () => {}

/** A plain absolute http(s) URL: no spaces, no fragment. */
const simpleUrl = /^https?:\/\/[^\s/?#]+(?:[/?][^\s#]*)?$/

/**
 * Origin and path of a request. A plain URL string without separate query parameters (what the client builds)
 * is split as text; anything else goes through `URL`.
 */
const splitUrl = (
  request: HttpClientRequest.HttpClientRequest
): { readonly origin: string; readonly path: string } | { readonly cause: unknown } => {
  const url = request.url
  if (request.urlParams.length === 0 && request.hash._tag === "None" && simpleUrl.test(url)) {
    const start = url.indexOf("://") + 3
    let end = start
    while (end < url.length && url.charCodeAt(end) !== 47 /* / */ && url.charCodeAt(end) !== 63 /* ? */) end++
    const path = url.slice(end)
    return { origin: url.slice(0, end), path: path === "" ? "/" : path.charCodeAt(0) === 63 ? `/${path}` : path }
  }
  const parsed = UrlParams.makeUrl(url, request.urlParams, request.hash)
  return parsed._tag === "Left"
    ? { cause: parsed.left }
    : { origin: parsed.right.origin, path: parsed.right.pathname + parsed.right.search }
}

/** What undici sends as a body; it also takes async iterables, which its types do not list. */
type UndiciBody = string | Uint8Array | FormData | AsyncIterable<Uint8Array> | null

/** The request body as undici takes it; a stream body becomes an async iterable run on the caller's runtime. */
const toBody = (body: HttpClientRequest.HttpClientRequest["body"]): Effect.Effect<UndiciBody> => {
  switch (body._tag) {
    case "Empty":
      return Effect.succeed(null)
    case "Uint8Array":
    case "Raw":
      return Effect.succeed(body.body as Uint8Array | string)
    case "FormData":
      return Effect.succeed(body.formData as unknown as UndiciBody)
    case "Stream":
      return Effect.map(Effect.runtime<never>(), (runtime) =>
        Stream.toAsyncIterableRuntime(runtime)(body.stream as Stream.Stream<Uint8Array, unknown>) as AsyncIterable<Uint8Array>)
  }
}

class Response extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  private cachedHeaders: Headers.Headers | undefined

  constructor(
    readonly request: HttpClientRequest.HttpClientRequest,
    readonly source: Undici.Dispatcher.ResponseData,
    private readonly controller: AbortController,
    private readonly done: () => void
  ) {
    super()
    source.body.on("error", noop)
  }

  get status(): number {
    return this.source.statusCode
  }

  get headers(): Headers.Headers {
    return (this.cachedHeaders ??= Headers.fromInput(this.source.headers as Record<string, string | ReadonlyArray<string>>))
  }

  get cookies(): Cookies.Cookies {
    const header = this.source.headers["set-cookie"]
    return header === undefined ? Cookies.empty : Cookies.fromSetCookie(Array.isArray(header) ? header : [header])
  }

  get remoteAddress(): Option.Option<string> {
    return Option.none()
  }

  private error(cause: unknown): HttpClientError.ResponseError {
    return new HttpClientError.ResponseError({ request: this.request, response: this, reason: "Decode", cause })
  }

  /** Reads the whole body once; interrupting the read aborts the request. */
  private read<A>(f: (body: Undici.Dispatcher.ResponseData["body"]) => Promise<A>): Effect.Effect<A, HttpClientError.ResponseError> {
    return Effect.async<A, HttpClientError.ResponseError>((resume) => {
      f(this.source.body).then(
        (value) => {
          this.done()
          resume(Effect.succeed(value))
        },
        (cause) => {
          this.done()
          resume(Effect.fail(this.error(this.controller.signal.reason ?? cause)))
        }
      )
      return Effect.sync(() => this.abort())
    })
  }

  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    return this.read((body) => body.text())
  }

  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({ try: () => (text === "" ? null : JSON.parse(text)), catch: (cause) => this.error(cause) }))
  }

  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return this.read((body) => body.arrayBuffer())
  }

  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    return this.read((body) => body.formData() as Promise<FormData>)
  }

  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return Effect.map(this.text, (text) => UrlParams.fromInput(new URLSearchParams(text)))
  }

  /**
   * The body as a synchronous source for the client. The attempt timer stops here (the client times streams
   * itself); cancelling the source aborts the request.
   */
  [byteSourceId](): ByteSource {
    this.done()
    return new NodeSource(this.source.body, () => this.abort())
  }

  /** The body as a stream; ending it early, or interrupting it, aborts the request. */
  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    return toStream(() => this[byteSourceId](), (cause) => this.error(this.controller.signal.reason ?? cause))
  }

  abort(): void {
    this.done()
    if (!this.controller.signal.aborted) this.controller.abort()
  }

  toJSON(): unknown {
    return { _id: "@effect/platform/HttpClientResponse", status: this.status, request: this.request.toJSON() }
  }
}

/** A body nobody read is released when its response is collected, as the platform client does. */
const unreadRegistry = typeof FinalizationRegistry === "undefined"
  ? undefined
  : new FinalizationRegistry<AbortController>((controller) => controller.abort())

const send = (
  dispatcher: Undici.Dispatcher,
  request: HttpClientRequest.HttpClientRequest,
  body: UndiciBody
): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.RequestError> =>
  Effect.async<HttpClientResponse.HttpClientResponse, HttpClientError.RequestError>((resume) => {
    const target = splitUrl(request)
    if ("cause" in target) {
      resume(Effect.fail(new HttpClientError.RequestError({ request, reason: "InvalidUrl", cause: target.cause })))
      return
    }
    const controller = new AbortController()
    const millis = attemptTimeouts.get(request)
    let timer: ReturnType<typeof setTimeout> | undefined = millis === undefined
      ? undefined
      : setTimeout(() => controller.abort(new AttemptTimeout(millis)), millis)
    const done = () => {
      if (timer !== undefined) {
        clearTimeout(timer)
        timer = undefined
      }
    }
    let settled = false
    dispatcher.request({
      origin: target.origin,
      path: target.path,
      method: request.method,
      headers: request.headers,
      body: body as Exclude<Undici.Dispatcher.RequestOptions["body"], undefined>,
      signal: controller.signal,
      // the client's timers decide; undici's own would cut long streams
      headersTimeout: 0,
      bodyTimeout: 0
    }).then(
      (source) => {
        settled = true
        const response = new Response(request, source, controller, done)
        unreadRegistry?.register(response, controller)
        resume(Effect.succeed(response))
      },
      (cause) => {
        settled = true
        done()
        resume(Effect.fail(
          new HttpClientError.RequestError({ request, reason: "Transport", cause: controller.signal.reason ?? cause })
        ))
      }
    )
    return Effect.sync(() => {
      done()
      if (!settled) controller.abort()
    })
  })

/**
 * A transport over the given dispatcher.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (dispatcher: Undici.Dispatcher): HttpClient.HttpClient => {
  const client = HttpClient.makeWith<never, never, HttpClientError.HttpClientError, never>(
    (requestEffect) =>
      Effect.flatMap(requestEffect, (request) => Effect.flatMap(toBody(request.body), (body) => send(dispatcher, request, body))),
    (request) => Effect.succeed(request)
  )
  return Object.assign(client, { [nativeTimeoutsId]: true })
}

/**
 * The transport with its own undici `Agent`, closed with the layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<HttpClient.HttpClient> = Layer.scoped(
  HttpClient.HttpClient,
  Effect.map(
    Effect.acquireRelease(
      // undici is loaded when the layer is built, not when the package is imported
      Effect.promise(() => import("undici").then((undici) => new undici.Agent({ keepAliveTimeout: 30_000 }))),
      (agent) => Effect.promise(() => agent.destroy())
    ),
    make
  )
)
