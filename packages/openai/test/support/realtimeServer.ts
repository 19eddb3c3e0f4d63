/**
 * A loopback Realtime server over `ws`, speaking a subset of the API, for tests of the session and of the facade:
 * - on connection: `session.created` (each connection is a new session, `sess_1`, `sess_2`, ...);
 * - `session.update` → `session.updated` with the given session;
 * - `input_audio_buffer.append` → kept; `input_audio_buffer.commit` → `input_audio_buffer.committed`, or, with
 *   nothing appended, an `error` event naming the client event (as the API does);
 * - `response.create` → a text response (`response.output_text.delta` per word of `text`), or with
 *   `output_modalities: ["audio"]` an audio one (`response.output_audio.delta` per chunk of `audio`, PCM16).
 * Tests drive the rest through a connection's handle: send any event or raw frame (an unknown event, an `error`,
 * a frame that is not JSON), close with a code and reason, drop the connection, stop and resume reading.
 * It records each handshake (URL, headers, subprotocols), each event received, and how the client closed.
 * `refuse` answers an upgrade with an HTTP status instead; `http` answers plain requests (a token endpoint).
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { assert } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { type WebSocket, WebSocketServer } from "ws"

export interface Handshake {
  readonly path: string
  readonly query: URLSearchParams
  readonly headers: Http.IncomingHttpHeaders
  /** The subprotocols the client offered, in order. */
  readonly protocols: ReadonlyArray<string>
}

export interface Connection {
  readonly index: number
  readonly handshake: Handshake
  /** Client events received, parsed, in order. */
  readonly received: Array<{ readonly type: string; readonly [key: string]: unknown }>
  /** How the client closed (or how the connection ended), once it has. */
  closed: { readonly code: number; readonly reason: string } | undefined
  readonly send: (event: object | string) => void
  /** Sends bytes as one frame: binary, or text (whatever the bytes, invalid UTF-8 included). */
  readonly sendBytes: (bytes: Uint8Array, binary: boolean) => void
  readonly close: (code: number, reason: string) => void
  /** Drops the TCP connection without a close frame. */
  readonly terminate: () => void
  /** Stops reading the socket, so that the client's writes pile up (slow reader). */
  readonly pauseReading: () => void
  readonly resumeReading: () => void
}

export interface Options {
  /** Words of the text response (default "Hello from the loopback server"). */
  readonly text?: string
  /** Samples of the audio response, sent in `audioChunks` deltas. */
  readonly audio?: Int16Array
  readonly audioChunks?: number
  /** An HTTP status to refuse the upgrade of connection `index` with (0-based), or nothing to accept it. */
  readonly refuse?: (index: number, handshake: Handshake) => number | undefined
  /** Plain HTTP requests (not upgrades): answer and return `true`, or `false` for a 404. */
  readonly http?: (request: Http.IncomingMessage, body: string, response: Http.ServerResponse) => boolean
}

export interface Server {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string
  readonly connections: ReadonlyArray<Connection>
  /** Upgrade requests refused, with their handshake. */
  readonly refused: ReadonlyArray<Handshake>
  /** The connection `index`, waiting (at most 5 s) for it. */
  readonly connection: (index: number) => Effect.Effect<Connection>
}

/** Waits in real time (at most 5 s) until `check` holds. */
export const eventually = (check: () => boolean, what: string): Effect.Effect<void> =>
  Effect.gen(function*() {
    for (let i = 0; i < 500; i++) {
      if (check()) return
      yield* Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, 10)))
    }
    assert.fail(`timed out waiting for ${what}`)
  })

const eventId = (() => {
  let n = 0
  return () => `event_${++n}`
})()

const toBase64 = (samples: Int16Array): string =>
  Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength).toString("base64")

const handshakeOf = (request: Http.IncomingMessage): Handshake => {
  const url = new URL(request.url ?? "/", "http://loopback")
  const offered = request.headers["sec-websocket-protocol"]
  return {
    path: url.pathname,
    query: url.searchParams,
    headers: request.headers,
    protocols: offered === undefined ? [] : offered.split(",").map((p) => p.trim())
  }
}

