/**
 * `ResponseStream.resumable` over a loopback server and the real transport: a background response whose
 * connections are cut (socket destroyed mid-stream, or silent until the idle timeout) and resumed with
 * `starting_after`, repeats dropped, a refusal to stream again, interruption during a reconnect wait, and a
 * schedule that runs out.
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, Chunk, Deferred, Effect, Exit, Fiber, Layer, Schedule, Stream } from "effect"
import type * as Scope from "effect/Scope"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import * as OpenAI from "../src/OpenAI.js"
import type * as OpenAIError from "../src/OpenAIError.js"
import * as ResponseStream from "../src/helpers/ResponseStream.js"
import { collectLogs } from "./utils.js"

// -----------------------------------------------------------------------------
// a background response, served in pieces
// -----------------------------------------------------------------------------

const RESPONSE_ID = "resp_bg_1"

const response = (status: string, output: ReadonlyArray<unknown> = []) => ({
  id: RESPONSE_ID,
  object: "response",
  created_at: 1,
  status,
  background: true,
  model: "gpt-test",
  output
})

const words = ["Once", " upon", " a", " time", " there", " was", " a", " stream"]
const text = words.join("")
const message = (status: string, content: string) => ({
  id: "msg_1",
  type: "message",
  role: "assistant",
  status,
  content: [{ type: "output_text", text: content, annotations: [], logprobs: [] }]
})

/** Every event of the response, `sequence_number` 0 to 15, ending at `response.completed`. */
const allEvents: ReadonlyArray<Record<string, unknown> & { readonly sequence_number: number; readonly type: string }> =
  (() => {
    const at = { item_id: "msg_1", output_index: 0, content_index: 0 }
    const list: Array<Record<string, unknown>> = [
      { type: "response.created", response: response("queued") },
      { type: "response.in_progress", response: response("in_progress") },
      { type: "response.output_item.added", output_index: 0, item: { ...message("in_progress", ""), content: [] } },
      { type: "response.content_part.added", ...at, part: { type: "output_text", text: "", annotations: [] } },
      ...words.map((delta) => ({ type: "response.output_text.delta", ...at, delta, logprobs: [] })),
      { type: "response.output_text.done", ...at, text, logprobs: [] },
      { type: "response.content_part.done", ...at, part: { type: "output_text", text, annotations: [] } },
      { type: "response.output_item.done", output_index: 0, item: message("completed", text) },
      { type: "response.completed", response: response("completed", [message("completed", text)]) }
    ]
    return list.map((event, sequence_number) => ({ ...event, sequence_number })) as never
  })()

const LAST = allEvents.length - 1

/** Events `from` to `to`, both included. */
const range = (from: number, to: number = LAST) => allEvents.slice(from, to + 1)

const frame = (event: unknown): string => `event: ${(event as { type: string }).type}\ndata: ${JSON.stringify(event)}\n\n`

/** One request as the server saw it. */
interface Received {
  readonly method: string
  readonly path: string
  readonly query: URLSearchParams
  readonly json: any
  /** Resolves when the response is over; `finished` false when its connection was closed first. */
  readonly closed: Promise<{ readonly finished: boolean }>
}

type Handler = (req: Received, res: Http.ServerResponse, index: number) => void

interface Server {
  readonly url: string
  readonly requests: Array<Received>
}

