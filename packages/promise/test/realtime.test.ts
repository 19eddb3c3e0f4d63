/**
 * The Realtime classes (`@effect-openai/promise/realtime/ws`, `/realtime/websocket`) against a loopback `ws` server
 * speaking a subset of the protocol: events reach the listeners in order, `send` reaches the server, `close()`
 * closes with 1000, what the server does (an `error` event, a close with a code, a drop) reaches the listeners, and
 * the handshake carries each kind of credential the way the API expects it.
 */
import { describe, expect, it } from "vitest"
import { WebSocket as NodeWebSocket } from "ws"
import OpenAI, { AzureOpenAI, OAuthError, OpenAIError } from "@effect-openai/promise"
import { OpenAIRealtimeError } from "@effect-openai/promise/realtime/index"
import { OpenAIRealtimeWebSocket } from "@effect-openai/promise/realtime/websocket"
import { OpenAIRealtimeWS } from "@effect-openai/promise/realtime/ws"
import { asBrowser } from "./support/env.js"
import { type Connection, type RealtimeServer, type ServerOptions, useRealtimeServers } from "./support/realtime-server.js"
import { collectingLogger, json, SECRET, useServers } from "./support/server.js"

const realtimeServer = useRealtimeServers()
const serve = useServers()

type Client = OpenAIRealtimeWS | OpenAIRealtimeWebSocket

const clientFor = (server: RealtimeServer, options: ConstructorParameters<typeof OpenAI>[0] = {}) =>
  new OpenAI({ apiKey: SECRET, baseURL: server.url, maxRetries: 0, logger: collectingLogger().logger, ...options })

/** Everything the client's listeners heard, in order: `event` (the type), `error` (the message), `close`. */
const record = (rt: Client): Array<string> => {
  const heard: Array<string> = []
  rt.on("event", (event) => heard.push(event.type))
  rt.on("error", (error) => heard.push(`error: ${error.message}`))
  rt.on("close", (code, reason) => heard.push(`close ${code} ${reason}`))
  return heard
}

const ends = new WeakMap<Client, Promise<[number, string, Array<unknown>]>>()

/** The `close` event's arguments; call it before the close can happen (`track` does, for `open`). */
const track = <C extends Client>(rt: C): C => {
  ends.set(rt, new Promise((resolve) => rt.once("close", (...args) => resolve(args))))
  return rt
}

const closed = (rt: Client): Promise<[number, string, Array<unknown>]> => ends.get(rt)!

/** Resolves when the `n`th event of `type` has been heard; call it before it can come. */
const nth = (rt: Client, type: string, n: number): Promise<void> =>
  new Promise((resolve) => {
    let seen = 0
    rt.on("event", (event) => {
      if (event.type === type && ++seen === n) resolve()
    })
  })

const item = (text: string) =>
  ({ type: "conversation.item.create", item: { type: "message", role: "user", content: [{ type: "input_text", text }] } }) as const

/** A session with a model, opened on a new server; resolves once the client has the session (`session.created`). */
const open = async (options: ServerOptions = {}) => {
  const server = await realtimeServer(options)
  const rt = track(new OpenAIRealtimeWS({ model: "gpt-realtime" }, clientFor(server)))
  const heard = record(rt)
  await rt.emitted("session.created")
  const connection = await server.connection(1)
  return { server, rt, heard, connection }
}

/**
 * The next uncaught exception or unhandled rejection of the process, kept from vitest's own handlers (which would
 * fail the run) until `restore()`.
 */
const nextOfProcess = (event: "uncaughtException" | "unhandledRejection") => {
  const previous = process.listeners(event as "uncaughtException") as Array<(...args: Array<unknown>) => void>
  process.removeAllListeners(event)
  const next = new Promise<unknown>((resolve) => process.once(event as "uncaughtException", resolve))
  return {
    next,
    restore: () => {
      process.removeAllListeners(event)
      for (const listener of previous) process.on(event as "uncaughtException", listener)
    }
  }
}

