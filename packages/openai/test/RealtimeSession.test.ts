import * as Http from "node:http"
import { inspect } from "node:util"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Chunk, Effect, Fiber, Layer, Schedule, Stream } from "effect"
import { WebSocket } from "ws"
import * as AzureOpenAI from "../src/AzureOpenAI.js"
import * as NodeRealtime from "../src/node/NodeRealtime.js"
import * as OpenAI from "../src/OpenAI.js"
import * as OpenAIAuth from "../src/OpenAIAuth.js"
import type * as OpenAIClient from "../src/OpenAIClient.js"
import * as OpenAIError from "../src/OpenAIError.js"
import * as RealtimeSession from "../src/realtime/RealtimeSession.js"
import * as WorkloadIdentity from "../src/WorkloadIdentity.js"
import { eventually, type Options, serve, type Server } from "./support/realtimeServer.js"

const apiKey = "sk-realtime-test-key-123"
const model = "gpt-realtime"

const clientLayer = (server: Server, options: OpenAI.Options = {}): Layer.Layer<OpenAIClient.OpenAIClient> =>
  OpenAI.layer({ ...options, apiKey, baseURL: `${server.origin}/v1`, maxRetries: 0 })

const connectTo = (
  server: Server,
  options: RealtimeSession.ConnectOptions = { model },
  layer: Layer.Layer<OpenAIClient.OpenAIClient | RealtimeSession.RealtimeTransport> = Layer.merge(
    clientLayer(server),
    NodeRealtime.layer
  )
) => RealtimeSession.connect(options).pipe(Effect.provide(layer))

/** The session's events up to and including the first of `type`. */
const until = (session: RealtimeSession.Session, type: string) =>
  session.events.pipe(
    Stream.takeUntil((event) => event.type === type),
    Stream.runCollect,
    Effect.map(Chunk.toReadonlyArray)
  )

/** Every string a program could print or ship of an error. */
const renderings = (error: object): ReadonlyArray<string> => [String(error), JSON.stringify(error), inspect(error, { depth: 8 })]

/** The 16-bit samples of base64 PCM16, read with Node's Buffer (independently of the module under test). */
const samplesOf = (base64: string): Array<number> => {
  const bytes = Buffer.from(base64, "base64")
  return range(bytes.length / 2).map((i) => bytes.readInt16LE(i * 2))
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i)