/** A server for one test, closed with its scope; past 12 requests it answers 400, so a loop fails fast. */
const loopback = (handler: Handler): Effect.Effect<Server, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<{ readonly server: Http.Server; readonly state: Server }>((resume) => {
      const requests: Array<Received> = []
      const server = Http.createServer((req, res) => {
        const parts: Array<Buffer> = []
        req.on("data", (c: Buffer) => parts.push(c))
        req.on("end", () => {
          const url = new URL(req.url ?? "/", "http://loopback")
          const text = Buffer.concat(parts).toString("utf8")
          const received: Received = {
            method: req.method ?? "",
            path: url.pathname,
            query: url.searchParams,
            json: text === "" ? undefined : JSON.parse(text),
            closed: new Promise((done) => res.on("close", () => done({ finished: res.writableFinished })))
          }
          const index = requests.push(received) - 1
          if (index >= 12) {
            res.writeHead(400, { "content-type": "application/json" })
            res.end(JSON.stringify({ error: { message: "loopback: past the request cap", param: "cap" } }))
          } else handler(received, res, index)
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed({ server, state: { url: `http://127.0.0.1:${port}/v1`, requests } }))
      })
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map(({ state }) => state))

const head = (res: Http.ServerResponse): void => {
  res.writeHead(200, { "content-type": "text/event-stream", "x-request-id": "req_1" })
  res.flushHeaders()
}

/** Sends `events`, then cuts the connection once they are written (no end of the chunked body). */
const sendThenCut = (res: Http.ServerResponse, events: ReadonlyArray<unknown>): void => {
  head(res)
  res.write(events.map(frame).join(""), () => res.socket?.destroy())
}

/** Sends `events`, then nothing more, keeping the connection open. */
const sendThenStall = (res: Http.ServerResponse, events: ReadonlyArray<unknown>): void => {
  head(res)
  res.write(events.map(frame).join(""))
}

const sendAll = (res: Http.ServerResponse, events: ReadonlyArray<unknown>): void => {
  head(res)
  res.end(events.map(frame).join(""))
}

const badRequest = (res: Http.ServerResponse, error: Record<string, unknown>): void => {
  res.writeHead(400, { "content-type": "application/json", "x-request-id": "req_400" })
  res.end(JSON.stringify({ error: { type: "invalid_request_error", code: null, ...error } }))
}

const notBackground = {
  message: "This response cannot be streamed because it was not created with background=true.",
  param: "stream",
  code: "invalid_request_error"
}

const client = (server: Server, logLevel: "off" | "info" = "off") =>
  OpenAI.layer({ apiKey: "sk-test", baseURL: server.url, maxRetries: 0, logLevel })

const params = { model: "gpt-test", input: "Tell me a story" }

/** The sequence numbers of what the consumer received. */
const sequences = (events: Chunk.Chunk<ResponseStream.Event>): Array<unknown> =>
  Chunk.toArray(events).map((e) => (e as { sequence_number?: unknown }).sequence_number)

const failureOf = <A, E>(exit: Exit.Exit<A, E>): E => {
  assert.isTrue(Exit.isFailure(exit), "expected the stream to fail")
  const failure = Cause.failureOption((exit as Exit.Failure<A, E>).cause)
  assert.strictEqual(failure._tag, "Some", `expected a typed failure, got ${Cause.pretty((exit as Exit.Failure<A, E>).cause)}`)
  return (failure as { value: E }).value
}

// -----------------------------------------------------------------------------
// tests
// -----------------------------------------------------------------------------

describe("ResponseStream.resumable", () => {
  it.scopedLive("resumes twice after the socket is cut: every event once, in order, ending at response.completed", () =>
    Effect.gen(function*() {
      const server = yield* loopback((_req, res, index) => {
        if (index === 0) sendThenCut(res, range(0, 5))
        // replays three events already delivered, then goes on, then is cut again
        else if (index === 1) sendThenCut(res, range(3, 10))
        else if (index === 2) sendAll(res, range(9))
        else badRequest(res, { message: "unexpected", param: "test" })
      })
      const reconnects: Array<ResponseStream.Reconnect> = []
      const events = yield* ResponseStream.resumable(params, {
        onReconnect: (r) => Effect.sync(() => void reconnects.push(r))
      }).pipe(Stream.runCollect, Effect.provide(client(server)))

      assert.deepStrictEqual(sequences(events), allEvents.map((e) => e.sequence_number))
      assert.strictEqual(Chunk.unsafeLast(events).type, "response.completed")
      const final = yield* ResponseStream.finalResponse(Stream.fromChunk(events))
      assert.strictEqual(final.output_text, text)

      const [create, first, second] = server.requests
      assert.strictEqual(server.requests.length, 3)
      assert.strictEqual(create!.method, "POST")
      assert.strictEqual(create!.path, "/v1/responses")
      assert.strictEqual(create!.json.background, true)
      assert.strictEqual(create!.json.stream, true)
      for (const [request, after] of [[first!, "5"], [second!, "10"]] as const) {
        assert.strictEqual(request.method, "GET")
        assert.strictEqual(request.path, `/v1/responses/${RESPONSE_ID}`)
        assert.strictEqual(request.query.get("stream"), "true")
        assert.strictEqual(request.query.get("starting_after"), after)
      }
      // progress in between restarts the count: each reconnection is the first in a row
      assert.deepStrictEqual(
        reconnects.map((r) => [r.responseId, r.startingAfter, r.attempt, r.error._tag]),
        [[RESPONSE_ID, 5, 1, "APIConnectionError"], [RESPONSE_ID, 10, 1, "APIConnectionError"]]
      )
    }))

  it.scopedLive("a connection that goes silent is given up at the idle timeout and resumed", () =>
    Effect.gen(function*() {
      const server = yield* loopback((_req, res, index) => {
        if (index === 0) sendThenStall(res, range(0, 2))
        else sendAll(res, range(3))
      })
      const reconnects: Array<ResponseStream.Reconnect> = []
      const events = yield* ResponseStream.resumable(params, {
        streamIdleTimeout: "150 millis",
        onReconnect: (r) => Effect.sync(() => void reconnects.push(r))
      }).pipe(Stream.runCollect, Effect.provide(client(server)))

      assert.deepStrictEqual(sequences(events), allEvents.map((e) => e.sequence_number))
      assert.strictEqual(server.requests[1]!.query.get("starting_after"), "2")
      assert.strictEqual(reconnects.length, 1)
      const error = reconnects[0]!.error
      assert.strictEqual(error._tag, "APIConnectionTimeoutError")
      assert.strictEqual((error as OpenAIError.APIConnectionTimeoutError).phase, "idle")
      // the stalled connection was closed by the client, not left open
      assert.deepStrictEqual(yield* Effect.promise(() => server.requests[0]!.closed), { finished: false })
    }))

  it.scopedLive("after progress the schedule starts over: two drops under a schedule of one reconnection", () =>
    Effect.gen(function*() {
      const server = yield* loopback((_req, res, index) => {
        if (index === 0) sendThenCut(res, range(0, 4))
        else if (index === 1) sendThenCut(res, range(5, 8))
        else sendAll(res, range(9))
      })
      const events = yield* ResponseStream.resumable(params, { reconnect: Schedule.recurs(1) }).pipe(
        Stream.runCollect,
        Effect.provide(client(server))
      )
      assert.deepStrictEqual(sequences(events), allEvents.map((e) => e.sequence_number))
      assert.strictEqual(server.requests.length, 3)
    }))

  it.scopedLive("attaches to an existing response after a sequence number", () =>
    Effect.gen(function*() {
      const server = yield* loopback((_req, res) => sendAll(res, range(4)))
      const events = yield* ResponseStream.resumable({ responseId: RESPONSE_ID, startingAfter: 3 }).pipe(
        Stream.runCollect,
        Effect.provide(client(server))
      )
      assert.deepStrictEqual(sequences(events), range(4).map((e) => e.sequence_number))
      const [request] = server.requests
      assert.strictEqual(request!.method, "GET")
      assert.strictEqual(request!.path, `/v1/responses/${RESPONSE_ID}`)
      assert.strictEqual(request!.query.get("stream"), "true")
      assert.strictEqual(request!.query.get("starting_after"), "3")
    }))

  it.scopedLive("a 400 to the resume (not a background response) is ResumeNotAvailableError with the API's error", () =>
    Effect.gen(function*() {
      const server = yield* loopback((_req, res, index) => {
        if (index === 0) sendThenCut(res, range(0, 1))
        else badRequest(res, notBackground)
      })
      const delivered: Array<unknown> = []
      const exit = yield* ResponseStream.resumable(params, { reconnect: Schedule.recurs(3) }).pipe(
        Stream.runForEach((e) => Effect.sync(() => void delivered.push(e.sequence_number))),
        Effect.provide(client(server)),
        Effect.exit
      )
      const error = failureOf(exit)
      assert.strictEqual(error._tag, "ResumeNotAvailableError")
      if (error._tag !== "ResumeNotAvailableError") return
      assert.strictEqual(error.responseId, RESPONSE_ID)
      assert.strictEqual(error.startingAfter, 1)
      assert.strictEqual(error.cause._tag, "BadRequestError")
      assert.strictEqual(error.cause.status, 400)
      assert.strictEqual(error.cause.error?.param, "stream")
      assert.strictEqual(error.cause.requestId, "req_400")
      assert.include(error.message, "not created with background=true")
      assert.deepStrictEqual(delivered, [0, 1])
      // a refusal is not retried
      assert.strictEqual(server.requests.length, 2)
    }))

  it.scopedLive("attaching to a response that cannot stream is ResumeNotAvailableError; a 400 about include is not", () =>
    Effect.gen(function*() {
      const server = yield* loopback((req, res) => {
        if (req.query.has("include[]") || req.query.has("include")) {
          badRequest(res, { message: "Invalid value for include", param: "include" })
        } else badRequest(res, notBackground)
      })
      const refused = failureOf(
        yield* ResponseStream.resumable({ responseId: "resp_fg" }).pipe(Stream.runDrain, Effect.provide(client(server)), Effect.exit)
      )
      assert.strictEqual(refused._tag, "ResumeNotAvailableError")
      assert.strictEqual((refused as OpenAIError.ResumeNotAvailableError).startingAfter, undefined)
      assert.isFalse(server.requests[0]!.query.has("starting_after"))

      const other = failureOf(
        yield* ResponseStream.resumable({ responseId: "resp_fg", include: ["reasoning.encrypted_content"] }).pipe(
          Stream.runDrain,
          Effect.provide(client(server)),
          Effect.exit
        )
      )
      assert.strictEqual(other._tag, "BadRequestError")
    }))

  it.scopedLive("an error event on a resumed connection fails the stream with StreamError", () =>
    Effect.gen(function*() {
      const server = yield* loopback((_req, res, index) => {
        if (index === 0) sendThenCut(res, range(0, 2))
        else sendAll(res, [{ type: "error", sequence_number: 3, code: "server_error", message: "boom", param: null }])
      })
      const error = failureOf(
        yield* ResponseStream.resumable(params).pipe(Stream.runDrain, Effect.provide(client(server)), Effect.exit)
      )
      assert.strictEqual(error._tag, "StreamError")
      assert.strictEqual((error as OpenAIError.StreamError).code, "server_error")
      assert.strictEqual(server.requests.length, 2)
    }))

  it.scopedLive("interrupting the consumer during a reconnect wait stops reconnecting and cancels nothing", () =>
    Effect.gen(function*() {
      const server = yield* loopback((_req, res) => sendThenCut(res, range(0, 3)))
      const waiting = yield* Deferred.make<ResponseStream.Reconnect>()
      const fiber = yield* ResponseStream.resumable(params, {
        reconnect: Schedule.spaced("1 hour"),
        onReconnect: (r) => Deferred.succeed(waiting, r)
      }).pipe(Stream.runDrain, Effect.provide(client(server)), Effect.fork)

      const reconnect = yield* Deferred.await(waiting)
      assert.strictEqual(reconnect.startingAfter, 3)
      yield* Fiber.interrupt(fiber).pipe(Effect.timeoutFail({ duration: "2 seconds", onTimeout: () => "interrupt hung" }))
      yield* Effect.sleep("300 millis")
      assert.strictEqual(server.requests.length, 1)
      assert.deepStrictEqual(server.requests.map((r) => `${r.method} ${r.path}`), ["POST /v1/responses"])
    }))

  it.scopedLive("a schedule that runs out fails with the last connection error (repeats are not progress)", () =>
    Effect.gen(function*() {
      const server = yield* loopback((_req, res, index) => {
        if (index === 0) sendThenCut(res, range(0, 3))
        else if (index === 1) sendThenCut(res, [])
        // only a repeat of an event already delivered, then silence
        else sendThenStall(res, range(3, 3))
      })
      const reconnects: Array<string> = []
      const error = failureOf(
        yield* ResponseStream.resumable(params, {
          reconnect: Schedule.recurs(2),
          streamIdleTimeout: "150 millis",
          onReconnect: (r) => Effect.sync(() => void reconnects.push(`${r.attempt}:${r.error._tag}`))
        }).pipe(Stream.runDrain, Effect.provide(client(server)), Effect.exit)
      )
      assert.strictEqual(error._tag, "APIConnectionTimeoutError")
      assert.strictEqual((error as OpenAIError.APIConnectionTimeoutError).phase, "idle")
      assert.deepStrictEqual(reconnects, ["1:APIConnectionError", "2:APIConnectionError"])
      assert.strictEqual(server.requests.length, 3)
      assert.deepStrictEqual(server.requests.slice(1).map((r) => r.query.get("starting_after")), ["3", "3"])
    }))

  it.scopedLive("a drop before the response id is known cannot be resumed: the connection error is the failure", () =>
    Effect.gen(function*() {
      const server = yield* loopback((_req, res) => sendThenCut(res, []))
      const error = failureOf(
        yield* ResponseStream.resumable(params).pipe(Stream.runDrain, Effect.provide(client(server)), Effect.exit)
      )
      assert.strictEqual(error._tag, "APIConnectionError")
      assert.strictEqual(server.requests.length, 1)
    }))

  it.scopedLive("each reconnection is logged at the client's info level", () =>
    Effect.gen(function*() {
      const server = yield* loopback((_req, res, index) => {
        if (index === 0) sendThenCut(res, range(0, 6))
        else sendAll(res, range(7))
      })
      const logs = collectLogs()
      yield* ResponseStream.resumable(params).pipe(
        Stream.runDrain,
        Effect.provide(Layer.merge(client(server, "info"), logs.layer))
      )
      const lines = logs.lines.filter((l) => l.message === "openai resuming response stream" ||
        (Array.isArray(l.message) && l.message[0] === "openai resuming response stream"))
      assert.strictEqual(lines.length, 1)
      assert.strictEqual(lines[0]!.level, "INFO")
      assert.strictEqual(lines[0]!.annotations.responseId, RESPONSE_ID)
      assert.strictEqual(lines[0]!.annotations.startingAfter, 6)
      assert.strictEqual(lines[0]!.annotations.error, "APIConnectionError")
    }))
})
