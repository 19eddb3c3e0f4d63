/**
 * The one service operations use: it builds, authenticates, sends, retries, times out, logs and traces
 * requests, and reads their bodies. Its settings live in `OpenAIConfig`, the request model in `OpenAIRequest`,
 * the machinery under `internal/`.
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Stream from "effect/Stream"
import { makeRoute } from "./internal/azure.js"
import { OpenAIAuth } from "./OpenAIAuth.js"
import type * as OpenAIError from "./OpenAIError.js"
import {
  json as jsonBody,
  type Method,
  type RequestOptions,
  type RequestSpec,
  type StreamTerminal,
  type WithResponse
} from "./OpenAIRequest.js"
import type { PathTemplate } from "./internal/encoding.js"
import { makePrepare } from "./internal/prepare.js"
import { makeRequests } from "./internal/request.js"
import { makeSend } from "./internal/send.js"
import type { SseEvent } from "./internal/sse.js"
import { type Decoding, makeStreams, type Opened, unwrap } from "./internal/stream.js"
import { hasNativeTimeouts } from "./internal/transport.js"

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
  readonly sse: (spec: RequestSpec) => Stream.Stream<SseEvent, OpenAIError.OpenAIError>
  /**
   * Sends a streaming request and returns the events' JSON data, ending as `terminal` says; with `named`, events
   * whose SSE name starts with `thread.` come as `{ event, data }` (Assistants runs).
   */
  readonly stream: <A = unknown>(
    spec: RequestSpec,
    terminal: StreamTerminal,
    options?: StreamOptions
  ) => Stream.Stream<A, OpenAIError.OpenAIError>
  /**
   * Opens a stream for a consumer outside Effect, which polls it (the Promise facade): retried until its first
   * item like `stream`, then read without a fiber per event.
   */
  readonly open: <A = unknown>(spec: RequestSpec, decoding: Decoding) => Effect.Effect<Opened<A>, OpenAIError.OpenAIError>
  /**
   * A request as this client would send it, without sending it: for connections that are not HTTP requests (the
   * Realtime WebSocket), so that they reach the same place with the same credentials.
   */
  readonly handshake: (spec: RequestSpec) => Effect.Effect<Handshake, OpenAIError.OpenAIError>
}

/**
 * What {@link Service.handshake} gives: the URL (base URL, path, default and given query) and headers of a
 * request, and the credentials of one attempt, asked of `OpenAIAuth` as for a request (a key provider is called,
 * a workload-identity token fetched or reused). Secrets: keep them out of logs and errors.
 *
 * @since 0.1.0
 * @category models
 */
export interface Handshake {
  readonly url: string
  /** User agent, organization, project, default and given headers; no credentials. */
  readonly headers: Readonly<Record<string, string>>
  /** The credential headers: `authorization` (a bearer token) or `api-key` (Azure). */
  readonly credentials: Readonly<Record<string, string>>
  /**
   * To call when the server refused `credentials` (HTTP 401): a credential that can be renewed (workload identity)
   * drops them and answers `true`, and one more try with a fresh handshake is worth it, as requests get.
   */
  readonly rejected: Effect.Effect<boolean>
}

/**
 * How `stream` reads events beyond their JSON data.
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamOptions {
  /** Events whose SSE name starts with `thread.` come as `{ event, data }`, as Assistants runs are read. */
  readonly named?: boolean | undefined
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
  /**
   * Azure OpenAI's deployment-scoped URLs: the model endpoints (chat, completions, embeddings, audio, images,
   * batches) go to `/deployments/{deployment}/…`, the deployment being `deployment` or else the request's `model`.
   * `AzureOpenAI.layer` sets it.
   */
  readonly azureDeployments?: { readonly deployment?: string | undefined } | undefined
}

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
    const baseURL = (options.baseURL ?? "https://api.openai.com/v1").replace(/\/+$/, "")
    const engine = {
      prepare: makePrepare({
        ...options,
        baseURL,
        route: options.azureDeployments === undefined
          ? undefined
          : makeRoute(baseURL, options.azureDeployments.deployment)
      }),
      send: makeSend(httpClient, auth),
      // A transport that enforces attempt timeouts itself spares a fiber race per request.
      native: hasNativeTimeouts(httpClient)
    }
    const handshake = (spec: RequestSpec): Effect.Effect<Handshake, OpenAIError.OpenAIError> =>
      Effect.flatMap(engine.prepare(spec), (prepared) =>
        Effect.map(auth.headers({ admin: prepared.admin }), (credentials) => {
          const headers = { ...prepared.headers }
          delete headers.accept
          const rejected = auth.rejected === undefined ? Effect.succeed(false) : auth.rejected(credentials)
          return { url: prepared.url, headers, credentials, rejected }
        }))
    return { baseURL, ...makeRequests(engine), ...makeStreams(engine), handshake }
  })

/**
 * The client as a layer. Needs an `HttpClient` and `OpenAIAuth`; `OpenAI.layer` provides both.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<OpenAIClient, never, HttpClient.HttpClient | OpenAIAuth> =>
  Layer.effect(OpenAIClient, make(options))

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
    requestWithResponse<A>({ ...spec, body: spec.body === undefined ? undefined : jsonBody(spec.body) }),
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
  terminal: StreamTerminal,
  options?: StreamOptions
): Stream.Stream<A, OpenAIError.OpenAIError, OpenAIClient> =>
  unwrap(Effect.map(OpenAIClient, (client) => client.stream<A>(spec, terminal, options)))

/**
 * A request's body as raw server-sent events.
 *
 * @since 0.1.0
 * @category requests
 */
export const sse = (spec: RequestSpec): Stream.Stream<SseEvent, OpenAIError.OpenAIError, OpenAIClient> =>
  unwrap(Effect.map(OpenAIClient, (client) => client.sse(spec)))

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
  unwrap(Effect.map(binaryWithResponse(spec), (r) => r.data))

export type {
  /**
   * @since 0.1.0
   * @category models
   */
  SseEvent
} from "./internal/sse.js"

export type {
  /**
   * @since 0.1.0
   * @category models
   */
  Decoding,
  /**
   * @since 0.1.0
   * @category models
   */
  Opened
} from "./internal/stream.js"
