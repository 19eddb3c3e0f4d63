/**
 * A loopback Realtime server for the facade's tests: a `ws` WebSocketServer on `/v1/realtime` (and any other path,
 * for Azure's) that records each handshake (path, query, headers, subprotocols) and every message a client sends,
 * and speaks a subset of the protocol: `session.created` on connect, `session.update` answered by `session.updated`,
 * `response.create` by a response with text deltas, audio deltas and an event type no client knows, and a few
 * commands a test sends as `conversation.item.create` text (`say:error`, `say:expire`, `say:close:<code>:<reason>`,
 * `say:drop`).
 * A test may also drive a connection itself (`connection.push`, `.socket`). Servers are closed after each test.
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { afterEach } from "vitest"
import { WebSocket, WebSocketServer } from "ws"

/** A connection's handshake as the server received it. */
export interface Handshake {
  readonly path: string
  readonly query: URLSearchParams
  readonly headers: Http.IncomingHttpHeaders
  /** The subprotocols the client offered, in order. */
  readonly protocols: ReadonlyArray<string>
}

/** How a connection ended, as the server saw it. */
export interface Closed {
  readonly code: number
  readonly reason: string
}

export interface Connection {
  readonly handshake: Handshake
  readonly socket: WebSocket
  /** Every message the client sent, parsed. */
  readonly received: Array<any>
  /** Resolves with the `n`th message (1-based) once it has arrived. */
  readonly message: (n: number) => Promise<any>
  /** Sends a server event. */
  readonly push: (event: Record<string, unknown>) => void
  readonly closed: Promise<Closed>
}

export interface RealtimeServer {
  /** The base URL for the client: `http://127.0.0.1:<port>/v1`. */
  readonly url: string
  readonly port: number
  readonly connections: Array<Connection>
  /** Resolves with the `n`th connection (1-based) once it is open. */
  readonly connection: (n: number) => Promise<Connection>
  readonly close: () => Promise<void>
}

export interface ServerOptions {
  /** Answers the handshake with this HTTP status instead of upgrading. */
  readonly refuse?: number
  /** Called for each message before the built-in answers; return `true` to skip them. */
  readonly onMessage?: (connection: Connection, message: any) => boolean | void
  /** Sends `session.created` on connect (default true). */
  readonly greet?: boolean
}

/** The `n`th item (1-based) of a list that grows, once it is there; `watchers` are called after each addition. */
const nth = <A>(list: ReadonlyArray<A>, n: number, watchers: Set<() => void>): Promise<A> =>
  new Promise((done) => {
    if (list.length >= n) return done(list[n - 1]!)
    const watch = () => {
      if (list.length < n) return
      watchers.delete(watch)
      done(list[n - 1]!)
    }
    watchers.add(watch)
  })

const notify = (watchers: Set<() => void>) => {
  for (const watch of [...watchers]) watch()
}

let ids = 0
const id = (prefix: string) => `${prefix}_${++ids}`

/** The events of one response: created, two text deltas, two audio deltas, an event from the future, done. */
export const responseEvents = (responseId: string): Array<Record<string, unknown>> => {
  const item = { response_id: responseId, item_id: "item_1", output_index: 0, content_index: 0 }
  return [
    { type: "response.created", response: { id: responseId, object: "realtime.response", status: "in_progress", output: [] } },
    { type: "response.output_text.delta", ...item, delta: "Hel" },
    { type: "response.output_text.delta", ...item, delta: "lo" },
    { type: "response.output_audio.delta", ...item, delta: Buffer.from([1, 2, 3]).toString("base64") },
    { type: "response.output_audio.delta", ...item, delta: Buffer.from([4, 5]).toString("base64") },
    { type: "response.future_event.added", ...item, note: "an event type no client knows yet" },
    { type: "response.done", response: { id: responseId, object: "realtime.response", status: "completed", output: [] } }
  ]
}

const textOf = (message: any): string | undefined => {
  const content = message?.item?.content
  return Array.isArray(content) && typeof content[0]?.text === "string" ? content[0].text : undefined
}

