/**
 * The Realtime API over WebSocket, as a scoped resource: `connect` opens a session with the client's base URL and
 * credentials; `send` queues client events (waiting when the outbound queue is full); `events` is the server's
 * events as a `Stream`; the session closes (code 1000) when its scope closes.
 *
 * ```ts
 * const program = Effect.scoped(Effect.gen(function*() {
 *   const session = yield* RealtimeSession.connect({ model: "gpt-realtime" })
 *   yield* session.send({ type: "response.create", response: { output_modalities: ["text"] } })
 *   return yield* session.events.pipe(
 *     Stream.takeUntil((e) => e.type === "response.done"),
 *     Stream.filterMap((e) => e.type === "response.output_text.delta" ? Option.some(e.delta) : Option.none()),
 *     Stream.mkString
 *   )
 * }))
 * program.pipe(Effect.provide([OpenAI.layerConfig(), NodeRealtime.layer]))   // NodeRealtime from ".../node"
 * ```
 *
 * How a socket is opened is the {@link RealtimeTransport}'s business: `NodeRealtime.layer` (the `ws` package, from
 * `@effect-openai/openai/node`) sends the credentials as handshake headers; {@link layerGlobalWebSocket} (browsers,
 * Deno, Bun, Node 22+) cannot set headers, so the key travels as a subprotocol, which is only safe for an ephemeral
 * client secret (`Realtime.ClientSecrets.create`), never a long-lived API key in a browser.
 *
 * Failures are the tagged errors of `OpenAIError.RealtimeError`: `connect` fails with `RealtimeConnectError`;
 * `events` fails with `RealtimeClosedError` when the server closes or the connection drops (an end the client asked
 * for, by `close` or by closing the scope, ends it without error), `RealtimeSessionExpiredError`, a failed
 * reconnection's `RealtimeConnectError`, or `RealtimeInvalidMessageError`. The server's `error` events are events
 * (most concern one client event and leave the session usable); {@link failOnServerError} makes them failures.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as Types from "../generated/Types.js"
import * as Internal from "../internal/realtime.js"
import { logRank } from "../internal/telemetry.js"
import { OpenAIClient } from "../OpenAIClient.js"
import { OpenAIConfig } from "../OpenAIConfig.js"
import * as OpenAIError from "../OpenAIError.js"

/** @since 0.1.0 */
export * as Audio from "./RealtimeAudio.js"

export {
  /**
   * @since 0.1.0
   * @category errors
   */
  RealtimeClosedError,
  /**
   * @since 0.1.0
   * @category errors
   */
  RealtimeConnectError,
  /**
   * @since 0.1.0
   * @category errors
   */
  RealtimeInvalidMessageError,
  /**
   * @since 0.1.0
   * @category errors
   */
  RealtimeServerError,
  /**
   * @since 0.1.0
   * @category errors
   */
  RealtimeSessionExpiredError
} from "../OpenAIError.js"

/**
 * Every error of a session (see `OpenAIError`).
 *
 * @since 0.1.0
 * @category errors
 */
export type RealtimeError = OpenAIError.RealtimeError

// -----------------------------------------------------------------------------
// events
// -----------------------------------------------------------------------------

/**
 * An event the client sends.
 *
 * @since 0.1.0
 * @category models
 */
export type ClientEvent = Types.RealtimeClientEvent

/**
 * An event the server sends. Events of types this version does not know pass through unchanged; their `type`
 * looks like `Types.UnknownEventType` to the compiler, so that narrowing on `type` keeps working (see
 * {@link isUnknownEvent}).
 *
 * @since 0.1.0
 * @category models
 */
export type ServerEvent = Types.RealtimeServerEvent | Types.UnknownStreamEvent

/**
 * The session reconnected (see `ConnectOptions.reconnect`): what follows are the events of a new server session,
 * which knows nothing of the previous one (configure it again with `session.update`). `unsent` are the events
 * that were queued but not yet written when the new connection opened: they are not sent, the program decides.
 * Events already written to the lost connection are never sent again (the server may or may not have read them).
 *
 * @since 0.1.0
 * @category models
 */
