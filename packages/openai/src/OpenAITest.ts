/**
 * Test your programs with the real client over a scripted transport: routes answer with JSON, SSE, raw
 * bytes, error statuses, connection failures and delays (which follow the `TestClock` under `it.effect`).
 *
 * Routes are typed from the API: a key that names no operation is a compile error, and a JSON fixture is checked
 * against the operation's response type (any subset of its fields, no unknown field). Endpoints the API does not
 * have go in `customRoutes`.
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
import type { RouteTree } from "./generated/Routes.js"
import * as Scripted from "./internal/scripted.js"
import type { RecordedRequest } from "./internal/scripted.js"

export type {
  /**
   * A request the transport received.
   *
   * @since 0.1.0
   * @category models
   */
  RecordedRequest
} from "./internal/scripted.js"

declare const FixtureTypeId: unique symbol

/**
 * A scripted answer. `A` is the JSON its body holds (`never` for replies that hold none), so that a route can
 * check it against its operation's response.
 *
 * @since 0.1.0
 * @category models
 */
export type Reply<A = never> = Scripted.Reply & { readonly [FixtureTypeId]?: A }

/**
 * A route: one reply for every call, a list served in order (the last repeats), or a function of the request.
 *
 * @since 0.1.0
 * @category models
 */
export type Route<A = unknown> =
  | Reply<A>
  | ReadonlyArray<Reply<A>>
  | ((request: RecordedRequest) => Reply<A> | Effect.Effect<Reply<A>>)

/**
 * A fixture of a response type: any subset of its fields, at any depth.
 *
 * @since 0.1.0
 * @category models
 */
export type Fixture<T> = T extends string | number | boolean | bigint | null | undefined ? T
  : T extends ReadonlyArray<infer E> ? ReadonlyArray<Fixture<E>>
  : T extends object ? { readonly [K in keyof T]?: Fixture<T[K]> }
  : T

type Segments<P extends string> = P extends `/${infer Rest}` ? Segments<Rest>
  : P extends `${infer Head}/${infer Tail}` ? [Head, ...Segments<Tail>]
  : P extends "" ? []
  : [P]

type Walk<Node, S> = S extends [infer Head extends string, ...infer Tail]
  ? Head extends `:${string}` ? ":" extends keyof Node ? Walk<Node[":"], Tail> : never
  : Head extends keyof Node ? Walk<Node[Head], Tail>
  : ":" extends keyof Node ? Walk<Node[":"], Tail>
  : never
  : "" extends keyof Node ? Node[""]
  : never

/**
 * The response type of the operation a route key names (`"GET /models/:id"`, or with a value: `"GET /models/m1"`),
 * `unknown` for an operation without a JSON body, `never` for a key that names no operation.
 *
 * @since 0.1.0
 * @category models
 */
export type ResponseOf<Key extends string> = Key extends `${infer Method} ${infer Path}`
  ? Method extends keyof RouteTree ? Walk<RouteTree[Method], Segments<Path>> : never
  : never

/**
 * The route a key takes: one whose fixtures fit the response of the operation it names, or, for a key that
 * names no operation, a message to read in the compiler's error.
 *
 * @since 0.1.0
 * @category models
 */
export type RouteFor<Key extends string> = [ResponseOf<Key>] extends [never]
  ? `no operation of the API answers ${Key}: put it in customRoutes`
  : Route<Fixture<ResponseOf<Key>>>

/**
 * Routes not checked against the API, keyed by `"METHOD /path"`: for endpoints it does not have.
 *
 * @since 0.1.0
 * @category models
 */
export type Routes = Readonly<Record<string, Route>>

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
export const json = <A>(value: NoInfer<A>, options: ReplyOptions = {}): Reply<A> =>
  Scripted.body(options.status ?? 200, { "content-type": "application/json", ...options.headers }, [
    encoder.encode(JSON.stringify(value))
  ])

/**
 * A JSON body its route does not check: for answers that break the API's types on purpose (to test how a program
 * copes with them).
 *
 * @since 0.1.0
 * @category replies
 */
export const unchecked = (value: unknown, options: ReplyOptions = {}): Reply => json<unknown>(value, options) as Reply

/**
 * A raw text body, e.g. malformed JSON.
 *
 * @since 0.1.0
 * @category replies
 */
export const text = (value: string, options: ReplyOptions & { readonly contentType?: string } = {}): Reply =>
  Scripted.body(options.status ?? 200, { "content-type": options.contentType ?? "text/plain", ...options.headers }, [
    encoder.encode(value)
  ])

/**
 * Raw bytes, in the given chunks.
 *
 * @since 0.1.0
 * @category replies
 */
export const bytes = (chunks: ReadonlyArray<Uint8Array>, options: ReplyOptions = {}): Reply =>
  Scripted.body(options.status ?? 200, { "content-type": "application/octet-stream", ...options.headers }, chunks)

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
  json<unknown>({
    error: {
      message: options.message ?? `scripted ${status}`,
      type: options.type ?? (status >= 500 ? "server_error" : "invalid_request_error"),
      param: options.param ?? null,
      code: options.code ?? null
    }
  }, { status, headers: { "x-request-id": `req_test_${status}`, ...options.headers } }) as Reply

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
  return Scripted.body(
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
export const delay = <A>(duration: Duration.DurationInput, reply: Reply<A>): Reply<A> => ({
  _tag: "Delay",
  duration: Duration.decode(duration),
  reply
})

/**
 * @since 0.1.0
 * @category models
 */
export interface Options extends Omit<OpenAI.Options, "httpClient"> {
  /** Routes for endpoints the API does not have (generic `OpenAIClient.request` calls): not checked. */
  readonly customRoutes?: Routes | undefined
  /** Requests answered before every further one gets a 400 (default 1,000): a looping program fails, never hangs. */
  readonly maxRequests?: number | undefined
  /**
   * The credentials under test (`OpenAIAuth.layerWorkloadIdentity`, `layerApiKeyProvider`, ...) instead of the
   * static `apiKey`. They get the scripted transport too: a token endpoint is one more route (in `customRoutes`,
   * matched by its path), and its exchanges are recorded beside the API calls.
   */
  readonly auth?: Layer.Layer<OpenAIAuth.OpenAIAuth, never, HttpClient.HttpClient> | undefined
}

/**
 * The real client over `routes`, with `Requests` to inspect what was sent. Retries and timeouts work as in
 * production (use `TestClock.adjust` to move through backoff sleeps); pass `maxRetries: 0` to see first
 * failures directly.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <const Key extends string>(
  routes: { readonly [K in Key]: RouteFor<K> },
  options: Options = {}
): Layer.Layer<OpenAIClient.OpenAIClient | Requests> => {
  const baseURL = options.baseURL ?? "https://api.openai.test/v1"
  const all = { ...options.customRoutes, ...(routes as unknown as Scripted.Routes) }
  return Layer.unwrapEffect(
    Effect.map(Ref.make<ReadonlyArray<RecordedRequest>>([]), (recorded) => {
      const http = Layer.succeed(HttpClient.HttpClient, Scripted.makeHttpClient(all, recorded, baseURL, options.maxRequests))
      const auth = options.auth ?? OpenAIAuth.layerApiKey({ apiKey: options.apiKey ?? "sk-test", adminApiKey: options.adminApiKey })
      return Layer.mergeAll(
        OpenAIClient.layer({ ...options, baseURL }).pipe(Layer.provide(auth), Layer.provide(http)),
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
