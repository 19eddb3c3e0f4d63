/**
 * The facade's `OpenAIRealtimeWS` against the official package's, on the same loopback `ws` server: the same
 * handshake (path, query, credential and routing headers; Azure's `api-key` and v1 URL), the same events reaching
 * the same listeners in the same order (an `error` event as an `OpenAIRealtimeError` with the API's error), and
 * `close()` closing with 1000 and `OK`.
 *
 * The official class always connects with `wss:`; its socket is given a plain TCP connection to the loopback server
 * (`ws`'s `createConnection` option), so no certificate is needed. Ours connects with `ws:` to the `http:` base URL.
 */
import * as Http from "node:http"
import * as Net from "node:net"
import type { AddressInfo } from "node:net"
import { AzureOpenAI as FacadeAzureOpenAI, OpenAI as FacadeOpenAI } from "@effect-openai/promise"
import { OpenAIRealtimeError as FacadeRealtimeError } from "@effect-openai/promise/realtime/index"
import { OpenAIRealtimeWS as FacadeRealtimeWS } from "@effect-openai/promise/realtime/ws"
import { AzureOpenAI as OfficialAzureOpenAI, OpenAI as OfficialOpenAI } from "openai"
import { OpenAIRealtimeError as OfficialRealtimeError } from "openai/realtime/index"
import { OpenAIRealtimeWS as OfficialRealtimeWS } from "openai/realtime/ws"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { type WebSocket, WebSocketServer } from "ws"

interface Handshake {
  readonly path: string
  readonly query: Record<string, string>
  readonly headers: Http.IncomingHttpHeaders
}

interface Server {
  readonly url: string
  readonly port: number
  readonly handshakes: Array<Handshake>
  readonly received: Array<Array<any>>
  readonly closes: Array<Promise<{ readonly code: number; readonly reason: string }>>
  readonly close: () => Promise<void>
}

const servers: Array<Server> = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

const ENV = ["OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID", "OPENAI_LOG", "AZURE_OPENAI_API_KEY", "OPENAI_API_VERSION"]
beforeEach(() => {
  for (const name of ENV) vi.stubEnv(name, undefined)
})
afterEach(() => {
  vi.unstubAllEnvs()
})

const send = (socket: WebSocket, event: Record<string, unknown>) => socket.send(JSON.stringify(event))

/** A server speaking a few events: the session, an update, a response with deltas, an error, an unknown event. */
const answer = (socket: WebSocket, message: any): void => {
  if (message.type === "session.update") send(socket, { type: "session.updated", event_id: "ev_2", session: message.session })
  if (message.type === "conversation.item.create") {
    send(socket, {
      type: "error",
      event_id: "ev_3",
      error: { type: "invalid_request_error", code: "invalid_value", message: "Bad item", param: "item", event_id: message.event_id }
    })
  }
  if (message.type === "response.create") {
    const at = { response_id: "resp_1", item_id: "item_1", output_index: 0, content_index: 0 }
    send(socket, { type: "response.created", event_id: "ev_4", response: { id: "resp_1", status: "in_progress", output: [] } })
    send(socket, { type: "response.output_text.delta", event_id: "ev_5", ...at, delta: "Hel" })
    send(socket, { type: "response.output_text.delta", event_id: "ev_6", ...at, delta: "lo" })
    send(socket, { type: "response.output_audio.delta", event_id: "ev_7", ...at, delta: "AAEC" })
    send(socket, { type: "response.not_yet_known", event_id: "ev_8" })
    send(socket, { type: "response.done", event_id: "ev_9", response: { id: "resp_1", status: "completed", output: [] } })
  }
}

const start = (): Promise<Server> =>
  new Promise((resolve) => {
    const handshakes: Array<Handshake> = []
    const received: Array<Array<any>> = []
    const closes: Server["closes"] = []
    const http = Http.createServer((_req, res) => res.writeHead(426).end())
    const wss = new WebSocketServer({ server: http })
    wss.on("connection", (socket, req) => {
      const url = new URL(req.url ?? "/", "http://loopback")
      handshakes.push({ path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers })
      const messages: Array<any> = []
      received.push(messages)
      closes.push(new Promise((done) => socket.on("close", (code, reason) => done({ code, reason: reason.toString() }))))
      socket.on("message", (data) => {
        const message = JSON.parse(data.toString())
        messages.push(message)
        answer(socket, message)
      })
      send(socket, { type: "session.created", event_id: "ev_1", session: { id: "sess_1", model: url.searchParams.get("model") } })
    })
    http.listen(0, "127.0.0.1", () => {
      const { port } = http.address() as AddressInfo
      const server: Server = {
        url: `http://127.0.0.1:${port}/v1`,
        port,
        handshakes,
        received,
        closes,
        close: () =>
          new Promise((done) => {
            for (const client of wss.clients) client.terminate()
            wss.close()
            http.closeAllConnections()
            http.close(() => done())
          })
      }
      servers.push(server)
      resolve(server)
    })
  })

/** `ws` options that reach the plain loopback server from the official class's `wss:` URL. */
const plain = (server: Server) => ({ createConnection: () => Net.connect(server.port, "127.0.0.1") })

/** The facade is typed as the official class here: code written for the official package is what it must run. */
type Realtime = OfficialRealtimeWS
const asOfficial = (rt: FacadeRealtimeWS): Realtime => rt as unknown as Realtime