export interface Reconnected {
  readonly type: "effect_openai.reconnected"
  /** Which try of this outage connected: 1 when the first did. */
  readonly attempt: number
  /** What ended the previous connection. */
  readonly cause: RealtimeError
  readonly unsent: ReadonlyArray<ClientEvent>
}

/**
 * What `events` gives.
 *
 * @since 0.1.0
 * @category models
 */
export type Event = ServerEvent | Reconnected

const knownServerEventTypes: { readonly [K in Types.RealtimeServerEvent["type"]]: true } = {
  "conversation.created": true,
  "conversation.item.added": true,
  "conversation.item.created": true,
  "conversation.item.deleted": true,
  "conversation.item.done": true,
  "conversation.item.input_audio_transcription.completed": true,
  "conversation.item.input_audio_transcription.delta": true,
  "conversation.item.input_audio_transcription.failed": true,
  "conversation.item.input_audio_transcription.segment": true,
  "conversation.item.retrieved": true,
  "conversation.item.truncated": true,
  "error": true,
  "input_audio_buffer.cleared": true,
  "input_audio_buffer.committed": true,
  "input_audio_buffer.dtmf_event_received": true,
  "input_audio_buffer.speech_started": true,
  "input_audio_buffer.speech_stopped": true,
  "input_audio_buffer.timeout_triggered": true,
  "mcp_list_tools.completed": true,
  "mcp_list_tools.failed": true,
  "mcp_list_tools.in_progress": true,
  "output_audio_buffer.cleared": true,
  "output_audio_buffer.started": true,
  "output_audio_buffer.stopped": true,
  "rate_limits.updated": true,
  "response.content_part.added": true,
  "response.content_part.done": true,
  "response.created": true,
  "response.done": true,
  "response.function_call_arguments.delta": true,
  "response.function_call_arguments.done": true,
  "response.mcp_call.completed": true,
  "response.mcp_call.failed": true,
  "response.mcp_call.in_progress": true,
  "response.mcp_call_arguments.delta": true,
  "response.mcp_call_arguments.done": true,
  "response.output_audio.delta": true,
  "response.output_audio.done": true,
  "response.output_audio_transcript.delta": true,
  "response.output_audio_transcript.done": true,
  "response.output_item.added": true,
  "response.output_item.done": true,
  "response.output_text.delta": true,
  "response.output_text.done": true,
  "session.created": true,
  "session.updated": true
}

/**
 * Whether a server event is of a type this version does not know (a newer API sent it); its `type` is then a plain
 * string at run time. `Reconnected` is known.
 *
 * @since 0.1.0
 * @category guards
 */
export const isUnknownEvent = <A extends { readonly type: string }>(
  event: A
): event is Extract<A, Types.UnknownStreamEvent> =>
  !Object.hasOwn(knownServerEventTypes, event.type) && event.type !== "effect_openai.reconnected"

/**
 * The `RealtimeServerError` of a server `error` event.
 *
 * @since 0.1.0
 * @category constructors
 */
export const serverError = (event: Types.RealtimeServerEventError): OpenAIError.RealtimeServerError => {
  const error = event.error
  const code = error.code ?? undefined
  return new OpenAIError.RealtimeServerError({
    message: `Realtime error${code === undefined ? "" : ` ${code}`}: ${error.message}`,
    code,
    type: error.type,
    param: error.param ?? undefined,
    eventId: error.event_id ?? undefined,
    event
  })
}

/**
 * Ends a stream of events with a `RealtimeServerError` at the first `error` event, for programs that treat any
 * as fatal (by default they are events: most concern one client event and leave the session usable).
 *
 * @since 0.1.0
 * @category combinators
 */
export const failOnServerError = <A extends { readonly type: string }, E, R>(
  events: Stream.Stream<A, E, R>
): Stream.Stream<Exclude<A, Types.RealtimeServerEventError>, E | OpenAIError.RealtimeServerError, R> =>
  Stream.mapEffect(events, (event) =>
    event.type === "error"
      ? Effect.fail(serverError(event as unknown as Types.RealtimeServerEventError))
      : Effect.succeed(event as Exclude<A, Types.RealtimeServerEventError>))

