import { FetchHttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Layer, Stream } from "effect"
import { Chat, Files, Models, OpenAI, OpenAIClient, OpenAIConfig, OpenAIRequest, Uploads } from "@effect-openai/openai"
import { NodeUploads } from "@effect-openai/openai/node"
import { json, loopback, writeInPieces } from "./support/server.js"

const transports = [
  ["default (UndiciTransport)", undefined],
  ["fetch", FetchHttpClient.layer],
  ["platform undici", NodeHttpClient.layerUndici]
] as const

const chatParams = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content: "Hi" }] }
const chunk = (content: string) => ({
  id: "c1",
  object: "chat.completion.chunk",
  created: 1,
  model: "gpt-4o-mini",
  choices: [{ index: 0, delta: { content }, finish_reason: null }]
})
const sseText = (events: ReadonlyArray<unknown>, done = true) =>
  events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join("") + (done ? "data: [DONE]\n\n" : "")

const fastRetries = OpenAIConfig.backoff({ initialDelay: "5 millis", maxDelay: "20 millis" })

for (const [name, httpClient] of transports) {
  const layer = (url: string, options: OpenAI.Options = {}) =>
    OpenAI.layer({ baseURL: url, retrySchedule: fastRetries, httpClient, ...options, apiKey: "sk-loopback" })

  describe(`transport: ${name}`, () => {
    it.scopedLive("JSON round trip with headers and body", () =>
      Effect.gen(function*() {
        let seen: { auth?: string; body?: string } = {}
        const server = yield* loopback((req, res, _i, body) => {
          seen = { auth: req.headers.authorization!, body }
          json(res, 200, { id: "m", object: "model" }, { "x-request-id": "req_1" })
        })
        const { data, response } = yield* OpenAIClient.requestWithResponse<{ id: string }>({
          method: "POST",
          path: "/things",
          body: OpenAIRequest.json({ a: 1 })
        }).pipe(Effect.provide(layer(server.url)))
        assert.strictEqual(data.id, "m")
        assert.strictEqual(response.requestId, "req_1")
        assert.strictEqual(seen.auth, "Bearer sk-loopback")
        assert.strictEqual(seen.body, "{\"a\":1}")
      }))

    it.scopedLive("connection reset before headers is APIConnectionError, and retried", () =>
      Effect.gen(function*() {
        const server = yield* loopback((req, res, index) => {
          if (index === 0) req.socket.destroy()
          else json(res, 200, { id: "m" })
        })
        const model = yield* Models.retrieve("m").pipe(Effect.provide(layer(server.url)))
        assert.strictEqual(model.id, "m")
        assert.strictEqual(server.requests(), 2)
      }))

    it.scopedLive("connection reset before headers without retries fails with APIConnectionError", () =>
      Effect.gen(function*() {
        const server = yield* loopback((req) => req.socket.destroy())
        const error = yield* Effect.flip(Models.retrieve("m").pipe(Effect.provide(layer(server.url, { maxRetries: 0 }))))
        assert.strictEqual(error._tag, "APIConnectionError")
        assert.notInclude(String(error), "sk-loopback")
        assert.strictEqual(server.requests(), 1)
      }))

    it.scopedLive("connection reset after headers, mid-body, is APIConnectionError", () =>
      Effect.gen(function*() {
        const server = yield* loopback((_req, res) => {
          res.writeHead(200, { "content-type": "application/json" })
          res.write("{\"id\": \"m\", \"pad\": \"")
          setTimeout(() => res.socket?.destroy(), 20)
        })
        const error = yield* Effect.flip(Models.retrieve("m").pipe(Effect.provide(layer(server.url, { maxRetries: 0 }))))
        assert.strictEqual(error._tag, "APIConnectionError")
      }))

    it.scopedLive("a body that stalls times out and the socket is released", () =>
      Effect.gen(function*() {
        const server = yield* loopback((_req, res) => {
          res.writeHead(200, { "content-type": "application/json" })
          res.write("{\"id\":")
        })
        const closed = server.socketClosed()
        const error = yield* Effect.flip(
          Models.retrieve("m").pipe(Effect.provide(layer(server.url, { maxRetries: 0, timeout: "300 millis" })))
        )
        assert.strictEqual(error._tag, "APIConnectionTimeoutError")
        if (error._tag === "APIConnectionTimeoutError") assert.strictEqual(error.phase, "request")
        yield* Effect.promise(() => closed)
      }))

    it.scopedLive("429 with retry-after-ms waits that long, then succeeds", () =>
      Effect.gen(function*() {
        const times: Array<number> = []
        const server = yield* loopback((_req, res, index) => {
          times.push(Date.now())
          if (index === 0) json(res, 429, { error: { message: "slow", type: "requests" } }, { "retry-after-ms": "150" })
          else json(res, 200, { id: "m" })
        })
        const model = yield* Models.retrieve("m").pipe(Effect.provide(layer(server.url)))
        assert.strictEqual(model.id, "m")
        assert.strictEqual(server.requests(), 2)
        assert.isAtLeast(times[1]! - times[0]!, 140)
      }))

    it.scopedLive("500 twice then success", () =>
      Effect.gen(function*() {
        const server = yield* loopback((_req, res, index) => {
          if (index < 2) json(res, 500, { error: { message: "oops" } })
          else json(res, 200, { id: "m" })
        })
        const model = yield* Models.retrieve("m").pipe(Effect.provide(layer(server.url)))
        assert.strictEqual(model.id, "m")
        assert.strictEqual(server.requests(), 3)
      }))

    it.scopedLive("malformed JSON is ResponseDecodeError with the raw text", () =>
      Effect.gen(function*() {
        const server = yield* loopback((_req, res) => {
          res.writeHead(200, { "content-type": "application/json" })
          res.end("{\"id\": nope}")
        })
        const error = yield* Effect.flip(Models.retrieve("m").pipe(Effect.provide(layer(server.url))))
        assert.strictEqual(error._tag, "ResponseDecodeError")
        if (error._tag === "ResponseDecodeError") assert.strictEqual(error.body, "{\"id\": nope}")
        assert.strictEqual(server.requests(), 1)
      }))

    for (const size of [1, 7, 64, 16384]) {
      it.scopedLive(`SSE framing survives ${size}-byte writes with mixed line endings`, () =>
        Effect.gen(function*() {
          const events = Array.from({ length: 40 }, (_, i) => chunk(`tok${i} é€😀`))
          const text = events.map((e, i) => {
            const eol = ["\n", "\r\n", "\r"][i % 3]!
            return `data: ${JSON.stringify(e)}${eol}${eol}`
          }).join("") + ": keepalive\n\ndata: [DONE]\n\n"
          const server = yield* loopback((_req, res) => {
            res.writeHead(200, { "content-type": "text/event-stream" })
            void writeInPieces(res, new TextEncoder().encode(text), size).then(() => res.end())
          })
          const chunks = yield* Chat.Completions.createStream(chatParams).pipe(
            Stream.runCollect,
            Effect.provide(layer(server.url))
          )
          assert.deepStrictEqual(
            Chunk.toReadonlyArray(chunks).map((c) => c.choices[0]!.delta.content),
            events.map((e) => e.choices[0]!.delta.content)
          )
        }))
    }

    it.scopedLive("disconnect mid-stream: events so far, then APIConnectionError, not retried", () =>
      Effect.gen(function*() {
        const server = yield* loopback((_req, res) => {
          res.writeHead(200, { "content-type": "text/event-stream" })
          res.write(sseText([chunk("a"), chunk("b")], false))
          setTimeout(() => res.socket?.destroy(), 30)
        })
        const seen: Array<unknown> = []
        const error = yield* Chat.Completions.createStream(chatParams).pipe(
          Stream.tap((c) => Effect.sync(() => seen.push(c.choices[0]!.delta.content))),
          Stream.runDrain,
          Effect.flip,
          Effect.provide(layer(server.url))
        )
        assert.strictEqual(error._tag, "APIConnectionError")
        assert.deepStrictEqual(seen, ["a", "b"])
        assert.strictEqual(server.requests(), 1)
      }))

    it.scopedLive("a clean end without [DONE] is StreamTruncatedError", () =>
      Effect.gen(function*() {
        const server = yield* loopback((_req, res) => {
          res.writeHead(200, { "content-type": "text/event-stream" })
          res.end(sseText([chunk("a")], false))
        })
        const error = yield* Effect.flip(
          Stream.runDrain(Chat.Completions.createStream(chatParams)).pipe(Effect.provide(layer(server.url)))
        )
        assert.strictEqual(error._tag, "StreamTruncatedError")
      }))

    it.scopedLive("malformed SSE data is ResponseDecodeError", () =>
      Effect.gen(function*() {
        const server = yield* loopback((_req, res) => {
          res.writeHead(200, { "content-type": "text/event-stream" })
          res.end("garbage line without colon\ndata: {\"id\": \n\n")
        })
        const error = yield* Effect.flip(
          Stream.runDrain(Chat.Completions.createStream(chatParams)).pipe(Effect.provide(layer(server.url)))
        )
        assert.strictEqual(error._tag, "ResponseDecodeError")
      }))

    it.scopedLive("invalid UTF-8 inside an event becomes U+FFFD and the event is delivered", () =>
      Effect.gen(function*() {
        const server = yield* loopback((_req, res) => {
          res.writeHead(200, { "content-type": "text/event-stream" })
          const before = Buffer.from("data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a")
          const after = Buffer.from("b\"},\"finish_reason\":null}]}\n\ndata: [DONE]\n\n")
          res.end(Buffer.concat([before, Buffer.from([0xff, 0xfe]), after]))
        })
        const chunks = yield* Stream.runCollect(Chat.Completions.createStream(chatParams)).pipe(
          Effect.provide(layer(server.url))
        )
        assert.strictEqual(Chunk.unsafeGet(chunks, 0).choices[0]!.delta.content, "a\uFFFD\uFFFDb")
      }))

    it.scopedLive("an oversized event is a typed error and the connection is closed", () =>
      Effect.gen(function*() {
        const server = yield* loopback((_req, res) => {
          res.writeHead(200, { "content-type": "text/event-stream" })
          res.write("data: " + "x".repeat(100_000))
        })
        const closed = server.socketClosed()
        const error = yield* Effect.flip(
          Stream.runDrain(Chat.Completions.createStream(chatParams)).pipe(
            Effect.provide(layer(server.url, { maxEventSize: 10_000 }))
          )
        )
        assert.strictEqual(error._tag, "ResponseDecodeError")
        yield* Effect.promise(() => closed)
      }))

    it.scopedLive("interrupting a fiber mid-request closes the socket", () =>
      Effect.gen(function*() {
        let received!: () => void
        const arrived = new Promise<void>((r) => (received = r))
        const server = yield* loopback(() => received())
        const closed = server.socketClosed()
        const fiber = yield* Effect.fork(Models.retrieve("m").pipe(Effect.provide(layer(server.url))))
        yield* Effect.promise(() => arrived)
        yield* Fiber.interrupt(fiber)
        yield* Effect.promise(() => closed)
        assert.strictEqual(server.sockets().closed, 1)
      }))

    it.scopedLive("interrupting a stream consumer aborts the request", () =>
      Effect.gen(function*() {
        const server = yield* loopback((_req, res) => {
          res.writeHead(200, { "content-type": "text/event-stream" })
          const timer = setInterval(() => res.write(`data: ${JSON.stringify(chunk("tick"))}\n\n`), 5)
          res.on("close", () => clearInterval(timer))
        })
        const closed = server.socketClosed()
        const firstThree = yield* Chat.Completions.createStream(chatParams).pipe(
          Stream.take(3),
          Stream.runCollect,
          Effect.provide(layer(server.url))
        )
        assert.strictEqual(firstThree.length, 3)
        yield* Effect.promise(() => closed)
      }))

    it.scopedLive("interrupting a consumer fiber mid-stream closes the socket", () =>
      Effect.gen(function*() {
        const server = yield* loopback((_req, res) => {
          res.writeHead(200, { "content-type": "text/event-stream" })
          res.write(`data: ${JSON.stringify(chunk("first"))}\n\n`)
          // then silence: the consumer waits until it is interrupted
        })
        const closed = server.socketClosed()
        let got = 0
        const fiber = yield* Effect.fork(
          Stream.runForEach(Chat.Completions.createStream(chatParams), () => Effect.sync(() => got++)).pipe(
            Effect.provide(layer(server.url))
          )
        )
        while (got === 0) yield* Effect.sleep("5 millis")
        yield* Fiber.interrupt(fiber)
        yield* Effect.promise(() => closed)
        assert.strictEqual(server.sockets().closed, 1)
      }))

    it.scopedLive("a stream that stalls under timeout: 1 s fails with APIConnectionTimeoutError within 3 s", () =>
      Effect.gen(function*() {
        const server = yield* loopback((req, res) => {
          res.writeHead(200, { "content-type": "text/event-stream" })
          if (req.url?.includes("after-event")) res.write(`data: ${JSON.stringify(chunk("a"))}\n\n`)
          else res.flushHeaders()
        })
        for (const path of ["/after-event", "/before-event"]) {
          const started = Date.now()
          const error = yield* Effect.flip(
            Stream.runDrain(OpenAIClient.stream({ method: "POST", path }, "done")).pipe(
              Effect.provide(layer(server.url, { timeout: "1 second", maxRetries: 0 }))
            )
          )
          const elapsed = Date.now() - started
          assert.strictEqual(error._tag, "APIConnectionTimeoutError", path)
          assert.isAtLeast(elapsed, 900, path)
          assert.isBelow(elapsed, 3000, path)
        }
      }))

    it.scopedLive("an API key echoed by a 401 appears nowhere in the error", () =>
      Effect.gen(function*() {
        const key = "sk-proj-EchoedSecret0123456789"
        const server = yield* loopback((req, res) => {
          const auth = String(req.headers.authorization)
          json(res, 401, {
            error: { message: `Incorrect API key provided: ${auth}`, type: "invalid_request_error", code: "invalid_api_key" },
            echo: { authorization: auth, bare: auth.slice(7) }
          }, { "x-echo-authorization": auth })
        })
        const error = yield* Effect.flip(
          Models.retrieve("m").pipe(Effect.provide(layer(server.url, { apiKey: key, maxRetries: 0 })))
        )
        assert.strictEqual(error._tag, "AuthenticationError")
        const inspect = yield* Effect.promise(() => import("node:util").then((util) => util.inspect(error, { depth: 10 })))
        const views = [error.message, String(error), JSON.stringify(error), inspect, JSON.stringify((error as { body?: unknown }).body)]
        for (const view of views) assert.notInclude(view, "EchoedSecret", view)
        assert.include(error.message, "<redacted>")
      }))

    it.scopedLive("a 16 MB error body is not read past the cap", () =>
      Effect.gen(function*() {
        let written = 0
        let finished = false
        const server = yield* loopback((_req, res) => {
          res.writeHead(500, { "content-type": "text/plain", "content-length": String(16 * 1024 * 1024) })
          const piece = Buffer.alloc(64 * 1024, 120)
          const pump = () => {
            while (written < 16 * 1024 * 1024) {
              written += piece.length
              if (!res.write(piece)) return void res.once("drain", pump)
            }
            res.end()
            finished = true
          }
          pump()
        })
        const closed = server.socketClosed()
        const error = yield* Effect.flip(Models.retrieve("m").pipe(Effect.provide(layer(server.url, { maxRetries: 0 }))))
        assert.strictEqual(error._tag, "InternalServerError")
        assert.isAtMost(String((error as { body?: unknown }).body).length, 64 * 1024)
        yield* Effect.promise(() => closed)
        assert.isFalse(finished, "the client stopped reading, so the server could not write the whole body")
        assert.isBelow(written, 16 * 1024 * 1024)
      }))

    it.scopedLive("multipart uploads from bytes, a file path and a stream reach the server intact", () =>
      Effect.gen(function*() {
        const bodies: Array<{ type: string; body: string }> = []
        const server = yield* loopback((req, res, _i, body) => {
          bodies.push({ type: String(req.headers["content-type"]), body })
          json(res, 200, { id: `file-${bodies.length}`, object: "file" })
        })
        const dir = yield* Effect.promise(() => import("node:fs/promises").then((fs) => fs.mkdtemp("/tmp/upload-")))
        const path = `${dir}/notes.jsonl`
        yield* Effect.promise(() => import("node:fs/promises").then((fs) => fs.writeFile(path, "{\"a\":1}\n".repeat(5000))))
        const inputs = [
          Uploads.toFile(new TextEncoder().encode("bytes body"), "a.txt"),
          NodeUploads.fromPath(path),
          Uploads.toFile(Stream.make(new TextEncoder().encode("streamed "), new TextEncoder().encode("body")), "s.txt")
        ]
        for (const file of inputs) {
          yield* Files.create({ file, purpose: "batch" }).pipe(Effect.provide(layer(server.url)))
        }
        assert.strictEqual(bodies.length, 3)
        assert.isTrue(bodies.every((b) => b.type.startsWith("multipart/form-data; boundary=")))
        assert.include(bodies[0]!.body, "filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nbytes body\r\n")
        assert.include(bodies[1]!.body, "filename=\"notes.jsonl\"")
        assert.strictEqual(bodies[1]!.body.split("{\"a\":1}\n").length - 1, 5000)
        assert.include(bodies[2]!.body, "streamed body")
        assert.include(bodies[2]!.body, "name=\"purpose\"\r\n\r\nbatch")
      }))

    it.scopedLive("time to first event and idle timeouts over a real socket", () =>
      Effect.gen(function*() {
        const server = yield* loopback((req, res) => {
          if (req.url?.includes("silent")) return
          res.writeHead(200, { "content-type": "text/event-stream" })
          if (req.url?.includes("idle")) res.write(sseText([chunk("a")], false))
          else if (req.url?.includes("first")) res.flushHeaders()
        })
        const first = yield* Effect.flip(Stream.runDrain(OpenAIClient.stream({ method: "GET", path: "/first" }, "done")).pipe(
          Effect.provide(layer(server.url, { streamFirstEventTimeout: "200 millis", maxRetries: 0 }))
        ))
        assert.strictEqual(first._tag, "APIConnectionTimeoutError")
        if (first._tag === "APIConnectionTimeoutError") assert.strictEqual(first.phase, "first-event")
        const idle = yield* Effect.flip(Stream.runDrain(OpenAIClient.stream({ method: "GET", path: "/idle" }, "done")).pipe(
          Effect.provide(layer(server.url, { streamIdleTimeout: "200 millis", maxRetries: 0 }))
        ))
        assert.strictEqual(idle._tag, "APIConnectionTimeoutError")
        if (idle._tag === "APIConnectionTimeoutError") assert.strictEqual(idle.phase, "idle")
        // headers that never come count against the first-event limit too
        const noHeaders = yield* Effect.flip(Stream.runDrain(OpenAIClient.stream({ method: "GET", path: "/silent" }, "done")).pipe(
          Effect.provide(layer(server.url, { streamFirstEventTimeout: "200 millis", maxRetries: 0 }))
        ))
        assert.strictEqual(noHeaders._tag, "APIConnectionTimeoutError")
        if (noHeaders._tag === "APIConnectionTimeoutError") assert.strictEqual(noHeaders.phase, "first-event")
      }))
  })
}

describe("layers", () => {
  it.scopedLive("many concurrent streams under one layer", () =>
    Effect.gen(function*() {
      const server = yield* loopback((_req, res) => {
        res.writeHead(200, { "content-type": "text/event-stream" })
        res.end(sseText(Array.from({ length: 20 }, (_, i) => chunk(String(i)))))
      })
      const counts = yield* Effect.forEach(
        Array.from({ length: 32 }),
        () => Stream.runCount(Chat.Completions.createStream(chatParams)),
        { concurrency: "unbounded" }
      ).pipe(Effect.provide(Layer.fresh(OpenAI.layer({ apiKey: "k", baseURL: server.url }))))
      assert.deepStrictEqual(new Set(counts), new Set([20]))
    }))
})