const response = [
  "response.created",
  "response.output_text.delta",
  "response.output_text.delta",
  "response.output_audio.delta",
  "response.output_audio.delta",
  "response.future_event.added",
  "response.done"
]

describe("OpenAIRealtimeWS: events", () => {
  it("reach the listeners in order: every event to `event`, each to the listeners of its type", async () => {
    const server = await realtimeServer()
    const rt = track(new OpenAIRealtimeWS({ model: "gpt-realtime" }, clientFor(server)))
    const heard = record(rt)
    const text: Array<string> = []
    const audio: Array<number> = []
    const updated: Array<unknown> = []
    const future: Array<unknown> = []
    rt.on("response.output_text.delta", (event) => text.push(event.delta))
    rt.on("response.output_audio.delta", (event) => audio.push(...Buffer.from(event.delta, "base64")))
    rt.on("session.updated", (event) => updated.push(event.session))
    // an event type this version does not know still reaches listeners of its name
    rt.on("response.future_event.added" as never, ((event: { note: string }) => future.push(event.note)) as never)
    rt.socket.on("open", () => {
      rt.send({ type: "session.update", session: { type: "realtime", instructions: "Be brief." } })
      rt.send({ type: "response.create" })
    })
    await rt.emitted("response.done")
    rt.close()
    await closed(rt)
    expect(heard).toEqual(["session.created", "session.updated", ...response, "close 1000 OK"])
    expect(text).toEqual(["Hel", "lo"])
    expect(audio).toEqual([1, 2, 3, 4, 5])
    expect(updated).toEqual([{ type: "realtime", instructions: "Be brief." }])
    expect(future).toEqual(["an event type no client knows yet"])
  })

  it("`send` reaches the server as sent, in order, also before the socket is open (it is queued)", async () => {
    const server = await realtimeServer()
    const rt = new OpenAIRealtimeWS({ model: "gpt-realtime" }, clientFor(server))
    const update = { type: "session.update", session: { type: "realtime", instructions: "Speak French." } } as const
    rt.send(update)
    rt.send(item("Bonjour"))
    rt.send({ type: "response.create", response: { output_modalities: ["text"] } })
    await rt.emitted("response.done")
    const connection = await server.connection(1)
    expect(connection.received).toEqual([update, item("Bonjour"), { type: "response.create", response: { output_modalities: ["text"] } }])
    rt.close()
  })

  it("`once` hears one event, `off` none, `emitted` resolves with the next one", async () => {
    const { rt } = await open()
    const once: Array<string> = []
    const off: Array<string> = []
    const listener = (event: { delta: string }) => off.push(event.delta)
    rt.once("response.output_text.delta", (event) => once.push(event.delta))
    rt.on("response.output_text.delta", listener)
    rt.off("response.output_text.delta", listener)
    const created = rt.emitted("response.created")
    const done = rt.emitted("response.done")
    rt.send({ type: "response.create" })
    expect((await created).type).toBe("response.created")
    await done
    expect(once).toEqual(["Hel"])
    expect(off).toEqual([])
    rt.close()
  })

  it("a listener that throws does not end the session: the error is thrown on its own, the others still hear", async () => {
    const { rt } = await open()
    const thrown = nextOfProcess("uncaughtException")
    try {
      const bug = new Error("listener bug")
      rt.once("response.created", () => {
        throw bug
      })
      const done = rt.emitted("response.done")
      rt.send({ type: "response.create" })
      expect(await thrown.next).toBe(bug)
      expect((await done).type).toBe("response.done")
    } finally {
      thrown.restore()
      rt.close()
    }
  })
})

