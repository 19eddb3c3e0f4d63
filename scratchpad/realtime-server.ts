/**
 * A local stand-in for the Realtime API, for `scratchpad/realtime.ts` and the tests that run it: a `ws` server on a
 * loopback port that accepts one API key (as `Authorization: Bearer`, or as the `openai-insecure-api-key.` subprotocol
 * a browser sends) and speaks a small part of the protocol:
 *
 * - on connect: `session.created`
 * - `session.update`: `session.updated` with the session as sent
 * - `conversation.item.create`: `conversation.item.added`, with the text kept for the answer; the text `/drop`
 *   drops the connection instead (to try reconnection)
 * - `input_audio_buffer.append`: nothing (as the API); `input_audio_buffer.commit`: `input_audio_buffer.committed`
 *   with the number of samples appended
 * - `response.create`: `response.created`, the answer's text in `response.output_text.delta` events, a little
 *   PCM16 silence in `response.output_audio.delta` events, then `response.done`
 * - anything else: an `error` event naming the type
 *
 * The answer echoes the last user text: "You said: <text>".
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { type WebSocket, WebSocketServer } from "ws"

export interface RealtimeStandIn {
  /** The base URL to give a client: `http://127.0.0.1:<port>/v1`. */
  readonly url: string
  /** How many connections were accepted, and refused for a wrong key; how many audio samples were appended. */
  readonly stats: () => { readonly accepted: number; readonly refused: number; readonly samples: number }
  readonly close: () => Promise<void>
}

const keyOf = (req: Http.IncomingMessage): string | undefined => {
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1]
  if (bearer !== undefined) return bearer
  const offered = (req.headers["sec-websocket-protocol"] ?? "").split(",").map((p) => p.trim())
  return offered.find((p) => p.startsWith("openai-insecure-api-key."))?.slice("openai-insecure-api-key.".length)
}

let counter = 0
const id = (prefix: string) => `${prefix}_${(++counter).toString().padStart(4, "0")}`

/** Splits a text into deltas of a few characters, as a model streams it. */
const deltas = (text: string): Array<string> => text.match(/.{1,6}/gs) ?? []

const serve = (socket: WebSocket, model: string | null, onSamples: (n: number) => void) => {
  const send = (event: Record<string, unknown>) => socket.send(JSON.stringify({ event_id: id("event"), ...event }))
  let lastText = ""
  let appended = 0
  send({ type: "session.created", session: { type: "realtime", id: id("sess"), model, output_modalities: ["audio"] } })
  socket.on("message", (data) => {
    let event: any
    try {
      event = JSON.parse(data.toString("utf8"))
    } catch {
      return send({ type: "error", error: { type: "invalid_request_error", code: "invalid_json", message: "Invalid JSON" } })
    }
    switch (event.type) {
      case "session.update":
        return send({ type: "session.updated", session: { type: "realtime", id: id("sess"), model, ...event.session } })
      case "conversation.item.create": {
        const text = event.item?.content?.find((part: any) => typeof part?.text === "string")?.text
        if (text === "/drop") return socket.terminate()
        if (typeof text === "string") lastText = text
        return send({ type: "conversation.item.added", previous_item_id: null, item: { id: id("item"), ...event.item } })
      }
      case "input_audio_buffer.append":
        appended += Buffer.from(String(event.audio), "base64").length / 2
        return
      case "input_audio_buffer.commit": {
        const samples = appended
        appended = 0
        onSamples(samples)
        return send({ type: "input_audio_buffer.committed", previous_item_id: null, item_id: id("item"), samples })
      }
      case "response.create": {
        const responseId = id("resp")
        const at = { response_id: responseId, item_id: id("item"), output_index: 0, content_index: 0 }
        send({ type: "response.created", response: { id: responseId, object: "realtime.response", status: "in_progress", output: [] } })
        for (const delta of deltas(`You said: ${lastText}`)) send({ type: "response.output_text.delta", ...at, delta })
        // 20 ms of 24 kHz PCM16 silence, in two chunks
        const silence = Buffer.alloc(480 * 2)
        for (const chunk of [silence.subarray(0, 480), silence.subarray(480)]) {
          send({ type: "response.output_audio.delta", ...at, delta: chunk.toString("base64") })
        }
        return send({ type: "response.done", response: { id: responseId, object: "realtime.response", status: "completed", output: [] } })
      }
      default:
        return send({
          type: "error",
          error: { type: "invalid_request_error", code: "unknown_event", message: `The stand-in does not handle ${String(event.type)}`, event_id: event.event_id ?? null }
        })
    }
  })
}

/** Starts the stand-in on a free loopback port, accepting `apiKey` only. */
export const startRealtimeStandIn = (apiKey: string): Promise<RealtimeStandIn> =>
  new Promise((resolve) => {
    let accepted = 0
    let refused = 0
    let samples = 0
    const http = Http.createServer((_req, res) => res.writeHead(426).end())
    const wss = new WebSocketServer({
      server: http,
      path: "/v1/realtime",
      handleProtocols: (protocols) => (protocols.has("realtime") ? "realtime" : false),
      verifyClient: ({ req }, done) => {
        if (keyOf(req) === apiKey) return done(true)
        refused++
        done(false, 401, "Unauthorized")
      }
    })
    wss.on("connection", (socket, req) => {
      accepted++
      serve(socket, new URL(req.url ?? "/", "http://loopback").searchParams.get("model"), (n) => (samples += n))
    })
    http.listen(0, "127.0.0.1", () => {
      const { port } = http.address() as AddressInfo
      resolve({
        url: `http://127.0.0.1:${port}/v1`,
        stats: () => ({ accepted, refused, samples }),
        close: () =>
          new Promise((done) => {
            for (const client of wss.clients) client.terminate()
            wss.close()
            http.closeAllConnections()
            http.close(() => done())
          })
      })
    })
  })