/**
 * Whether a session given a `reconnect` schedule reconnects after `error`: a dropped or restarting connection
 * (close codes 1001, 1005, 1006, 1011 to 1014), an expired session, or a connection that could not be opened for
 * a reason waiting may fix (no HTTP status, or 408, 429, 5xx; credentials that failed with a retryable error).
 * Never after a normal close (1000), a refused credential (401, 403, and close codes such as 4001 or 4003), or an
 * invalid message. The schedule sees each error that passes, so it can narrow this further.
 *
 * @since 0.1.0
 * @category guards
 */
export const isReconnectable: (error: RealtimeError) => boolean = Internal.isReconnectable

// -----------------------------------------------------------------------------
// transport
// -----------------------------------------------------------------------------

/**
 * What the session needs of a WebSocket: the WHATWG `WebSocket` interface, which the `ws` package implements too.
 *
 * @since 0.1.0
 * @category models
 */
export interface WebSocketLike {
  readonly readyState: number
  /** Bytes given to `send` and not yet written to the network; the session waits while it is high. */
  readonly bufferedAmount: number
  send(data: string): void
  close(code?: number, reason?: string): void
  /** Drops the connection at once, when the implementation can (`ws` can); used when a close is not answered. */
  terminate?(): void
  addEventListener(type: string, listener: (event: any) => void, options?: { readonly once?: boolean }): void
  removeEventListener(type: string, listener: (event: any) => void): void
}

/**
 * What a transport is given to open a socket.
 *
 * @since 0.1.0
 * @category models
 */
export interface OpenOptions {
  /** Handshake headers, credentials included; empty when the transport says it cannot send headers. */
  readonly headers: Readonly<Record<string, string>>
  /** Subprotocols to offer: the credentials' when the transport cannot send headers; otherwise none. */
  readonly protocols: ReadonlyArray<string>
  /** A transport that sees the HTTP answer to a refused upgrade reports its status here, before failing. */
  readonly onRefused: (status: number) => void
}

/**
 * How to open a socket.
 *
 * @since 0.1.0
 * @category models
 */
export interface Transport {
  /**
   * Whether handshake headers reach the server. When `false`, the credentials go as subprotocols
   * (`realtime`, `openai-insecure-api-key.<key>`, `openai-organization.<id>`, `openai-project.<id>`).
   */
  readonly headers: boolean
  /** Opens a socket (it connects in the background, as `new WebSocket(...)` does). May throw. */
  readonly open: (url: string, options: OpenOptions) => WebSocketLike
}

/**
 * How sessions open their sockets: `NodeRealtime.layer` on Node, {@link layerGlobalWebSocket} elsewhere.
 *
 * @since 0.1.0
 * @category tags
 */
export class RealtimeTransport extends Context.Tag("@effect-openai/openai/RealtimeTransport")<RealtimeTransport, Transport>() {}

/**
 * A transport over a WHATWG `WebSocket` constructor, which cannot send headers (see {@link Transport.headers}).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWebSocketConstructor = (
  make: (url: string, protocols: Array<string>) => WebSocketLike
): Layer.Layer<RealtimeTransport> =>
  Layer.succeed(RealtimeTransport, { headers: false, open: (url, options) => make(url, [...options.protocols]) })

/**
 * The runtime's global `WebSocket` (browsers, Deno, Bun, Node 22+). It cannot set headers, so the API key goes as
 * the subprotocol `openai-insecure-api-key.<key>`, readable by anything that sees the page: use an ephemeral
 * client secret (`Realtime.ClientSecrets.create`, made by your server), never a long-lived API key, in a browser.
 * Azure's credentials cannot travel that way (`connect` fails with `RealtimeConnectError`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerGlobalWebSocket: Layer.Layer<RealtimeTransport> = layerWebSocketConstructor((url, protocols) => {
  const WebSocket = (globalThis as { readonly WebSocket?: new(url: string, protocols: Array<string>) => WebSocketLike })
    .WebSocket
  if (WebSocket === undefined) {
    throw new Error("this runtime has no global WebSocket: on Node before 22, use NodeRealtime.layer")
  }
  return new WebSocket(url, protocols)
})

// -----------------------------------------------------------------------------
// session
// -----------------------------------------------------------------------------

/**
 * @since 0.1.0
 * @category models
 */