describe("OpenAIRealtimeWS: errors and endings", () => {
  it("an `error` event reaches `event` and, as an OpenAIRealtimeError with the API's error, `error`; the session goes on", async () => {
    const { rt, connection } = await open()
    const errors: Array<OpenAIRealtimeError> = []
    rt.on("error", (error) => errors.push(error))
    const failed = rt.emitted("error")
    rt.send({ ...item("say:error"), event_id: "evt_client_1" })
    await failed
    const done = rt.emitted("response.done")
    rt.send({ type: "response.create" })
    await done
    const [error] = errors
    expect(error).toBeInstanceOf(OpenAIRealtimeError)
    expect(error).toBeInstanceOf(OpenAIError)
    expect(error!.name).toBe("OpenAIRealtimeError")
    expect(error!.error).toEqual({ type: "invalid_request_error", code: "invalid_value", message: "Bad value", param: "session.voice", event_id: "evt_client_1" })
    expect(error!.event_id).toMatch(/^event_/)
    expect(error!.message).toContain("Bad value")
    expect(error!.message).toContain("invalid_value")
    expect(connection.received.map((m) => m.type)).toEqual(["conversation.item.create", "response.create"])
    rt.close()
  })

  it("a close by the server: `close` with its code and reason, no error; the socket hears it too", async () => {
    const { rt, heard } = await open()
    const socketClosed = new Promise<number>((resolve) => rt.socket.on("close", (code) => resolve(code)))
    rt.send(item("say:close:4000:session over"))
    expect(await closed(rt)).toEqual([4000, "session over", []])
    expect(await socketClosed).toBe(4000)
    expect(heard).toEqual(["session.created", "close 4000 session over"])
  })

  it("a dropped connection: an OpenAIRealtimeError, then `close` with 1006", async () => {
    const { rt, heard } = await open()
    rt.send(item("say:drop"))
    expect(await closed(rt)).toEqual([1006, "", []])
    expect(heard).toHaveLength(3)
    expect(heard[1]).toMatch(/^error: Realtime connection (closed by the server: 1006|lost)/)
  })

  it("an expired session: its `error` event as an OpenAIRealtimeError, then `close`", async () => {
    const { rt, heard } = await open()
    rt.send(item("say:expire"))
    expect(await closed(rt)).toEqual([1000, "", []])
    expect(heard).toEqual([
      "session.created",
      "error",
      "error: Your session hit the maximum duration of 60 minutes. (type: invalid_request_error, code: session_expired)",
      "close 1000 "
    ])
  })

  it("`close()` closes with 1000 and OK; `close({ code, reason })` with those", async () => {
    const first = await open()
    first.rt.close()
    expect(await first.connection.closed).toEqual({ code: 1000, reason: "OK" })
    expect(await closed(first.rt)).toEqual([1000, "OK", []])
    const second = await open()
    second.rt.close({ code: 4001, reason: "user left" })
    expect(await second.connection.closed).toEqual({ code: 4001, reason: "user left" })
    expect(await closed(second.rt)).toEqual([4001, "user left", []])
  })

  it("events sent just before `close()` are written before it", async () => {
    const { rt, connection } = await open()
    rt.send(item("first"))
    rt.send(item("second"))
    rt.close()
    await connection.closed
    expect(connection.received).toEqual([item("first"), item("second")])
  })

  it("`send` after the end is an error, not a silent drop", async () => {
    const { rt } = await open()
    rt.close()
    await closed(rt)
    const error = rt.emitted("error")
    rt.send({ type: "response.create" })
    expect((await error).message).toMatch(/closed: the event was not sent/)
  })

  it("`close()` before there is a socket: nothing is connected; `close` lists the events not sent", async () => {
    const server = await realtimeServer()
    const rt = track(new OpenAIRealtimeWS({ model: "gpt-realtime" }, clientFor(server)))
    const heard = record(rt)
    rt.send(item("too early"))
    rt.close()
    const [code, reason, unsent] = await closed(rt)
    expect([code, reason]).toEqual([1000, "OK"])
    expect(unsent).toEqual([{ type: "message", message: item("too early") }])
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(server.connections).toHaveLength(0)
    expect(heard).toEqual(["close 1000 OK"])
  })

  it("a refused handshake (401): an OpenAIRealtimeError saying so, without the key; then `close`", async () => {
    const server = await realtimeServer({ refuse: 401 })
    const rt = track(new OpenAIRealtimeWS({ model: "gpt-realtime" }, clientFor(server)))
    const error = rt.emitted("error")
    const socketError = new Promise<Error>((resolve) => rt.socket.on("error", resolve))
    const failure = await error
    expect(failure).toBeInstanceOf(OpenAIRealtimeError)
    expect(failure.message).toMatch(/refused: HTTP 401/)
    expect(failure.message).not.toContain(SECRET)
    expect((await closed(rt))[0]).toBe(1006)
    expect(await socketError).toBeInstanceOf(Error)
  })

  it("a failure nobody listens for is not silent: without an `error` listener it is an unhandled rejection", async () => {
    const server = await realtimeServer({ refuse: 500 })
    const rejected = nextOfProcess("unhandledRejection")
    try {
      new OpenAIRealtimeWS({ model: "gpt-realtime" }, clientFor(server))
      const reason = await rejected.next
      expect(reason).toBeInstanceOf(OpenAIRealtimeError)
      expect((reason as Error).message).toMatch(/HTTP 500[\s\S]*rt\.on\('error'/)
    } finally {
      rejected.restore()
    }
  })

  it("with `reconnect`, a dropped connection is opened again: `reconnected`, then the new session's events", async () => {
    const server = await realtimeServer()
    const rt = track(new OpenAIRealtimeWS({ model: "gpt-realtime", reconnect: true, reconnectInitialDelay: 10 }, clientFor(server)))
    const heard = record(rt)
    rt.on("reconnected", ({ attempt }) => heard.push(`reconnected ${attempt}`))
    const again = nth(rt, "session.created", 2)
    await rt.emitted("session.created")
    rt.send(item("say:drop"))
    await again
    const done = rt.emitted("response.done")
    rt.send({ type: "response.create" })
    await done
    rt.close()
    await closed(rt)
    expect(server.connections).toHaveLength(2)
    expect(heard).toEqual(["session.created", "reconnected 1", "session.created", ...response, "close 1000 OK"])
  })

  it("an event that cannot be serialized is an error; the events after it are sent", async () => {
    const { rt, connection } = await open()
    const failed = rt.emitted("error")
    rt.send({ type: "response.create", response: { metadata: { count: 1n } } } as never)
    rt.send(item("after"))
    expect((await failed).message).toMatch(/Could not send the event/)
    expect(await connection.message(1)).toEqual(item("after"))
    rt.close()
  })

  it("refuses a connection without exactly one of `model` and `callID`", () => {
    const client = new OpenAI({ apiKey: SECRET, baseURL: "http://127.0.0.1:9/v1" })
    expect(() => new OpenAIRealtimeWS({} as never, client)).toThrow(OpenAIError)
    expect(() => new OpenAIRealtimeWS({ model: "m", callID: "c" } as never, client)).toThrow(/exactly one of `model`/)
  })
})

describe("OpenAIRealtimeWS: the socket", () => {
  it("is a stand-in until the socket exists, whose listeners move to it; then the `ws` WebSocket itself", async () => {
    const server = await realtimeServer()
    const rt = new OpenAIRealtimeWS({ model: "gpt-realtime" }, clientFor(server))
    const early = rt.socket
    expect(early).not.toBeInstanceOf(NodeWebSocket)
    expect(early.readyState).toBe(0)
    const messages: Array<string> = []
    early.on("message", (data) => messages.push(JSON.parse(data.toString()).type))
    await new Promise<void>((resolve) => early.once("open", () => resolve()))
    expect(rt.socket).toBeInstanceOf(NodeWebSocket)
    expect(rt.socket.readyState).toBe(NodeWebSocket.OPEN)
    expect(early.readyState).toBe(NodeWebSocket.OPEN)
    expect(rt.url?.href).toBe(`${server.url.replace("http:", "ws:")}/realtime?model=gpt-realtime`)
    await rt.emitted("session.created")
    expect(messages).toEqual(["session.created"])
    rt.close()
  })
})

describe("OpenAIRealtimeWS: credentials and URL", () => {
  const handshake = async (client: OpenAI, props: { model: string } | { callID: string } = { model: "gpt-realtime" }) => {
    const rt = new OpenAIRealtimeWS(props, client)
    rt.on("error", () => undefined)
    await rt.emitted("session.created")
    rt.close()
    return rt
  }

  it("an API key: `Authorization: Bearer`, the organization and project headers, `?model=`", async () => {
    const server = await realtimeServer()
    await handshake(clientFor(server, { organization: "org-1", project: "proj-1" }))
    const { handshake: h } = await server.connection(1)
    expect(h.path).toBe("/v1/realtime")
    expect(Object.fromEntries(h.query)).toEqual({ model: "gpt-realtime" })
    expect(h.headers.authorization).toBe(`Bearer ${SECRET}`)
    expect(h.headers["openai-organization"]).toBe("org-1")
    expect(h.headers["openai-project"]).toBe("proj-1")
    expect(h.protocols).toEqual([])
  })

  it("`callID` attaches to an existing call: `?call_id=`", async () => {
    const server = await realtimeServer()
    await handshake(clientFor(server), { callID: "rtc_123" })
    expect(Object.fromEntries((await server.connection(1)).handshake.query)).toEqual({ call_id: "rtc_123" })
  })

  it("`apiKey: async () => key`: the key the function gives, asked for each connection", async () => {
    const server = await realtimeServer()
    let calls = 0
    const client = clientFor(server, { apiKey: async () => `sk-rotated-${++calls}` })
    await handshake(client)
    await handshake(client)
    expect(server.connections.map((c) => c.handshake.headers.authorization)).toEqual(["Bearer sk-rotated-1", "Bearer sk-rotated-2"])
  })

  it("workload identity: the access token exchanged at the token endpoint", async () => {
    const server = await realtimeServer()
    const token = await serve((req, res) =>
      json(res, 200, {
        access_token: "oai-access-rt-1",
        issued_token_type: "urn:ietf:params:oauth:token-type:access_token",
        token_type: "Bearer",
        expires_in: 3600,
        subject: req.json?.subject_token
      }))
    const client = clientFor(server, {
      apiKey: null,
      workloadIdentity: {
        identityProviderId: "idp-test",
        serviceAccountId: "sa-test",
        provider: { tokenType: "jwt", getToken: async () => "subject-token-rt" },
        tokenURL: token.url.replace(/\/v1$/, "/oauth/token")
      }
    })
    await handshake(client)
    expect(token.requests).toHaveLength(1)
    expect(token.requests[0]!.json.subject_token).toBe("subject-token-rt")
    expect((await server.connection(1)).handshake.headers.authorization).toBe("Bearer oai-access-rt-1")
  })

  it("a refused token exchange: an OpenAIRealtimeError caused by the OAuthError, and no connection", async () => {
    const server = await realtimeServer()
    const token = await serve((_req, res) => json(res, 400, { error: "invalid_grant", error_description: "no" }))
    const client = clientFor(server, {
      apiKey: null,
      workloadIdentity: {
        identityProviderId: "idp-test",
        serviceAccountId: "sa-test",
        provider: { tokenType: "jwt", getToken: async () => "subject-token-rt" },
        tokenURL: token.url.replace(/\/v1$/, "/oauth/token")
      }
    })
    const rt = new OpenAIRealtimeWS({ model: "gpt-realtime" }, client)
    const socketClosed = new Promise<number>((resolve) => rt.socket.on("close", resolve))
    const error = await rt.emitted("error")
    expect(error).toBeInstanceOf(OpenAIRealtimeError)
    expect(error.cause).toBeInstanceOf(OAuthError)
    expect(await socketClosed).toBe(1006)
    expect(server.connections).toHaveLength(0)
  })

  it("`OpenAIRealtimeWS.azure`: `api-key`, the v1 Realtime URL with the deployment as `model`", async () => {
    const server = await realtimeServer()
    const endpoint = server.url.replace(/\/v1$/, "")
    const azure = new AzureOpenAI({ apiKey: "azure-key-1", endpoint, apiVersion: "2024-10-21", deployment: "my-realtime" })
    const rt = await OpenAIRealtimeWS.azure(azure)
    await rt.emitted("session.created")
    const other = await OpenAIRealtimeWS.azure(azure, { deploymentName: "other-deployment" })
    await other.emitted("session.created")
    rt.close()
    other.close()
    const [first, second] = server.connections as [Connection, Connection]
    expect(first.handshake.path).toBe("/openai/v1/realtime")
    expect(Object.fromEntries(first.handshake.query)).toEqual({ model: "my-realtime" })
    expect(first.handshake.headers["api-key"]).toBe("azure-key-1")
    expect(first.handshake.headers.authorization).toBeUndefined()
    expect(Object.fromEntries(second.handshake.query)).toEqual({ model: "other-deployment" })
  })

  it("Azure with a Microsoft Entra ID token provider: `Authorization: Bearer <token>`", async () => {
    const server = await realtimeServer()
    const azure = new AzureOpenAI({
      azureADTokenProvider: async () => "entra-token-1",
      endpoint: server.url.replace(/\/v1$/, ""),
      apiVersion: "2024-10-21"
    })
    const rt = await OpenAIRealtimeWS.azure(azure, { deploymentName: "dep" })
    await rt.emitted("session.created")
    rt.close()
    const { handshake: h } = await server.connection(1)
    expect(h.headers.authorization).toBe("Bearer entra-token-1")
    expect(h.headers["api-key"]).toBeUndefined()
  })

  it("an AzureOpenAI client given to the constructor: its `model` is the deployment; `create` is the constructor", async () => {
    const server = await realtimeServer()
    const azure = new AzureOpenAI({ apiKey: "azure-key-2", endpoint: server.url.replace(/\/v1$/, ""), apiVersion: "v1" })
    const rt = new OpenAIRealtimeWS({ model: "dep-a" }, azure)
    await rt.emitted("session.created")
    const created = await OpenAIRealtimeWS.create(clientFor(server), { model: "gpt-realtime" })
    expect(created).toBeInstanceOf(OpenAIRealtimeWS)
    await created.emitted("session.created")
    rt.close()
    created.close()
    const [first, second] = server.connections as [Connection, Connection]
    expect(first.handshake.path).toBe("/openai/v1/realtime")
    expect(Object.fromEntries(first.handshake.query)).toEqual({ model: "dep-a" })
    expect(first.handshake.headers["api-key"]).toBe("azure-key-2")
    expect(second.handshake.headers.authorization).toBe(`Bearer ${SECRET}`)
  })

  it("`OpenAIRealtimeWS.azure` without a deployment rejects, naming what is missing", async () => {
    const azure = new AzureOpenAI({ apiKey: "k", endpoint: "http://127.0.0.1:9", apiVersion: "2024-10-21" })
    await expect(OpenAIRealtimeWS.azure(azure)).rejects.toThrow(/No deployment/)
  })
})

describe("OpenAIRealtimeWebSocket", () => {
  /** Runs `f` with `ws`'s WebSocket as the global one (Node 20 has none), then restores it. */
  const withGlobalWebSocket = async <A>(f: () => Promise<A>): Promise<A> => {
    const saved = Object.getOwnPropertyDescriptor(globalThis, "WebSocket")
    Object.defineProperty(globalThis, "WebSocket", { value: NodeWebSocket, configurable: true, writable: true })
    try {
      return await f()
    } finally {
      if (saved === undefined) delete (globalThis as { WebSocket?: unknown }).WebSocket
      else Object.defineProperty(globalThis, "WebSocket", saved)
    }
  }

  it("sends the credentials as subprotocols (no headers), and delivers the events as OpenAIRealtimeWS does", async () =>
    withGlobalWebSocket(async () => {
      const server = await realtimeServer()
      const rt = track(new OpenAIRealtimeWebSocket({ model: "gpt-realtime" }, clientFor(server, { organization: "org-1", project: "proj-1" })))
      const heard = record(rt)
      rt.socket.addEventListener("open", () => rt.send({ type: "response.create" }))
      await rt.emitted("response.done")
      rt.close()
      await closed(rt)
      const { handshake: h } = await server.connection(1)
      expect(h.protocols).toEqual(["realtime", `openai-insecure-api-key.${SECRET}`, "openai-organization.org-1", "openai-project.proj-1"])
      expect(h.headers.authorization).toBeUndefined()
      expect(Object.fromEntries(h.query)).toEqual({ model: "gpt-realtime" })
      expect(heard).toEqual(["session.created", ...response, "close 1000 OK"])
    }))

  it.runIf(typeof globalThis.WebSocket === "function")("over the runtime's own WebSocket (Node 22+)", async () => {
    const server = await realtimeServer()
    const rt = track(new OpenAIRealtimeWebSocket({ model: "gpt-realtime" }, clientFor(server)))
    const heard = record(rt)
    rt.socket.addEventListener("open", () => rt.send({ type: "response.create" }))
    await rt.emitted("response.done")
    rt.close()
    await closed(rt)
    expect(rt.socket).toBeInstanceOf(globalThis.WebSocket)
    expect((await server.connection(1)).handshake.protocols).toEqual(["realtime", `openai-insecure-api-key.${SECRET}`])
    expect(heard).toEqual(["session.created", ...response, "close 1000 OK"])
  })

  it("in a browser: refused without consent; allowed with an ephemeral key or `dangerouslyAllowBrowser`", async () =>
    withGlobalWebSocket(async () => {
      const server = await realtimeServer()
      const secretClient = clientFor(server)
      const ephemeralClient = clientFor(server, { apiKey: "ek_ephemeral_1" })
      const opened = await asBrowser(() => {
        expect(() => new OpenAIRealtimeWebSocket({ model: "gpt-realtime" }, secretClient)).toThrow(OpenAIError)
        expect(() => new OpenAIRealtimeWebSocket({ model: "gpt-realtime" }, secretClient)).toThrow(/ephemeral client secret/)
        return [
          new OpenAIRealtimeWebSocket({ model: "gpt-realtime" }, ephemeralClient),
          new OpenAIRealtimeWebSocket({ model: "gpt-realtime", dangerouslyAllowBrowser: true }, secretClient)
        ]
      })
      for (const rt of opened) {
        await rt.emitted("session.created")
        rt.close()
      }
      expect(server.connections.map((c) => c.handshake.protocols[1])).toEqual([
        "openai-insecure-api-key.ek_ephemeral_1",
        `openai-insecure-api-key.${SECRET}`
      ])
    }))

  it("Azure is refused: its credentials need headers, which the runtime's WebSocket cannot send", async () => {
    const azure = new AzureOpenAI({ apiKey: "k", endpoint: "http://127.0.0.1:9", apiVersion: "2024-10-21", deployment: "d" })
    await expect(OpenAIRealtimeWebSocket.azure(azure)).rejects.toThrow(/OpenAIRealtimeWS\.azure/)
    expect(() => new OpenAIRealtimeWebSocket({ model: "d" }, azure)).toThrow(OpenAIError)
  })

  it("without a global WebSocket (Node 20): an OpenAIRealtimeError saying so, then `close`", async () => {
    const saved = Object.getOwnPropertyDescriptor(globalThis, "WebSocket")
    delete (globalThis as { WebSocket?: unknown }).WebSocket
    try {
      const server = await realtimeServer()
      const rt = track(new OpenAIRealtimeWebSocket({ model: "gpt-realtime" }, clientFor(server)))
      const error = await rt.emitted("error")
      expect(error.message).toMatch(/no global WebSocket/)
      expect((await closed(rt))[0]).toBe(1006)
    } finally {
      if (saved !== undefined) Object.defineProperty(globalThis, "WebSocket", saved)
    }
  })
})
