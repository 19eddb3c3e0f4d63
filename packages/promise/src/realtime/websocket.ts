/**
 * `OpenAIRealtimeWebSocket` (the official `openai/realtime/websocket`): a Realtime session over the runtime's global
 * `WebSocket` (browsers, Deno, Bun, Node 22+). That `WebSocket` cannot send headers, so the credentials travel as
 * subprotocols: `realtime`, `openai-insecure-api-key.<key>`, and `openai-organization.<id>` /
 * `openai-project.<id>` when the client has them. Anyone who can read the page can read that key: in a browser,
 * use an ephemeral client secret made by your server (`client.realtime.clientSecrets.create`), never an API key.
 *
 * In a browser the constructor refuses to run unless `dangerouslyAllowBrowser` is set (here or on the client) or
 * the client's key is an ephemeral one (`ek_...`), as the official class does.
 *
 * It is the core's session (`RealtimeSession.connect` with `RealtimeSession.layerGlobalWebSocket`) on the client's
 * runtime; the events, `send`, `close` and errors are those of `OpenAIRealtimeWS`.
 */
import * as RealtimeSession from "@effect-openai/openai/realtime/RealtimeSession"
import { AzureOpenAI } from "../azure.js"
import type { ClientOptions } from "../core/client.js"
import { OpenAIError } from "../core/error.js"
import { OpenAI } from "../generated/client.js"
import {
  type RealtimeReconnectOptions,
  RealtimeConnection,
  type RealtimeTarget,
  reconnectSchedule,
  targetOf
} from "../internal/realtime.js"

/** The runtime's `WebSocket`, where the runtime has one. */
type GlobalWebSocket = typeof globalThis extends { WebSocket: abstract new(...args: any) => infer W } ? W : any

/** What the constructor takes: the session (a model, or an existing call), browser consent, reconnection. */
export type OpenAIRealtimeWebSocketProps = RealtimeTarget & RealtimeReconnectOptions & {
  /** Run in a browser even though the credential is visible there (an ephemeral `ek_` key is allowed anyway). */
  dangerouslyAllowBrowser?: boolean | undefined
}

/** What `OpenAIRealtimeWebSocket.azure` takes. */
export type AzureRealtimeWebSocketProps = RealtimeReconnectOptions & {
  deploymentName?: string | undefined
  dangerouslyAllowBrowser?: boolean | undefined
}

/** A page or a browser worker: the client's own test. */
const isBrowser = (): boolean => {
  const g = globalThis as { window?: { document?: unknown }; navigator?: unknown; importScripts?: unknown }
  return (typeof g.window?.document !== "undefined" && typeof g.navigator !== "undefined") ||
    typeof g.importScripts === "function"
}

const azureRefused = "Azure OpenAI's Realtime credentials go in handshake headers, which the runtime's WebSocket " +
  "cannot send: use OpenAIRealtimeWS.azure (from @effect-openai/promise/realtime/ws) or a proxy of your own."

const browserConsent = (client: OpenAI | undefined): boolean | undefined =>
  (client as unknown as { readonly _options?: ClientOptions } | undefined)?._options?.dangerouslyAllowBrowser

export class OpenAIRealtimeWebSocket extends RealtimeConnection {
  /**
   * Opens a session: a model's (`{ model }`) or an existing call's (`{ callID }`), with `client`'s base URL and
   * credentials (default: `new OpenAI()`). Throws an `OpenAIError` in a browser without consent (see above).
   */
  constructor(props: OpenAIRealtimeWebSocketProps, client?: OpenAI) {
    super()
    const target = targetOf(props)
    const reconnect = reconnectSchedule(props)
    const key = client?.apiKey ?? null
    const allowed = props.dangerouslyAllowBrowser ?? browserConsent(client) ?? (key?.startsWith("ek_") === true)
    if (!allowed && isBrowser()) {
      throw new OpenAIError(
        "This looks like a browser, where the credential sent to the Realtime API would be visible to anyone using the " +
          "page. Use an ephemeral client secret made by your server (client.realtime.clientSecrets.create), which is " +
          "allowed as it is, or pass `dangerouslyAllowBrowser: true` if you understand the risk."
      )
    }
    const owner = client ?? new OpenAI({ dangerouslyAllowBrowser: allowed })
    if (owner instanceof AzureOpenAI) throw new OpenAIError(azureRefused)
    this._connect(owner, { options: { ...target, reconnect }, transport: RealtimeSession.layerGlobalWebSocket })
  }

  /** The runtime's `WebSocket`; a stand-in that takes listeners until it is created (see `OpenAIRealtimeWS`). */
  get socket(): GlobalWebSocket {
    return this._socket as GlobalWebSocket
  }

  /** The constructor as a promise, for code written for the official `create`. */
  static async create(client: OpenAI, props: OpenAIRealtimeWebSocketProps): Promise<OpenAIRealtimeWebSocket> {
    return new OpenAIRealtimeWebSocket(props, client)
  }

  /**
   * Refused: Azure's credentials need handshake headers, which the runtime's `WebSocket` cannot send (the promise
   * rejects with an `OpenAIError` saying so). Use `OpenAIRealtimeWS.azure`.
   */
  static async azure(_client: AzureOpenAI, _props: AzureRealtimeWebSocketProps = {}): Promise<OpenAIRealtimeWebSocket> {
    throw new OpenAIError(azureRefused)
  }
}