/** The built-in answers to a client message. */
const answer = (connection: Connection, message: any): void => {
  switch (message?.type) {
    case "session.update":
      connection.push({ type: "session.updated", session: { type: "realtime", ...message.session } })
      return
    case "response.create":
      for (const event of responseEvents(id("resp"))) connection.push(event)
      return
    case "conversation.item.create": {
      const text = textOf(message) ?? ""
      if (text === "say:error") {
        connection.push({
          type: "error",
          error: { type: "invalid_request_error", code: "invalid_value", message: "Bad value", param: "session.voice", event_id: message.event_id ?? null }
        })
      } else if (text.startsWith("say:close:")) {
        const [, , code, ...reason] = text.split(":")
        connection.socket.close(Number(code), reason.join(":"))
      } else if (text === "say:expire") {
        connection.push({
          type: "error",
          error: { type: "invalid_request_error", code: "session_expired", message: "Your session hit the maximum duration of 60 minutes." }
        })
      } else if (text === "say:drop") {
        connection.socket.terminate()
      } else {
        connection.push({ type: "conversation.item.added", item: { id: id("item"), type: "message", role: "user", content: [] } })
      }
      return
    }
  }
}

const open: Array<RealtimeServer> = []

/** Starts a server; close it yourself, or use `useRealtimeServers`. */
export const startRealtimeServer = (options: ServerOptions = {}): Promise<RealtimeServer> =>
  new Promise((resolve) => {
    const connections: Array<Connection> = []
    const waiting = new Set<() => void>()
    const http = Http.createServer((_req, res) => {
      res.writeHead(426).end()
    })
    if (options.refuse !== undefined) {
      http.on("upgrade", (_req, socket) => {
        socket.end(`HTTP/1.1 ${options.refuse} Refused\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{"error":{"message":"refused"}}`)
      })
    }
    const wss = options.refuse === undefined
      ? new WebSocketServer({ server: http, handleProtocols: (protocols) => protocols.has("realtime") ? "realtime" : false })
      : undefined
    wss?.on("connection", (socket, req) => {
      const url = new URL(req.url ?? "/", "http://loopback")
      const received: Array<any> = []
      const arrivals = new Set<() => void>()
      const connection: Connection = {
        handshake: {
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          protocols: (req.headers["sec-websocket-protocol"] ?? "").split(",").map((p) => p.trim()).filter((p) => p !== "")
        },
        socket,
        received,
        message: (n) => nth(received, n, arrivals),
        push: (event) => {
          if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ event_id: id("event"), ...event }))
        },
        closed: new Promise((done) => socket.on("close", (code, reason) => done({ code, reason: reason.toString("utf8") })))
      }
      socket.on("message", (data) => {
        const message = JSON.parse(data.toString("utf8"))
        received.push(message)
        notify(arrivals)
        if (options.onMessage?.(connection, message) === true) return
        answer(connection, message)
      })
      connections.push(connection)
      if (options.greet !== false) connection.push({ type: "session.created", session: { type: "realtime", id: id("sess"), model: url.searchParams.get("model") } })
      notify(waiting)
    })
    http.listen(0, "127.0.0.1", () => {
      const port = (http.address() as AddressInfo).port
      const server: RealtimeServer = {
        url: `http://127.0.0.1:${port}/v1`,
        port,
        connections,
        connection: (n) => nth(connections, n, waiting),
        close: () =>
          new Promise((done) => {
            for (const client of wss?.clients ?? []) client.terminate()
            wss?.close()
            http.closeAllConnections()
            http.close(() => done())
          })
      }
      open.push(server)
      resolve(server)
    })
  })

/** Servers started through the returned function are closed after each test. */
export const useRealtimeServers = (): (options?: ServerOptions) => Promise<RealtimeServer> => {
  afterEach(async () => {
    await Promise.all(open.splice(0).map((server) => server.close()))
  })
  return startRealtimeServer
}