/** Answers the client events of one connection as the API would (the subset above). */
const speak = (connection: Connection, options: Options) => {
  let appended = 0
  return (event: { readonly type: string; readonly [key: string]: unknown }) => {
    switch (event.type) {
      case "session.update":
        connection.send({ event_id: eventId(), type: "session.updated", session: event.session })
        return
      case "input_audio_buffer.append":
        appended += typeof event.audio === "string" ? event.audio.length : 0
        return
      case "input_audio_buffer.commit":
        if (appended === 0) {
          connection.send({
            event_id: eventId(),
            type: "error",
            error: {
              type: "invalid_request_error",
              code: "input_audio_buffer_commit_empty",
              message: "Error committing input audio buffer: buffer too small.",
              param: null,
              event_id: event.event_id ?? null
            }
          })
        } else {
          appended = 0
          connection.send({ event_id: eventId(), type: "input_audio_buffer.committed", item_id: "item_audio" })
        }
        return
      case "response.create": {
        const response = (event.response ?? {}) as { readonly output_modalities?: ReadonlyArray<string> }
        const audio = response.output_modalities?.includes("audio") ?? false
        const ids = { response_id: "resp_1", item_id: "item_1", output_index: 0, content_index: 0 }
        connection.send({ event_id: eventId(), type: "response.created", response: { id: "resp_1", status: "in_progress" } })
        if (audio) {
          const samples = options.audio ?? new Int16Array([0, 1000, -1000, 32767, -32768, 5])
          const chunks = options.audioChunks ?? 2
          const per = Math.ceil(samples.length / chunks)
          for (let i = 0; i < samples.length; i += per) {
            connection.send({ event_id: eventId(), type: "response.output_audio.delta", ...ids, delta: toBase64(samples.subarray(i, i + per)) })
          }
          connection.send({ event_id: eventId(), type: "response.output_audio.done", ...ids })
        } else {
          const words = (options.text ?? "Hello from the loopback server").split(" ")
          words.forEach((word, i) =>
            connection.send({ event_id: eventId(), type: "response.output_text.delta", ...ids, delta: i === 0 ? word : ` ${word}` })
          )
          connection.send({ event_id: eventId(), type: "response.output_text.done", ...ids, text: words.join(" ") })
        }
        connection.send({ event_id: eventId(), type: "response.done", response: { id: "resp_1", status: "completed" } })
        return
      }
    }
  }
}

export const serve = (options: Options = {}): Effect.Effect<Server, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<{ readonly http: Http.Server; readonly wss: WebSocketServer; readonly server: Server }>((resume) => {
      const connections: Array<Connection> = []
      const refused: Array<Handshake> = []
      const http = Http.createServer((request, response) => {
        const parts: Array<Buffer> = []
        request.on("data", (chunk: Buffer) => parts.push(chunk))
        request.on("end", () => {
          if (options.http?.(request, Buffer.concat(parts).toString("utf8"), response) !== true) {
            response.writeHead(404).end()
          }
        })
      })
      const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false })
      http.on("upgrade", (request: Http.IncomingMessage, socket, head) => {
        const handshake = handshakeOf(request)
        const status = options.refuse?.(connections.length + refused.length, handshake)
        if (status !== undefined) {
          refused.push(handshake)
          socket.end(`HTTP/1.1 ${status} ${Http.STATUS_CODES[status] ?? ""}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`)
          return
        }
        wss.handleUpgrade(request, socket, head, (ws: WebSocket) => {
          const connection: Connection = {
            index: connections.length,
            handshake,
            received: [],
            closed: undefined,
            send: (event) => ws.send(typeof event === "string" ? event : JSON.stringify(event)),
            sendBytes: (bytes, binary) => ws.send(bytes, { binary }),
            close: (code, reason) => ws.close(code, reason),
            terminate: () => ws.terminate(),
            pauseReading: () => ws.pause(),
            resumeReading: () => ws.resume()
          }
          connections.push(connection)
          const answer = speak(connection, options)
          ws.on("message", (data) => {
            const event = JSON.parse(String(data)) as { readonly type: string }
            connection.received.push(event)
            answer(event)
          })
          ws.on("close", (code, reason) => {
            connection.closed = { code, reason: reason.toString() }
          })
          ws.on("error", () => {})
          connection.send({
            event_id: eventId(),
            type: "session.created",
            session: { id: `sess_${connection.index + 1}`, object: "realtime.session", type: "realtime" }
          })
        })
      })
      http.listen(0, "127.0.0.1", () => {
        const { port } = http.address() as AddressInfo
        const server: Server = {
          origin: `http://127.0.0.1:${port}`,
          connections,
          refused,
          connection: (index) =>
            Effect.map(eventually(() => connections.length > index, `connection ${index}`), () => connections[index]!)
        }
        resume(Effect.succeed({ http, wss, server }))
      })
    }),
    ({ http, wss }) =>
      Effect.async<void>((resume) => {
        for (const client of wss.clients) client.terminate()
        wss.close()
        http.closeAllConnections()
        http.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map(({ server }) => server))