export interface ConnectOptions {
  /** Sent as `?model=`. */
  readonly model?: string | undefined
  /** Sent as `?call_id=`: attaches to an existing call (SIP, WebRTC) as its sideband control connection. */
  readonly callId?: string | undefined
  /** The whole URL (a proxy, a test server), used as given; `model` and `callId` are added to its query. */
  readonly url?: string | undefined
  /**
   * Azure OpenAI (with `AzureOpenAI.layer`): the deployment, and the API version. `"v1"`, or a client on Azure's
   * v1 endpoint with no version given, connects to `{endpoint}/openai/v1/realtime?model={deployment}`; another
   * version to `{endpoint}/openai/realtime?api-version={version}&deployment={deployment}`.
   */
  readonly azure?: { readonly deployment: string; readonly apiVersion?: string | undefined } | undefined
  /**
   * Reconnects when the connection is lost, as long as the schedule goes on; off by default. Only what
   * {@link isReconnectable} accepts is given to the schedule (never a normal close, nor a refused credential). The
   * schedule sees every loss of the session's life; `Schedule.resetAfter` gives each outage its own budget. Each
   * reconnection is announced by a {@link Reconnected} event before the new session's events. The first
   * connection is not retried (`connect` fails): retry `connect` itself for that.
   */
  readonly reconnect?: Schedule.Schedule<unknown, RealtimeError> | undefined
  /**
   * Bounds of the outbound queue: `capacity` events (default 1024) and `maxBytes` of their JSON, counted in
   * characters (default 16 MiB). `send` waits while either is reached; an event larger than `maxBytes` waits for
   * an empty queue. The socket's own buffer is kept under 1 MiB (or `maxBytes` when smaller) besides.
   */
  readonly outbound?: { readonly capacity?: number | undefined; readonly maxBytes?: number | undefined } | undefined
  /**
   * A frame that is not a JSON event (an object with a string `type`): skipped (the default; logged at debug
   * level) or the end of the session with `RealtimeInvalidMessageError` (`"fail"`).
   */
  readonly invalidMessage?: "skip" | "fail" | undefined
  /** How long the socket may take to open, each connection (default 10 seconds). */
  readonly openTimeout?: Duration.DurationInput | undefined
}

/**
 * A connected session.
 *
 * @since 0.1.0
 * @category models
 */
export interface Session {
  /**
   * Queues an event. Waits while the outbound queue is full; queued while a reconnection is under way (see
   * {@link Reconnected} for what becomes of it). Fails once the session is over.
   */
  readonly send: (event: ClientEvent) => Effect.Effect<void, OpenAIError.RealtimeClosedError>
  /**
   * The server's events, buffered from the start and without bound (a WebSocket cannot slow its server down):
   * read it, once (share it with `Stream.broadcast` if several consumers need it). It ends when the client closes the session and fails with what else ended it. Interrupting
   * its consumer closes the session with code 1000.
   */
  readonly events: Stream.Stream<Event, RealtimeError>
  /**
   * Closes the session (default code 1000; an invalid code or reason is sent as 1000), waiting briefly for the
   * server's answer. `events` then ends once its buffered events are read.
   */
  readonly close: (code?: number, reason?: string) => Effect.Effect<void>
  /** The current underlying socket: a `ws` instance with `NodeRealtime.layer`, a `WebSocket` in browsers. */
  readonly socket: unknown
}

/**
 * Opens a session and waits until its socket is open. The URL is the client's base URL with `/realtime` (and
 * `https` as `wss`); the credentials are the client's (`OpenAIAuth`: an API key, a key provider, workload
 * identity, Azure's `api-key` or Entra ID token), asked afresh for each connection. The session closes (code 1000)
 * when the scope closes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const connect = (
  options: ConnectOptions = {}
): Effect.Effect<Session, OpenAIError.RealtimeConnectError, OpenAIClient | RealtimeTransport | Scope.Scope> =>
  Effect.flatMap(
    Effect.all([OpenAIClient, RealtimeTransport, OpenAIConfig]),
    ([client, transport, settings]) => Internal.connect(client, transport, options, logRank[settings.logLevel])
  )