/** What a session's listeners heard, in order, until `response.done`; then it is closed. */
const converse = async (rt: Realtime): Promise<Array<unknown>> => {
  const heard: Array<unknown> = []
  rt.on("event", (event) => heard.push(["event", event.type]))
  rt.on("session.updated", (event) => heard.push(["session.updated", event.session]))
  rt.on("response.output_text.delta", (event) => heard.push(["text", event.delta]))
  rt.on("response.output_audio.delta", (event) => heard.push(["audio", event.delta]))
  rt.on("error", (error) => heard.push(["error", error.name, error.error, error.event_id]))
  const done = new Promise<void>((resolve) => rt.on("response.done", () => resolve()))
  rt.socket.on("open", () => {
    rt.send({ type: "session.update", session: { type: "realtime", instructions: "Be brief." } })
    rt.send({ type: "conversation.item.create", event_id: "client_1", item: { type: "message", role: "user", content: [] } })
    rt.send({ type: "response.create" })
  })
  await done
  rt.close()
  return heard
}

const headersOf = (handshake: Handshake) => ({
  authorization: handshake.headers.authorization,
  "api-key": handshake.headers["api-key"],
  "openai-organization": handshake.headers["openai-organization"],
  "openai-project": handshake.headers["openai-project"]
})

describe("OpenAIRealtimeWS: the facade and the official class on the same server", () => {
  it("the same handshake: path, query, credential and routing headers", async () => {
    const server = await start()
    const options = { apiKey: "sk-parity-rt", organization: "org-parity", project: "proj-parity", baseURL: server.url }
    const official = new OfficialRealtimeWS({ model: "gpt-realtime", options: plain(server) }, new OfficialOpenAI(options))
    const ours = new FacadeRealtimeWS({ model: "gpt-realtime" }, new FacadeOpenAI(options))
    await Promise.all([official, asOfficial(ours)].map((rt) => new Promise<void>((resolve) => rt.on("session.created", () => resolve()))))
    official.close()
    ours.close()
    const [theirs, mine] = server.handshakes as [Handshake, Handshake]
    expect(mine.path).toBe(theirs.path)
    expect(mine.query).toEqual(theirs.query)
    expect(headersOf(mine)).toEqual(headersOf(theirs))
    expect(headersOf(mine).authorization).toBe("Bearer sk-parity-rt")
  })

  it("the same events to the same listeners, in the same order; the same messages on the wire; close with 1000 OK", async () => {
    const server = await start()
    const heardOfficial = await converse(
      new OfficialRealtimeWS({ model: "gpt-realtime", options: plain(server) }, new OfficialOpenAI({ apiKey: "sk-p", baseURL: server.url }))
    )
    const heardOurs = await converse(
      asOfficial(new FacadeRealtimeWS({ model: "gpt-realtime" }, new FacadeOpenAI({ apiKey: "sk-p", baseURL: server.url })))
    )
    expect(heardOurs).toEqual(heardOfficial)
    expect(heardOurs).toContainEqual(["error", "OpenAIRealtimeError", expect.objectContaining({ code: "invalid_value", event_id: "client_1" }), "ev_3"])
    expect(heardOurs).toContainEqual(["event", "response.not_yet_known"])
    expect(server.received[1]).toEqual(server.received[0])
    expect(await server.closes[1]).toEqual(await server.closes[0])
    expect(await server.closes[1]).toEqual({ code: 1000, reason: "OK" })
  })

  it("an `error` event is an OpenAIRealtimeError of each package, with the API's error and event id", async () => {
    const server = await start()
    const errors: Array<Error> = []
    const official = new OfficialRealtimeWS({ model: "m", options: plain(server) }, new OfficialOpenAI({ apiKey: "sk-p", baseURL: server.url }))
    const ours = asOfficial(new FacadeRealtimeWS({ model: "m" }, new FacadeOpenAI({ apiKey: "sk-p", baseURL: server.url })))
    const opened = [official, ours].map((rt) => new Promise<void>((resolve) => rt.on("session.created", () => resolve())))
    for (const [i, rt] of [official, ours].entries()) {
      await opened[i]
      const failed = new Promise<Error>((resolve) => rt.once("error", resolve))
      rt.send({ type: "conversation.item.create", event_id: "client_9", item: { type: "message", role: "user", content: [] } })
      errors.push(await failed)
      rt.close()
    }
    const [theirs, mine] = errors as [OfficialRealtimeError, FacadeRealtimeError]
    expect(theirs).toBeInstanceOf(OfficialRealtimeError)
    expect(mine).toBeInstanceOf(FacadeRealtimeError)
    expect(mine.name).toBe(theirs.name)
    expect(mine.error).toEqual(theirs.error)
    expect(mine.event_id).toBe(theirs.event_id)
    // the wording is each package's own; both say what the API said
    expect(theirs.message).toContain("Bad item")
    expect(mine.message).toContain("Bad item")
  })

  it("Azure: the same v1 URL with the deployment as `model`, and the same `api-key` header", async () => {
    const server = await start()
    const azure = { apiKey: "azure-parity-key", endpoint: `http://127.0.0.1:${server.port}`, apiVersion: "2024-10-21", deployment: "rt-deployment" }
    const official = await OfficialRealtimeWS.azure(new OfficialAzureOpenAI(azure), { options: plain(server) })
    await new Promise<void>((resolve) => official.on("session.created", () => resolve()))
    const ours = await FacadeRealtimeWS.azure(new FacadeAzureOpenAI(azure))
    await new Promise<void>((resolve) => ours.on("session.created", () => resolve()))
    official.close()
    ours.close()
    const [theirs, mine] = server.handshakes as [Handshake, Handshake]
    expect(mine.path).toBe(theirs.path)
    expect(mine.query).toEqual(theirs.query)
    expect(headersOf(mine)).toEqual(headersOf(theirs))
    expect(mine.headers["api-key"]).toBe("azure-parity-key")
  })
})
