import { assert, describe, it } from "@effect/vitest"
import * as HttpClient from "@effect/platform/HttpClient"
import { Effect, Layer, Redacted, Ref, Stream } from "effect"
import * as OpenAIAuth from "../src/OpenAIAuth.js"
import * as OpenAIClient from "../src/OpenAIClient.js"
import * as OpenAIError from "../src/OpenAIError.js"
import * as OpenAITest from "../src/OpenAITest.js"
import { Chat, Models } from "../src/index.js"
import { chatParams, requestCount } from "./fixtures.js"

describe("errors", () => {
  const cases: ReadonlyArray<readonly [number, string]> = [
    [400, "BadRequestError"],
    [401, "AuthenticationError"],
    [403, "PermissionDeniedError"],
    [404, "NotFoundError"],
    [409, "ConflictError"],
    [422, "UnprocessableEntityError"],
    [429, "RateLimitError"],
    [500, "InternalServerError"],
    [503, "InternalServerError"],
    [418, "APIError"]
  ]
  for (const [status, tag] of cases) {
    it.effect(`${status} is ${tag}`, () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(Models.retrieve("m", { maxRetries: 0 }))
        assert.strictEqual(error._tag, tag)
        assert.isTrue(OpenAIError.isStatusError(error))
        if (!OpenAIError.isStatusError(error)) return
        assert.strictEqual(error.status, status)
        assert.strictEqual(error.requestId, `req_test_${status}`)
        assert.strictEqual(error.error?.message, "nope")
        assert.strictEqual(error.code, "some_code")
        assert.strictEqual(error.param, "model")
        assert.strictEqual(error.message, `${status} nope (request req_test_${status})`)
      }).pipe(Effect.provide(OpenAITest.layer({
        "GET /models/:id": OpenAITest.error(status, { message: "nope", code: "some_code", param: "model" })
      }))))
  }

  it.effect("reads a flat error body and keeps a non-JSON body as text", () =>
    Effect.gen(function*() {
      const flat = yield* Effect.flip(Models.retrieve("flat", { maxRetries: 0 }))
      assert.strictEqual(flat._tag, "BadRequestError")
      if (flat._tag === "BadRequestError") {
        assert.strictEqual(flat.error?.message, "flat message")
        assert.strictEqual(flat.type, "invalid_request_error")
      }
      const text = yield* Effect.flip(Models.retrieve("text", { maxRetries: 0 }))
      assert.strictEqual(text._tag, "InternalServerError")
      if (text._tag === "InternalServerError") {
        assert.strictEqual(text.body, "<html>Bad gateway</html>")
        assert.strictEqual(text.error, undefined)
        assert.include(text.message, "502 <html>Bad gateway</html>")
      }
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /models/flat": OpenAITest.unchecked({ message: "flat message", type: "invalid_request_error" }, { status: 400 }),
      "GET /models/text": OpenAITest.text("<html>Bad gateway</html>", { status: 502 })
    }))))

  it.effect("429 with insufficient_quota is InsufficientQuotaError and is not retried", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Models.retrieve("m"))
      assert.strictEqual(error._tag, "InsufficientQuotaError")
      assert.strictEqual(yield* requestCount, 1)
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /models/:id": OpenAITest.error(429, {
        code: "insufficient_quota",
        type: "insufficient_quota",
        headers: { "retry-after-ms": "10", "x-should-retry": "true" }
      })
    }))))

  it.effect("malformed JSON in a 200 is ResponseDecodeError with the raw text", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Models.retrieve("m"))
      assert.strictEqual(error._tag, "ResponseDecodeError")
      if (error._tag === "ResponseDecodeError") {
        assert.strictEqual(error.body, "{\"id\": ")
        assert.strictEqual(error.status, 200)
      }
      assert.strictEqual(yield* requestCount, 1)
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /models/:id": OpenAITest.text("{\"id\": ", { contentType: "application/json" })
    }))))

  it.effect("a connection failure is APIConnectionError and never carries the key", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Models.retrieve("m", { maxRetries: 0 }))
      assert.strictEqual(error._tag, "APIConnectionError")
      for (const text of [error.message, String(error), JSON.stringify(error), String(error.stack)]) {
        assert.notInclude(text, "sk-very-secret")
      }
    }).pipe(Effect.provide(OpenAITest.layer({ "GET /models/:id": OpenAITest.disconnect }, {
      apiKey: "sk-very-secret"
    }))))

  it.effect("status errors never carry the key or cookies", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Models.retrieve("m", { maxRetries: 0 }))
      assert.strictEqual(error._tag, "AuthenticationError")
      if (error._tag !== "AuthenticationError") return
      assert.strictEqual(error.headers["set-cookie"], "<redacted>")
      for (const text of [error.message, String(error), JSON.stringify(error)]) {
        assert.notInclude(text, "sk-very-secret")
        assert.notInclude(text, "session=abc")
      }
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /models/:id": OpenAITest.error(401, { headers: { "set-cookie": "session=abc" } })
    }, { apiKey: "sk-very-secret" }))))

  describe("credentials echoed by a server", () => {
    const key = "sk-proj-EchoedSecret0123456789"
    const echo = (request: OpenAITest.RecordedRequest) => String(request.headers.authorization)
    const views = (error: unknown) => [
      (error as Error).message,
      String(error),
      JSON.stringify(error),
      JSON.stringify((error as { body?: unknown }).body) ?? "",
      JSON.stringify((error as { event?: unknown }).event) ?? "",
      String((error as { cause?: unknown }).cause),
      JSON.stringify((error as { headers?: unknown }).headers) ?? ""
    ]
    const assertClean = (error: unknown) => {
      for (const view of views(error)) {
        assert.notInclude(view, "EchoedSecret", view)
        assert.notInclude(view, "BearerTok", view)
      }
    }

    it.effect("in a status error's message, body and headers", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(Models.retrieve("m", { maxRetries: 0 }))
        assert.strictEqual(error._tag, "AuthenticationError")
        assertClean(error)
        assert.include(error.message, "Incorrect API key provided: <redacted>")
      }).pipe(Effect.provide(OpenAITest.layer({
        "GET /models/:id": (request) =>
          OpenAITest.unchecked(
            { error: { message: `Incorrect API key provided: ${echo(request)}`, code: "invalid_api_key" } },
            { status: 401, headers: { "x-echo": echo(request) } }
          )
      }, { apiKey: key }))))

    it.effect("in a stream's error event and in an event that is not JSON", () =>
      Effect.gen(function*() {
        const streamError = yield* Effect.flip(Stream.runDrain(Chat.Completions.createStream(chatParams)))
        assert.strictEqual(streamError._tag, "StreamError")
        assertClean(streamError)
        const decodeError = yield* Effect.flip(Stream.runDrain(Chat.Completions.createStream(chatParams)))
        assert.strictEqual(decodeError._tag, "ResponseDecodeError")
        assertClean(decodeError)
      }).pipe(Effect.provide(OpenAITest.layer({
        "POST /chat/completions": [
          OpenAITest.sse([{ error: { message: `bad key ${key}`, code: "invalid_api_key" } }]),
          OpenAITest.sse([`data: not json, but your key: ${key}\n\n`])
        ]
      }, { apiKey: key }))))

    it.effect("in a 200 body that is not JSON, parse error included", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(Models.retrieve("m", { maxRetries: 0 }))
        assert.strictEqual(error._tag, "ResponseDecodeError")
        assertClean(error)
      }).pipe(Effect.provide(OpenAITest.layer({
        "GET /models/:id": OpenAITest.text(`{"id": "${key}" oops`, { contentType: "application/json" })
      }, { apiKey: key }))))

    it.effect("a bearer token from a provider is redacted the same way", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(Models.retrieve("m", { maxRetries: 0 }))
        assertClean(error)
      }).pipe(Effect.provide(
        Layer.unwrapEffect(Effect.map(Ref.make<ReadonlyArray<OpenAITest.RecordedRequest>>([]), (recorded) =>
          OpenAIClient.layer({ baseURL: "https://api.openai.test/v1" }).pipe(Layer.provide(Layer.merge(
            Layer.succeed(HttpClient.HttpClient, OpenAITest.makeHttpClient({
              "GET /models/:id": (request) => OpenAITest.error(403, { message: `token ${echo(request)} lacks a scope` })
            }, recorded, "https://api.openai.test/v1")),
            OpenAIAuth.layerBearer(Effect.succeed(Redacted.make("BearerTok-9f8e7d6c5b4a")))
          )))))
      )))
  })

  it.effect("catchTag reads naturally", () =>
    Effect.gen(function*() {
      const result = yield* Chat.Completions.create(chatParams).pipe(
        Effect.map((c) => c.id),
        Effect.catchTag("RateLimitError", (e) => Effect.succeed(`busy ${e.requestId}`))
      )
      assert.strictEqual(result, "busy req_test_429")
    }).pipe(Effect.provide(OpenAITest.layer({ "POST /chat/completions": OpenAITest.error(429) }, { maxRetries: 0 }))))
})
