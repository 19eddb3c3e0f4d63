/**
 * `OpenAIRealtimeWS` (the official `openai/realtime/ws`): a Realtime session over the `ws` package, which sends the
 * client's credentials as handshake headers (`Authorization: Bearer`, or Azure's `api-key`). It is the core's
 * session (`RealtimeSession.connect` with `NodeRealtime`'s transport) run on the client's runtime, so every
 * credential the client has works here, key functions and workload identity included, asked afresh for each
 * connection. `ws` is an optional peer dependency: install it to use this entry point.
 *
 * ```ts
 * const rt = new OpenAIRealtimeWS({ model: "gpt-realtime" }, client)
 * rt.on("response.output_text.delta", (event) => process.stdout.write(event.delta))
 * rt.socket.on("open", () => rt.send({ type: "response.create" }))
 * ```
 *
 * What differs from the official class, on purpose: `send` before the socket is open queues the event (the
 * official reports an `error`); a `close` event always ends the connection, after an `error` for a drop; until the
 * socket exists, `socket` is a stand-in that hands listeners to it; an API key function works with the constructor
 * (no need for `create`). Not there: `intent: "transcription"`, `buildRealtimeURL`, `sendResponseCreate`,
 * `flushPending`/`takePending` and the `reconnecting` event.
 */
import * as NodeRealtime from "@effect-openai/openai/node/NodeRealtime"
import * as RealtimeSession from "@effect-openai/openai/realtime/RealtimeSession"
import * as Layer from "effect/Layer"
import type * as WS from "ws"
import { AzureOpenAI } from "../azure.js"
import { OpenAIError } from "../core/error.js"
import { OpenAI } from "../generated/client.js"
import {
  type RealtimeReconnectOptions,
  RealtimeConnection,
  type RealtimeTarget,
  reconnectSchedule,
  targetOf
} from "../internal/realtime.js"

/** What the constructor takes: the session (a model, or an existing call), `ws` options, reconnection. */
export type OpenAIRealtimeWSProps = RealtimeTarget & RealtimeReconnectOptions & {
  /** Options of the `ws` WebSocket: an `agent`, TLS settings, `maxPayload`, extra `headers` (the credentials win). */
  options?: WS.ClientOptions | undefined
}

/** What `OpenAIRealtimeWS.azure` takes: the deployment (else the client's), `ws` options, reconnection. */
export type AzureRealtimeWSProps = RealtimeReconnectOptions & {
  deploymentName?: string | undefined
  options?: WS.ClientOptions | undefined
}

const transport = (options: WS.ClientOptions | undefined): Layer.Layer<RealtimeSession.RealtimeTransport> =>
  Layer.succeed(RealtimeSession.RealtimeTransport, NodeRealtime.make(options ?? {}))

export class OpenAIRealtimeWS extends RealtimeConnection {
  /**
   * Opens a session: a model's (`{ model }`) or an existing call's (`{ callID }`), with `client`'s base URL and
   * credentials (default: `new OpenAI()`, from the environment). An `AzureOpenAI` client connects to its v1
   * Realtime endpoint with `model` as the deployment; `OpenAIRealtimeWS.azure` defaults it to the client's.
   */
  constructor(props: OpenAIRealtimeWSProps, client?: OpenAI) {
    super()
    const target = targetOf(props)
    const reconnect = reconnectSchedule(props)
    const owner = client ?? new OpenAI()
    let options: RealtimeSession.ConnectOptions
    if (owner instanceof AzureOpenAI) {
      if (target.model === undefined) {
        throw new OpenAIError("Attaching to an existing call (callID) is not supported for Azure OpenAI yet.")
      }
      // the v1 endpoint, as the official SDK uses for every Azure session: `{endpoint}/openai/v1/realtime?model=`
      options = { azure: { deployment: target.model, apiVersion: "v1" }, reconnect }
    } else {
      options = { ...target, reconnect }
    }
    this._connect(owner, { options, transport: transport(props.options) })
  }

  /**
   * The `ws` WebSocket: its `open`, `close` and `error` events tell the connection's life. Until the socket is
   * created (the credentials being fetched), a stand-in takes the listeners and hands them to it.
   */
  get socket(): WS.WebSocket {
    return this._socket as WS.WebSocket
  }

  /** The constructor as a promise, for code written for the official `create` (needed there for key functions). */
  static async create(client: OpenAI, props: OpenAIRealtimeWSProps): Promise<OpenAIRealtimeWS> {
    return new OpenAIRealtimeWS(props, client)
  }

  /**
   * A session with an Azure OpenAI deployment (`deploymentName`, else the client's), on the v1 Realtime endpoint,
   * with the client's `api-key` or Microsoft Entra ID token.
   */
  static async azure(client: AzureOpenAI, props: AzureRealtimeWSProps = {}): Promise<OpenAIRealtimeWS> {
    if (!(client instanceof AzureOpenAI)) throw new OpenAIError("OpenAIRealtimeWS.azure takes an AzureOpenAI client.")
    const deployment = props.deploymentName ?? client.deploymentName
    if (!deployment) {
      throw new OpenAIError("No deployment: pass `deploymentName`, or create the AzureOpenAI client with `deployment`.")
    }
    const { deploymentName: _deployment, ...rest } = props
    return new OpenAIRealtimeWS({ ...rest, model: deployment }, client)
  }
}
