import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Models, OpenAIClient, OpenAIRequest } from "@effect-openai/openai"
import { json, loopback } from "./support/server.js"
import { layerFor, transports } from "./support/transports.js"

for (const [name, httpClient] of transports) {
  const layer = layerFor(httpClient)

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
  })
}