describe("RealtimeSession", () => {
  describe("events", () => {
    it.scopedLive("session.update is answered by session.updated", () =>
      Effect.gen(function*() {
        const server = yield* serve()
        const session = yield* connectTo(server)
        yield* session.send({ type: "session.update", session: { type: "realtime", instructions: "Be brief." } })
        const events = yield* until(session, "session.updated")
        assert.deepStrictEqual(events.map((e) => e.type), ["session.created", "session.updated"])
        const updated = events[1]!
        assert.deepStrictEqual(updated.type === "session.updated" ? updated.session as unknown : undefined, {
          type: "realtime",
          instructions: "Be brief."
        })
        const connection = yield* server.connection(0)
        assert.deepStrictEqual(connection.received, [
          { type: "session.update", session: { type: "realtime", instructions: "Be brief." } }
        ])
      }))

    it.scopedLive("a text response arrives as output_text deltas; events narrow on type", () =>
      Effect.gen(function*() {
        const server = yield* serve({ text: "Bonjour tout le monde" })
        const session = yield* connectTo(server)
        yield* session.send({ type: "response.create", response: { output_modalities: ["text"] } })
        const events = yield* until(session, "response.done")
        const text = events.map((e) => (e.type === "response.output_text.delta" ? e.delta : "")).join("")
        assert.strictEqual(text, "Bonjour tout le monde")
        assert.strictEqual(events.filter((e) => e.type === "response.output_text.delta").length, 4)
      }))

    it.scopedLive("audio goes out as base64 PCM16 and comes back as deltas that decode to the samples", () =>
      Effect.gen(function*() {
        const samples = new Int16Array([0, 120, -120, 32767, -32768, 7, 8, 9, -10])
        const server = yield* serve({ audio: samples, audioChunks: 3 })
        const session = yield* connectTo(server)
        const input = new Float32Array([0, 0.5, -0.5, 1, -1, 2])
        yield* session.send({ type: "input_audio_buffer.append", audio: RealtimeSession.Audio.encodePcm16(input) })
        yield* session.send({ type: "input_audio_buffer.commit" })
        yield* until(session, "input_audio_buffer.committed")
        const connection = yield* server.connection(0)
        assert.deepStrictEqual(samplesOf(connection.received[0]!.audio as string), [0, 16384, -16384, 32767, -32768, 32767])

        yield* session.send({ type: "response.create", response: { output_modalities: ["audio"] } })
        const events = yield* until(session, "response.done")
        const deltas = events.flatMap((e) => (e.type === "response.output_audio.delta" ? [e.delta] : []))
        assert.strictEqual(deltas.length, 3)
        const decoded = deltas.flatMap((delta) => Array.from(RealtimeSession.Audio.decodePcm16(delta)))
        assert.deepStrictEqual(decoded, Array.from(samples))
        const bytes = RealtimeSession.Audio.decodeAudioDelta(deltas[0]!)
        assert.strictEqual(bytes.length, 6)
      }))

    it.scopedLive("an error event is an event, typed, and the session goes on; failOnServerError makes it a failure", () =>
      Effect.gen(function*() {
        const server = yield* serve()
        const session = yield* connectTo(server)
        yield* session.send({ type: "input_audio_buffer.commit", event_id: "evt_commit" })
        const events = yield* until(session, "error")
        const error = events.at(-1)!
        assert.strictEqual(error.type, "error")
        if (error.type === "error") {
          assert.strictEqual(error.error.code, "input_audio_buffer_commit_empty")
          assert.strictEqual(error.error.event_id, "evt_commit")
        }
        yield* session.send({ type: "session.update", session: { type: "realtime" } })
        assert.strictEqual((yield* until(session, "session.updated")).length, 1)

        yield* session.send({ type: "input_audio_buffer.commit", event_id: "evt_again" })
        const failure = yield* Effect.flip(Stream.runDrain(RealtimeSession.failOnServerError(session.events)))
        assert.strictEqual(failure._tag, "RealtimeServerError")
        if (failure._tag === "RealtimeServerError") {
          assert.strictEqual(failure.code, "input_audio_buffer_commit_empty")
          assert.strictEqual(failure.type, "invalid_request_error")
          assert.strictEqual(failure.eventId, "evt_again")
          assert.match(failure.message, /buffer too small/)
        }
      }))

    it.scopedLive("an event of an unknown type passes through unchanged", () =>
      Effect.gen(function*() {
        const server = yield* serve()
        const session = yield* connectTo(server)
        const connection = yield* server.connection(0)
        connection.send({ type: "conversation.future_thing", event_id: "event_x", detail: { n: 1 } })
        connection.send({ type: "rate_limits.updated", event_id: "event_y", rate_limits: [] })
        const events = yield* until(session, "rate_limits.updated")
        const unknown = events[1]!
        assert.deepStrictEqual(unknown as unknown, { type: "conversation.future_thing", event_id: "event_x", detail: { n: 1 } })
        assert.isTrue(RealtimeSession.isUnknownEvent(unknown))
        assert.isFalse(RealtimeSession.isUnknownEvent(events[0]!))
        assert.isFalse(RealtimeSession.isUnknownEvent(events[2]!))
      }))

    it.scopedLive("a frame that is not JSON is skipped by default, and ends the session with invalidMessage: fail", () =>
      Effect.gen(function*() {
        const server = yield* serve()
        const session = yield* connectTo(server)
        const connection = yield* server.connection(0)
        connection.send("this is not json")
        connection.send("[1, 2]")
        connection.sendBytes(new TextEncoder().encode(JSON.stringify({ type: "conversation.created", event_id: "e" })), true)
        connection.send({ type: "rate_limits.updated", rate_limits: [] })
        const events = yield* until(session, "rate_limits.updated")
        // a binary frame that holds a JSON event is read as one
        assert.deepStrictEqual(events.map((e) => e.type), ["session.created", "conversation.created", "rate_limits.updated"])

        const strict = yield* connectTo(server, { model, invalidMessage: "fail" })
        const second = yield* server.connection(1)
        second.send("{ broken")
        const error = yield* Effect.flip(Stream.runDrain(strict.events))
        assert.strictEqual(error._tag, "RealtimeInvalidMessageError")
        if (error._tag === "RealtimeInvalidMessageError") assert.strictEqual(error.data, "{ broken")
        yield* eventually(() => second.closed !== undefined, "the client to close")
        assert.strictEqual(second.closed!.code, 1000)
      }))

    it.scopedLive("session_expired: the error event, then RealtimeSessionExpiredError, and the socket closes", () =>
      Effect.gen(function*() {
        const server = yield* serve()
        const session = yield* connectTo(server)
        const connection = yield* server.connection(0)
        connection.send({
          type: "error",
          event_id: "event_exp",
          error: { type: "invalid_request_error", code: "session_expired", message: "Your session hit the maximum duration of 60 minutes." }
        })
        const seen: Array<string> = []
        const error = yield* Effect.flip(Stream.runForEach(session.events, (e) => Effect.sync(() => seen.push(e.type))))
        assert.deepStrictEqual(seen, ["session.created", "error"])
        assert.strictEqual(error._tag, "RealtimeSessionExpiredError")
        assert.match(error.message, /maximum duration of 60 minutes/)
        yield* eventually(() => connection.closed !== undefined, "the client to close")
        assert.strictEqual(connection.closed!.code, 1000)
      }))
  })

  describe("ends", () => {
    it.scopedLive("a server close fails events with RealtimeClosedError (code, reason); send then fails too", () =>
      Effect.gen(function*() {
        const server = yield* serve()
        const session = yield* connectTo(server)
        const connection = yield* server.connection(0)
        connection.close(4000, "server says bye")
        const error = yield* Effect.flip(Stream.runDrain(session.events))
        assert.strictEqual(error._tag, "RealtimeClosedError")
        if (error._tag === "RealtimeClosedError") {
          assert.strictEqual(error.code, 4000)
          assert.strictEqual(error.reason, "server says bye")
        }
        const sendError = yield* Effect.flip(session.send({ type: "response.cancel" }))
        assert.strictEqual(sendError._tag, "RealtimeClosedError")
        assert.strictEqual(sendError.code, 4000)
      }))

    it.scopedLive("a dropped connection without reconnect fails events with code 1006", () =>
      Effect.gen(function*() {
        const server = yield* serve()
        const session = yield* connectTo(server)
        const connection = yield* server.connection(0)
        yield* until(session, "session.created")
        connection.terminate()
        const error = yield* Effect.flip(Stream.runDrain(session.events))
        assert.strictEqual(error._tag, "RealtimeClosedError")
        if (error._tag === "RealtimeClosedError") assert.strictEqual(error.code, 1006)
        assert.strictEqual(server.connections.length, 1)
      }))

    it.scopedLive("a protocol error after the socket opened ends events with RealtimeClosedError 1006, saying why", () =>
      Effect.gen(function*() {
        const server = yield* serve()
        const session = yield* connectTo(server)
        const connection = yield* server.connection(0)
        connection.sendBytes(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), false) // a text frame that is not UTF-8
        const error = yield* Effect.flip(Stream.runDrain(session.events))
        assert.strictEqual(error._tag, "RealtimeClosedError")
        if (error._tag === "RealtimeClosedError") assert.strictEqual(error.code, 1006)
        assert.match(error.message, /Realtime connection lost: .*UTF-8/)
      }))

    it.scopedLive("a socket that does not open in time fails connect", () =>
      Effect.gen(function*() {
        const held: Array<import("node:stream").Duplex> = []
        const port = yield* Effect.acquireRelease(
          Effect.async<{ readonly server: Http.Server; readonly port: number }>((resume) => {
            const server = Http.createServer()
            server.on("upgrade", (_request, socket) => held.push(socket)) // never answered
            server.listen(0, "127.0.0.1", () => resume(Effect.succeed({ server, port: (server.address() as { port: number }).port })))
          }),
          ({ server }) =>
            Effect.async<void>((resume) => {
              for (const socket of held) socket.destroy()
              server.close(() => resume(Effect.void))
            })
        ).pipe(Effect.map(({ port }) => port))
        const error = yield* Effect.flip(
          RealtimeSession.connect({ model, openTimeout: "100 millis" }).pipe(
            Effect.provide(Layer.merge(OpenAI.layer({ apiKey, baseURL: `http://127.0.0.1:${port}/v1` }), NodeRealtime.layer))
          )
        )
        assert.strictEqual(error._tag, "RealtimeConnectError")
        assert.match(error.message, /did not open in time/)
        yield* eventually(() => held.every((socket) => socket.destroyed || socket.readableEnded), "the socket to be dropped")
      }))

    it.scopedLive("closing the scope closes the socket with 1000; close(code, reason) sends its own and ends events", () =>
      Effect.gen(function*() {
        const server = yield* serve()
        yield* Effect.scoped(connectTo(server))
        const first = yield* server.connection(0)
        yield* eventually(() => first.closed !== undefined, "the scope's close")
        assert.deepStrictEqual(first.closed, { code: 1000, reason: "" })

        const session = yield* connectTo(server)
        const second = yield* server.connection(1)
        yield* session.close(4100, "done here")
        assert.deepStrictEqual(second.closed, { code: 4100, reason: "done here" })
        const events = yield* Stream.runCollect(session.events)
        assert.deepStrictEqual(Chunk.toReadonlyArray(events).map((e) => e.type), ["session.created"])
        const sendError = yield* Effect.flip(session.send({ type: "response.cancel" }))
        assert.strictEqual(sendError.code, 4100)

        // a code a client may not send (1005 is reserved) is sent as 1000
        const third = yield* connectTo(server)
        yield* third.close(1005)
        assert.deepStrictEqual((yield* server.connection(2)).closed, { code: 1000, reason: "" })
      }))

    it.scopedLive("interrupting the consumer of events mid-session closes the socket with 1000", () =>
      Effect.gen(function*() {
        const server = yield* serve()
        const session = yield* connectTo(server)
        const connection = yield* server.connection(0)
        let seen = 0
        const consumer = yield* Effect.fork(Stream.runForEach(session.events, () => Effect.sync(() => seen++)))
        yield* session.send({ type: "response.create" })
        yield* eventually(() => seen > 3, "events to be consumed")
        yield* Fiber.interrupt(consumer)
        yield* eventually(() => connection.closed !== undefined, "the client to close")
        assert.deepStrictEqual(connection.closed, { code: 1000, reason: "" })
      }))
  })

  describe("reconnection", () => {
    it.scopedLive("reconnects after a drop: Reconnected, then the new session's events, with fresh credentials", () =>
      Effect.gen(function*() {
        const server = yield* serve()
        let issued = 0
        const layer = Layer.merge(
          OpenAI.layerWithAuth(
            OpenAIAuth.layerApiKeyProvider(Effect.sync(() => `key-${++issued}`)),
            { baseURL: `${server.origin}/v1`, maxRetries: 0 }
          ),
          NodeRealtime.layer
        )
        const session = yield* connectTo(server, { model, reconnect: Schedule.spaced("20 millis") }, layer)
        yield* until(session, "session.created")
        const first = yield* server.connection(0)
        first.terminate()
        const events = yield* until(session, "session.created")
        assert.strictEqual(events.length, 2)
        const reconnected = events[0]!
        assert.strictEqual(reconnected.type, "effect_openai.reconnected")
        if (reconnected.type === "effect_openai.reconnected") {
          assert.strictEqual(reconnected.attempt, 1)
          assert.strictEqual(reconnected.cause._tag, "RealtimeClosedError")
          assert.deepStrictEqual(reconnected.unsent, [])
        }
        const created = events[1]!
        assert.strictEqual(created.type === "session.created" ? created.session.id : undefined, "sess_2")

        yield* session.send({ type: "session.update", session: { type: "realtime" } })
        yield* until(session, "session.updated")
        const second = yield* server.connection(1)
        assert.deepStrictEqual(second.received.map((e) => e.type), ["session.update"])
        assert.deepStrictEqual(
          server.connections.map((c) => c.handshake.headers.authorization),
          ["Bearer key-1", "Bearer key-2"]
        )
        assert.strictEqual(second.handshake.query.get("model"), model)
      }))

    it.scopedLive("events sent while reconnecting are handed back in Reconnected.unsent, not sent to the new session", () =>
      Effect.gen(function*() {
        const server = yield* serve()
        const session = yield* connectTo(server, { model, reconnect: Schedule.spaced("200 millis") })
        yield* until(session, "session.created")
        const first = yield* server.connection(0)
        first.terminate()
        yield* eventually(() => first.closed !== undefined, "the drop")
        yield* session.send({ type: "input_audio_buffer.clear", event_id: "during_outage" })
        const events = yield* until(session, "session.created")
        const reconnected = events[0]!
        assert.strictEqual(reconnected.type, "effect_openai.reconnected")
        if (reconnected.type === "effect_openai.reconnected") {
          assert.deepStrictEqual(reconnected.unsent, [{ type: "input_audio_buffer.clear", event_id: "during_outage" }])
        }
        const second = yield* server.connection(1)
        yield* session.send({ type: "input_audio_buffer.commit", event_id: "after" })
        yield* until(session, "error")
        assert.deepStrictEqual(second.received.map((e) => e.event_id), ["after"])
        assert.deepStrictEqual(first.received, [])
      }))

    it.scopedLive("no reconnection after a normal or an authentication close, nor after a refused upgrade", () =>
      Effect.gen(function*() {
        const server = yield* serve({ refuse: (index) => (index === 3 ? 401 : undefined) })
        const reconnect = Schedule.spaced("10 millis")

        const normal = yield* connectTo(server, { model, reconnect })
        ;(yield* server.connection(0)).close(1000, "")
        const normalEnd = yield* Effect.flip(Stream.runDrain(normal.events))
        assert.strictEqual(normalEnd._tag === "RealtimeClosedError" ? normalEnd.code : 0, 1000)

        const auth = yield* connectTo(server, { model, reconnect })
        ;(yield* server.connection(1)).close(4001, "invalid token")
        const authEnd = yield* Effect.flip(Stream.runDrain(auth.events))
        assert.strictEqual(authEnd._tag === "RealtimeClosedError" ? authEnd.code : 0, 4001)
        assert.isFalse(RealtimeSession.isReconnectable(authEnd))

        const refused = yield* connectTo(server, { model, reconnect })
        ;(yield* server.connection(2)).terminate()
        const refusedEnd = yield* Effect.flip(Stream.runDrain(refused.events))
        assert.strictEqual(refusedEnd._tag, "RealtimeConnectError")
        if (refusedEnd._tag === "RealtimeConnectError") assert.strictEqual(refusedEnd.status, 401)

        assert.strictEqual(server.connections.length, 3)
        assert.strictEqual(server.refused.length, 1)
      }))

    it.scopedLive("the schedule bounds the attempts", () =>
      Effect.gen(function*() {
        const server = yield* serve({ refuse: (index) => (index >= 1 ? 503 : undefined) })
        const session = yield* connectTo(server, { model, reconnect: Schedule.recurs(2) })
        ;(yield* server.connection(0)).terminate()
        const error = yield* Effect.flip(Stream.runDrain(session.events))
        assert.strictEqual(error._tag, "RealtimeConnectError")
        if (error._tag === "RealtimeConnectError") assert.strictEqual(error.status, 503)
        assert.strictEqual(server.refused.length, 2)
      }))
  })

  describe("backpressure", () => {
    it.scopedLive("send waits while a slow server does not read; the queue and the socket's buffer stay bounded", () =>
      Effect.gen(function*() {
        const server = yield* serve()
        const maxBytes = 256 * 1024
        const session = yield* connectTo(server, { model, outbound: { capacity: 8, maxBytes } })
        const connection = yield* server.connection(0)
        connection.pauseReading()
        const audio = "A".repeat(64 * 1024)
        const total = 800 // 52 MB: more than the kernel's buffers take
        let sent = 0
        const sender = yield* Effect.fork(Effect.forEach(
          range(total),
          (i) => Effect.tap(session.send({ type: "input_audio_buffer.append", audio, event_id: `evt_${i}` }), () => sent++),
          { discard: true }
        ))
        // stalled: no progress over 300 ms
        let last = -1
        let still = 0
        yield* eventually(() => {
          still = sent === last ? still + 10 : 0
          last = sent
          return still >= 300 && sent > 0
        }, "sending to stall")
        assert.isBelow(sent, total)
        const socket = session.socket as WebSocket
        assert.instanceOf(socket, WebSocket)
        assert.isAtMost(socket.bufferedAmount, maxBytes + audio.length + 100)

        connection.resumeReading()
        yield* Fiber.join(sender)
        yield* eventually(() => connection.received.length === total, "every event to arrive")
        assert.deepStrictEqual(connection.received.map((e) => e.event_id), range(total).map((i) => `evt_${i}`))
      }), 30_000)

    it.scopedLive("an event larger than the byte budget is let through (alone), not stuck", () =>
      Effect.gen(function*() {
        const server = yield* serve()
        const session = yield* connectTo(server, { model, outbound: { capacity: 2, maxBytes: 1024 } })
        const audio = "B".repeat(4096)
        yield* Effect.forEach(range(5), () => session.send({ type: "input_audio_buffer.append", audio }), { discard: true })
        const connection = yield* server.connection(0)
        yield* eventually(() => connection.received.length === 5, "the five events")
      }))
  })

  describe("authentication and URL", () => {
    it.scopedLive("an API key: bearer header, organization and project, the base URL's /realtime as ws", () =>
      Effect.gen(function*() {
        const server = yield* serve()
        yield* connectTo(
          server,
          { model },
          Layer.merge(clientLayer(server, { organization: "org-1", project: "proj-1" }), NodeRealtime.layer)
        )
        const { headers, path, protocols, query } = (yield* server.connection(0)).handshake
        assert.strictEqual(path, "/v1/realtime")
        assert.strictEqual(query.get("model"), model)
        assert.strictEqual(headers.authorization, `Bearer ${apiKey}`)
        assert.strictEqual(headers["openai-organization"], "org-1")
        assert.strictEqual(headers["openai-project"], "proj-1")
        assert.match(headers["user-agent"]!, /^effect-openai\//)
        assert.strictEqual(headers["openai-beta"], undefined)
        assert.deepStrictEqual(protocols, [])
      }))

    it.scopedLive("callId and a URL override", () =>
      Effect.gen(function*() {
        const server = yield* serve()
        yield* connectTo(server, { callId: "rtc_123" })
        const sideband = (yield* server.connection(0)).handshake
        assert.strictEqual(sideband.path, "/v1/realtime")
        assert.strictEqual(sideband.query.get("call_id"), "rtc_123")
        assert.isFalse(sideband.query.has("model"))

        yield* connectTo(server, { url: `${server.origin.replace("http", "ws")}/proxy/rt?tenant=a`, model })
        const proxied = (yield* server.connection(1)).handshake
        assert.strictEqual(proxied.path, "/proxy/rt")
        assert.strictEqual(proxied.query.toString(), `tenant=a&model=${model}`)
        assert.strictEqual(proxied.headers.authorization, `Bearer ${apiKey}`)
      }))

    it.scopedLive("workload identity: the exchanged token as the bearer", () =>
      Effect.gen(function*() {
        const exchanges: Array<string> = []
        const options: Options = {
          http: (request, body, response) => {
            if (request.url !== "/oauth/token") return false
            exchanges.push(body)
            response.writeHead(200, { "content-type": "application/json" })
            response.end(JSON.stringify({
              access_token: "at-realtime-1",
              issued_token_type: "urn:ietf:params:oauth:token-type:access_token",
              token_type: "Bearer",
              expires_in: 3600
            }))
            return true
          }
        }
        const server = yield* serve(options)
        const layer = Layer.merge(
          OpenAI.layerWithAuth(
            OpenAIAuth.layerWorkloadIdentity({
              identityProviderId: "idp-1",
              serviceAccountId: "sa-1",
              provider: WorkloadIdentity.custom({ tokenType: "jwt", getToken: Effect.succeed("subject-jwt") }),
              tokenURL: `${server.origin}/oauth/token`
            }),
            { baseURL: `${server.origin}/v1`, maxRetries: 0 }
          ),
          NodeRealtime.layer
        )
        yield* connectTo(server, { model }, layer)
        assert.strictEqual((yield* server.connection(0)).handshake.headers.authorization, "Bearer at-realtime-1")
        assert.strictEqual(exchanges.length, 1)
        assert.strictEqual((JSON.parse(exchanges[0]!) as { subject_token: string }).subject_token, "subject-jwt")
      }))

    it.scopedLive("workload identity: a token refused at the upgrade (401) is renewed and tried once more", () =>
      Effect.gen(function*() {
        let issued = 0
        const server = yield* serve({
          refuse: (_, handshake) => (handshake.headers.authorization === "Bearer at-1" ? 401 : undefined),
          http: (request, _body, response) => {
            if (request.url !== "/oauth/token") return false
            response.writeHead(200, { "content-type": "application/json" })
            response.end(JSON.stringify({
              access_token: `at-${++issued}`,
              issued_token_type: "urn:ietf:params:oauth:token-type:access_token",
              token_type: "Bearer",
              expires_in: 3600
            }))
            return true
          }
        })
        const layer = Layer.merge(
          OpenAI.layerWithAuth(
            OpenAIAuth.layerWorkloadIdentity({
              identityProviderId: "idp-1",
              serviceAccountId: "sa-1",
              provider: WorkloadIdentity.custom({ tokenType: "jwt", getToken: Effect.succeed("subject-jwt") }),
              tokenURL: `${server.origin}/oauth/token`
            }),
            { baseURL: `${server.origin}/v1`, maxRetries: 0 }
          ),
          NodeRealtime.layer
        )
        yield* connectTo(server, { model }, layer)
        assert.deepStrictEqual(server.refused.map((h) => h.headers.authorization), ["Bearer at-1"])
        assert.strictEqual((yield* server.connection(0)).handshake.headers.authorization, "Bearer at-2")
        assert.strictEqual(issued, 2)
      }))

    it.scopedLive("credentials that cannot be had fail connect with RealtimeConnectError, their error as cause", () =>
      Effect.gen(function*() {
        const server = yield* serve()
        const layer = Layer.merge(
          OpenAI.layerWithAuth(
            OpenAIAuth.layerApiKeyProvider(Effect.fail(new OpenAIError.InvalidInputError({ message: "vault is sealed" }))),
            { baseURL: `${server.origin}/v1` }
          ),
          NodeRealtime.layer
        )
        const error = yield* Effect.flip(connectTo(server, { model }, layer))
        assert.strictEqual(error._tag, "RealtimeConnectError")
        assert.match(error.message, /vault is sealed/)
        assert.strictEqual((error.cause as OpenAIError.InvalidInputError)._tag, "InvalidInputError")
        assert.strictEqual(server.connections.length + server.refused.length, 0)
      }))

    it.scopedLive("Azure: the api-key header, the v1 URL by default, the versioned URL with an api-version", () =>
      Effect.gen(function*() {
        const server = yield* serve()
        const azure = (apiVersion?: string) =>
          Layer.merge(
            AzureOpenAI.layer({ endpoint: server.origin, apiKey: "azure-key-1", maxRetries: 0, ...(apiVersion ? { apiVersion } : {}) }),
            NodeRealtime.layer
          )
        yield* connectTo(server, { azure: { deployment: "my-realtime" } }, azure())
        const v1 = (yield* server.connection(0)).handshake
        assert.strictEqual(v1.path, "/openai/v1/realtime")
        assert.strictEqual(v1.query.toString(), "model=my-realtime")
        assert.strictEqual(v1.headers["api-key"], "azure-key-1")
        assert.strictEqual(v1.headers.authorization, undefined)

        yield* connectTo(server, { azure: { deployment: "my-realtime" } }, azure("2025-04-01-preview"))
        const versioned = (yield* server.connection(1)).handshake
        assert.strictEqual(versioned.path, "/openai/realtime")
        assert.strictEqual(versioned.query.get("api-version"), "2025-04-01-preview")
        assert.strictEqual(versioned.query.get("deployment"), "my-realtime")
        assert.strictEqual(versioned.headers["api-key"], "azure-key-1")

        yield* connectTo(server, { azure: { deployment: "d2", apiVersion: "2024-10-01-preview" } }, azure())
        const explicit = (yield* server.connection(2)).handshake
        assert.strictEqual(explicit.path, "/openai/realtime")
        assert.strictEqual(explicit.query.toString(), "api-version=2024-10-01-preview&deployment=d2")
      }))

    it.scopedLive("layerGlobalWebSocket: the key as subprotocols, no headers; Azure refused", () =>
      Effect.gen(function*() {
        const server = yield* serve()
        const global = globalThis as { WebSocket?: unknown }
        const saved = global.WebSocket
        if (saved === undefined) {
          // Node 20 has no global WebSocket: `ws` stands in for it
          global.WebSocket = WebSocket
          yield* Effect.addFinalizer(() => Effect.sync(() => delete global.WebSocket))
        }
        yield* connectTo(
          server,
          { model },
          Layer.merge(clientLayer(server, { organization: "org-9", project: "proj-9" }), RealtimeSession.layerGlobalWebSocket)
        )
        const { headers, protocols } = (yield* server.connection(0)).handshake
        assert.deepStrictEqual(protocols, [
          "realtime",
          `openai-insecure-api-key.${apiKey}`,
          "openai-organization.org-9",
          "openai-project.proj-9"
        ])
        assert.strictEqual(headers.authorization, undefined)

        const error = yield* Effect.flip(connectTo(
          server,
          { azure: { deployment: "d" } },
          Layer.merge(AzureOpenAI.layer({ endpoint: server.origin, apiKey: "azure-key-1" }), RealtimeSession.layerGlobalWebSocket)
        ))
        assert.strictEqual(error._tag, "RealtimeConnectError")
        assert.match(error.message, /handshake headers/)
        assert.strictEqual(server.connections.length, 1)
      }))

    it.scopedLive("a refused upgrade fails connect with its status; the error holds no credential", () =>
      Effect.gen(function*() {
        const server = yield* serve({ refuse: () => 401 })
        const error = yield* Effect.flip(connectTo(server))
        assert.strictEqual(error._tag, "RealtimeConnectError")
        assert.strictEqual(error.status, 401)
        assert.strictEqual(error.url, `${server.origin.replace("http", "ws")}/v1/realtime`)
        assert.match(error.message, /refused: HTTP 401/)
        assert.strictEqual(server.refused.length, 1) // a static key is not tried again
        for (const text of renderings(error)) assert.notInclude(text, apiKey)
        assert.isFalse(RealtimeSession.isReconnectable(error))
      }))

    it.scopedLive("nothing listening fails connect without a status", () =>
      Effect.gen(function*() {
        const closed = yield* Effect.async<number>((resume) => {
          const http = Http.createServer()
          http.listen(0, "127.0.0.1", () => {
            const port = (http.address() as { port: number }).port
            http.close(() => resume(Effect.succeed(port)))
          })
        })
        const error = yield* Effect.flip(
          RealtimeSession.connect({ model }).pipe(
            Effect.provide(Layer.merge(OpenAI.layer({ apiKey, baseURL: `http://127.0.0.1:${closed}/v1` }), NodeRealtime.layer))
          )
        )
        assert.strictEqual(error._tag, "RealtimeConnectError")
        assert.strictEqual(error.status, undefined)
        assert.isTrue(RealtimeSession.isReconnectable(error))
      }))
  })

  describe("Audio", () => {
    it("encodes Int16 samples, float samples (clamped) and bytes as base64 PCM16 little-endian", () => {
      const int16 = RealtimeSession.Audio.encodePcm16(new Int16Array([1, -2, 256]))
      assert.deepStrictEqual(Array.from(Buffer.from(int16, "base64")), [1, 0, 254, 255, 0, 1])
      const floats = RealtimeSession.Audio.encodePcm16(new Float32Array([1.5, -2, 0.25]))
      assert.deepStrictEqual(samplesOf(floats), [32767, -32768, 8192])
      const bytes = new Uint8Array([9, 8, 7, 6])
      assert.strictEqual(RealtimeSession.Audio.encodePcm16(bytes), Buffer.from(bytes).toString("base64"))
    })

    it("decodes deltas to bytes and samples, and refuses text that is not base64", () => {
      const base64 = Buffer.from(new Uint8Array([1, 0, 255, 255, 0, 128])).toString("base64")
      assert.deepStrictEqual(Array.from(RealtimeSession.Audio.decodeAudioDelta(base64)), [1, 0, 255, 255, 0, 128])
      assert.deepStrictEqual(Array.from(RealtimeSession.Audio.decodePcm16(base64)), [1, -1, -32768])
      assert.deepStrictEqual(Array.from(RealtimeSession.Audio.toFloat32(new Int16Array([-32768, 16384]))), [-1, 0.5])
      assert.throws(() => RealtimeSession.Audio.decodeAudioDelta("not base64!"), RangeError)
    })
  })

  it.effect("outbound bounds must be positive integers", () =>
    Effect.gen(function*() {
      const layer = Layer.merge(OpenAI.layer({ apiKey, baseURL: "http://127.0.0.1:9/v1" }), NodeRealtime.layer)
      const exit = yield* Effect.exit(Effect.scoped(RealtimeSession.connect({ outbound: { capacity: 0 } }).pipe(Effect.provide(layer))))
      assert.isTrue(exit._tag === "Failure" && Cause.isDie(exit.cause))
      assert.match(String(exit), /outbound.capacity must be a positive integer/)
    }))

  it("isReconnectable follows the close code and the upgrade status", () => {
    const closed = (code: number) => new OpenAIError.RealtimeClosedError({ message: "", code, reason: "" })
    const refused = (status: number | undefined) => new OpenAIError.RealtimeConnectError({ message: "", url: "", status })
    assert.isTrue(OpenAIError.isRealtimeError(closed(1000)))
    assert.isFalse(OpenAIError.isOpenAIError(closed(1000))) // beside the union of request errors, not in it
    assert.deepStrictEqual([1000, 1001, 1006, 1008, 1011, 4001, 4003].map((c) => RealtimeSession.isReconnectable(closed(c))), [
      false,
      true,
      true,
      false,
      true,
      false,
      false
    ])
    assert.deepStrictEqual([undefined, 401, 403, 404, 408, 429, 500, 503].map((s) => RealtimeSession.isReconnectable(refused(s))), [
      true,
      false,
      false,
      false,
      true,
      true,
      true,
      true
    ])
  })
})
