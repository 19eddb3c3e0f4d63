/**
 * The Realtime transport on Node: the `ws` package, which sends the client's credentials as handshake headers
 * (`Authorization: Bearer …`, or Azure's `api-key`) and reports the HTTP status of a refused upgrade. Redirects
 * are not followed (they would carry the credentials elsewhere); per-message compression is off, as the API
 * does not use it.
 *
 * ```ts
 * program.pipe(Effect.provide([OpenAI.layerConfig(), NodeRealtime.layer]))
 * ```
 *
 * @since 0.1.0
 */
import * as Layer from "effect/Layer"
import { WebSocket } from "ws"
import type * as WS from "ws"
import { RealtimeTransport, type Transport, type WebSocketLike } from "../realtime/RealtimeSession.js"

const ignore = () => {}

/**
 * The transport, with `ws` client options of your own (an `agent` for a proxy, TLS settings, `maxPayload`, extra
 * `headers`; the credentials' headers win over these).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: WS.ClientOptions = {}): Transport => ({
  headers: true,
  open: (url, { headers, onRefused, protocols }) => {
    const socket = new WebSocket(url, [...protocols], {
      perMessageDeflate: false,
      ...options,
      headers: { ...options.headers, ...headers },
      followRedirects: false
    })
    // The session listens for errors through `addEventListener`; this listener keeps a second error (after the
    // session stopped listening) from being thrown as an unhandled `error` event.
    socket.on("error", ignore)
    socket.on("unexpected-response", (_request, response) => {
      onRefused(response.statusCode ?? 0)
      response.resume()
      socket.terminate()
    })
    return socket as unknown as WebSocketLike
  }
})

/**
 * The `ws` transport with its defaults.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<RealtimeTransport> = Layer.succeed(RealtimeTransport, make())

/**
 * The `ws` transport with client options (see {@link make}).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (options: WS.ClientOptions): Layer.Layer<RealtimeTransport> =>
  Layer.succeed(RealtimeTransport, make(options))
