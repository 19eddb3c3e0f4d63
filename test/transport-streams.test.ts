import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Layer, Stream } from "effect"
import { Chat, Models, OpenAI, OpenAIClient } from "@effect-openai/openai"
import { loopback, writeInPieces } from "./support/server.js"
import { chatParams, chunk, layerFor, sseText, transports } from "./support/transports.js"

for (const [name, httpClient] of transports) {
  const layer = layerFor(httpClient)

  describe(`transport: ${name}`, () => {
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
