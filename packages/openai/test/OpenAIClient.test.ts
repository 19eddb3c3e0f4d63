import { assert, describe, it } from "@effect/vitest"
import * as HttpClient from "@effect/platform/HttpClient"
import { Duration, Effect, Exit, Fiber, Layer, Logger, LogLevel, Redacted, Ref, Schedule, Stream, TestClock } from "effect"
import * as OpenAIAuth from "../src/OpenAIAuth.js"
import * as OpenAIClient from "../src/OpenAIClient.js"
import * as OpenAIConfig from "../src/OpenAIConfig.js"
import * as OpenAIRequest from "../src/OpenAIRequest.js"
import * as OpenAIError from "../src/OpenAIError.js"
import * as OpenAITest from "../src/OpenAITest.js"
import { Chat, Embeddings, Files, Models } from "../src/index.js"
import { collectLogs, recordingTracer } from "./utils.js"
import * as NodeUploads from "../src/node/NodeUploads.js"

const chatParams = { model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] } as const
const completion = {
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 1,
  model: "gpt-4o-mini",
  choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content: "Hello" } }],
  usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 }
} as const

const requestCount = Effect.map(OpenAITest.requests, (all) => all.length)

describe("requests", () => {
  it.effect("sends auth, organization, project, user agent, default and per-call headers", () =>
    Effect.gen(function*() {
      yield* Chat.Completions.create(chatParams, {
        headers: { "x-custom": "1", "x-default": null },
        query: { extra: "q" },
        body: { metadata: { a: "b" } },
        idempotencyKey: "idem-1"
      })
      const [request] = yield* OpenAITest.requests
      assert.strictEqual(request!.headers["authorization"], "Bearer sk-secret")
      assert.strictEqual(request!.headers["openai-organization"], "org-1")
      assert.strictEqual(request!.headers["openai-project"], "proj-1")
      assert.match(request!.headers["user-agent"]!, /^effect-openai\/\d+\.\d+\.\d+/)
      assert.strictEqual(request!.headers["x-custom"], "1")
      assert.strictEqual(request!.headers["x-default"], undefined)
      assert.strictEqual(request!.headers["x-other-default"], "kept")
      assert.strictEqual(request!.headers["idempotency-key"], "idem-1")
      assert.strictEqual(request!.url.searchParams.get("extra"), "q")
      assert.strictEqual(request!.url.searchParams.get("api-version"), "v")
      assert.deepStrictEqual(request!.json, { ...chatParams, stream: false, metadata: { a: "b" } })
    }).pipe(Effect.provide(OpenAITest.layer(
      { "POST /chat/completions": OpenAITest.json(completion) },
      {
        apiKey: Redacted.make("sk-secret"),
        organization: "org-1",
        project: "proj-1",
        defaultHeaders: { "x-default": "d", "x-other-default": "kept" },
        defaultQuery: { "api-version": "v" }
      }
    ))))

  it.effect("refuses a header value with a line break before sending", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Chat.Completions.create(chatParams, { headers: { "x-evil": "a\r\nInjected: 1" } }))
      assert.strictEqual(error._tag, "InvalidInputError")
      assert.strictEqual(yield* requestCount, 0)
    }).pipe(Effect.provide(OpenAITest.layer({ "POST /chat/completions": OpenAITest.json(completion) }))))

  it.effect("percent-encodes path parameters and refuses dot segments", () =>
    Effect.gen(function*() {
      yield* Models.retrieve("ft:gpt/../admin")
      const [request] = yield* OpenAITest.requests
      assert.strictEqual(request!.url.pathname, "/v1/models/ft%3Agpt%2F..%2Fadmin")
      const error = yield* Effect.flip(Models.retrieve(".."))
      assert.strictEqual(error._tag, "InvalidInputError")
      assert.strictEqual(yield* requestCount, 1)
    }).pipe(Effect.provide(OpenAITest.layer({ "GET /models/:id": OpenAITest.json({ id: "m" }) }))))

  it.effect("generic request goes through the same pipeline", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(OpenAIClient.request<{ ok: boolean }>({
        method: "POST",
        path: OpenAIRequest.path`/beta/things/${"a b"}`,
        body: { x: 1 },
        query: { include: ["a", "b"] }
      }))
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(yield* Fiber.join(fiber), { ok: true })
      const [request] = yield* OpenAITest.requests
      assert.strictEqual(request!.url.pathname, "/v1/beta/things/a%20b")
      assert.strictEqual(request!.url.search, "?include%5B%5D=a&include%5B%5D=b")
      assert.strictEqual(yield* requestCount, 2)
    }).pipe(Effect.provide(OpenAITest.layer({}, {
      customRoutes: { "POST /beta/things/:id": [OpenAITest.error(503), OpenAITest.json({ ok: true })] }
    }))))

  it.effect("WithResponse exposes status, headers, request id and parsed rate limits", () =>
    Effect.gen(function*() {
      const { data, response } = yield* Chat.Completions.createWithResponse(chatParams)
      assert.strictEqual(data.id, "chatcmpl-1")
      assert.strictEqual(response.status, 200)
      assert.strictEqual(response.requestId, "req_abc")
      assert.strictEqual(response.headers["x-ratelimit-limit-requests"], "60")
      assert.strictEqual(response.rateLimit.limitRequests, 60)
      assert.strictEqual(response.rateLimit.remainingTokens, 149984)
      assert.strictEqual(Duration.toMillis(response.rateLimit.resetRequests!), 360_000)
      assert.strictEqual(Duration.toMillis(response.rateLimit.resetTokens!), 17)
      assert.strictEqual(response.headers["set-cookie"], "<redacted>")
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /chat/completions": OpenAITest.json(completion, {
        headers: {
          "x-request-id": "req_abc",
          "x-ratelimit-limit-requests": "60",
          "x-ratelimit-remaining-tokens": "149984",
          "x-ratelimit-reset-requests": "6m0s",
          "x-ratelimit-reset-tokens": "17ms",
          "set-cookie": "session=secret"
        }
      })
    }))))
})

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

describe("retries", () => {
  it.effect("500 twice then success, with backoff sleeps", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Chat.Completions.create(chatParams))
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(yield* requestCount, 1)
      yield* TestClock.adjust("500 millis") // first delay is 375..500 ms
      assert.strictEqual(yield* requestCount, 2)
      yield* TestClock.adjust("1 second") // second delay is 750..1000 ms
      assert.strictEqual(yield* requestCount, 3)
      const result = yield* Fiber.join(fiber)
      assert.strictEqual(result.id, "chatcmpl-1")
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /chat/completions": [OpenAITest.error(500), OpenAITest.error(500), OpenAITest.json(completion)]
    }))))

  it.effect("gives up after maxRetries (default 2) with the last error", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(Models.retrieve("m")))
      yield* TestClock.adjust("1 minute")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "InternalServerError")
      assert.strictEqual(yield* requestCount, 3)
    }).pipe(Effect.provide(OpenAITest.layer({ "GET /models/:id": OpenAITest.error(500) }))))

  it.effect("429 honours retry-after-ms exactly", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Models.retrieve("m"))
      yield* TestClock.adjust("2999 millis")
      assert.strictEqual(yield* requestCount, 1)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(yield* requestCount, 2)
      assert.strictEqual((yield* Fiber.join(fiber)).id, "m")
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /models/:id": [
        OpenAITest.error(429, { headers: { "retry-after-ms": "3000", "retry-after": "50" } }),
        OpenAITest.json({ id: "m" })
      ]
    }))))

  it.effect("retry-after in seconds and above the cap falls back to backoff", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Models.retrieve("m"))
      yield* TestClock.adjust("4999 millis")
      assert.strictEqual(yield* requestCount, 1)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(yield* requestCount, 2)
      // second failure asks for 120 s, above the 60 s cap: backoff (at most 1 s) applies instead
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* requestCount, 3)
      assert.strictEqual((yield* Fiber.join(fiber)).id, "m")
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /models/:id": [
        OpenAITest.error(429, { headers: { "retry-after": "5" } }),
        OpenAITest.error(429, { headers: { "retry-after": "120" } }),
        OpenAITest.json({ id: "m" })
      ]
    }))))

  it.effect("x-should-retry overrides the status", () =>
    Effect.gen(function*() {
      const noRetry = yield* Effect.flip(Models.retrieve("a"))
      assert.strictEqual(noRetry._tag, "InternalServerError")
      assert.strictEqual(yield* requestCount, 1)
      const fiber = yield* Effect.fork(Models.retrieve("b"))
      yield* TestClock.adjust("1 second")
      assert.strictEqual((yield* Fiber.join(fiber)).id, "b")
      assert.strictEqual(yield* requestCount, 3)
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /models/a": OpenAITest.error(500, { headers: { "x-should-retry": "false" } }),
      "GET /models/b": [OpenAITest.error(400, { headers: { "x-should-retry": "true" } }), OpenAITest.json({ id: "b" })]
    }))))

  it.effect("400, 401, 404 and 422 are not retried; 408 and 409 are", () =>
    Effect.gen(function*() {
      for (const id of ["400", "401", "404", "422"]) yield* Effect.flip(Models.retrieve(id))
      assert.strictEqual(yield* requestCount, 4)
      for (const id of ["408", "409"]) {
        const fiber = yield* Effect.fork(Effect.flip(Models.retrieve(id)))
        yield* TestClock.adjust("1 minute")
        yield* Fiber.join(fiber)
      }
      assert.strictEqual(yield* requestCount, 10)
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /models/:id": (request) => OpenAITest.error(Number(request.params.id))
    }))))

  it.effect("connection errors are retried", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Models.retrieve("m"))
      yield* TestClock.adjust("1 second")
      assert.strictEqual((yield* Fiber.join(fiber)).id, "m")
      assert.strictEqual(yield* requestCount, 2)
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /models/:id": [OpenAITest.disconnect, OpenAITest.json({ id: "m" })]
    }))))

  it.effect("maxRetries: 0 per call, maxRetries for a region, and a custom retry schedule", () =>
    Effect.gen(function*() {
      yield* Effect.flip(Models.retrieve("m", { maxRetries: 0 }))
      assert.strictEqual(yield* requestCount, 1)
      yield* Effect.flip(Models.retrieve("m").pipe(OpenAIConfig.withConfigOverride({ maxRetries: 0 })))
      assert.strictEqual(yield* requestCount, 2)
      const fiber = yield* Effect.fork(Effect.flip(
        Models.retrieve("m").pipe(
          OpenAIConfig.withConfigOverride({ maxRetries: 5, retrySchedule: Schedule.spaced("10 seconds") })
        )
      ))
      yield* TestClock.adjust("49 seconds")
      assert.strictEqual(yield* requestCount, 2 + 5)
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      assert.strictEqual(yield* requestCount, 2 + 6)
    }).pipe(Effect.provide(OpenAITest.layer({ "GET /models/:id": OpenAITest.error(500) }))))

  it.effect("a per-call retrySchedule replaces the configured one for that call only", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(
        Models.retrieve("m", { maxRetries: 3, retrySchedule: Schedule.spaced("20 seconds") })
      ))
      yield* TestClock.adjust("39 seconds")
      assert.strictEqual(yield* requestCount, 2)
      yield* TestClock.adjust("21 seconds")
      yield* Fiber.join(fiber)
      assert.strictEqual(yield* requestCount, 4)
      // the next call is back on the default backoff: 3 attempts within ~2 s
      const next = yield* Effect.fork(Effect.flip(Models.retrieve("m")))
      yield* TestClock.adjust("3 seconds")
      yield* Fiber.join(next)
      assert.strictEqual(yield* requestCount, 7)
    }).pipe(Effect.provide(OpenAITest.layer({ "GET /models/:id": OpenAITest.error(500) }))))

  it.effect("withServerHints keeps a custom schedule honouring retry-after and x-should-retry: true", () =>
    Effect.gen(function*() {
      // the custom schedule alone would wait 1 minute and retry only 5xx
      const custom = Schedule.spaced("1 minute").pipe(
        Schedule.whileInput((e: OpenAIError.OpenAIError) => OpenAIError.isStatusError(e) && e.status >= 500)
      )
      const hinted = OpenAIConfig.withServerHints(custom)
      const fiber = yield* Effect.fork(Models.retrieve("m", { retrySchedule: hinted }))
      yield* TestClock.adjust("2 seconds") // retry-after-ms: 2000 on the first 429, retried though not 5xx
      assert.strictEqual(yield* requestCount, 2)
      yield* TestClock.adjust("1 minute") // the 503's wait is the schedule's own
      assert.strictEqual((yield* Fiber.join(fiber)).id, "m")
      assert.strictEqual(yield* requestCount, 3)
      // without the hints, the same schedule stops at the 429
      const plain = yield* Effect.flip(Models.retrieve("again", { retrySchedule: custom }))
      assert.strictEqual(plain._tag, "RateLimitError")
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /models/m": [
        OpenAITest.error(429, { headers: { "retry-after-ms": "2000", "x-should-retry": "true" } }),
        OpenAITest.error(503),
        OpenAITest.json({ id: "m", object: "model" })
      ],
      "GET /models/again": OpenAITest.error(429, { headers: { "x-should-retry": "true" } })
    }))))

  it.effect("a custom schedule still never retries quota errors or x-should-retry: false", () =>
    Effect.gen(function*() {
      const custom = (effect: Effect.Effect<unknown, OpenAIError.OpenAIError, OpenAIClient.OpenAIClient>) =>
        effect.pipe(OpenAIConfig.withConfigOverride({ retrySchedule: Schedule.spaced("1 second") }))
      const quota = yield* Effect.flip(custom(Models.retrieve("quota")))
      assert.strictEqual(quota._tag, "InsufficientQuotaError")
      const told = yield* Effect.flip(custom(Models.retrieve("told")))
      assert.strictEqual(told._tag, "InternalServerError")
      assert.strictEqual(yield* requestCount, 2)
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /models/quota": OpenAITest.error(429, { code: "insufficient_quota" }),
      "GET /models/told": OpenAITest.error(503, { headers: { "x-should-retry": "false" } })
    }))))

  it.effect("a one-shot upload body is never retried", () =>
    Effect.gen(function*() {
      const { Stream } = yield* Effect.promise(() => import("effect"))
      const file = (yield* Effect.promise(() => import("../src/Uploads.js"))).toFile(
        Stream.make(new TextEncoder().encode("line\n")),
        "data.jsonl"
      )
      const error = yield* Effect.flip(Files.create({ file, purpose: "batch" }))
      assert.strictEqual(error._tag, "InternalServerError")
      assert.strictEqual(yield* requestCount, 1)
    }).pipe(Effect.provide(OpenAITest.layer({ "POST /files": OpenAITest.error(500) }))))

  it.effect("interrupting during a backoff sleep sends nothing more", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Models.retrieve("m"))
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(yield* requestCount, 1)
      yield* Fiber.interrupt(fiber)
      yield* TestClock.adjust("1 minute")
      assert.strictEqual(yield* requestCount, 1)
    }).pipe(Effect.provide(OpenAITest.layer({ "GET /models/:id": OpenAITest.error(500) }))))
})

describe("timeouts", () => {
  it.effect("default attempt timeout is 10 minutes and is retried", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(Models.retrieve("m")))
      yield* TestClock.adjust("9 minutes")
      assert.strictEqual(yield* requestCount, 1)
      yield* TestClock.adjust("1 minute")
      assert.strictEqual(yield* requestCount, 1)
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* requestCount, 2)
      yield* TestClock.adjust("30 minutes")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "APIConnectionTimeoutError")
      if (error._tag === "APIConnectionTimeoutError") assert.strictEqual(error.phase, "request")
      assert.strictEqual(yield* requestCount, 3)
    }).pipe(Effect.provide(OpenAITest.layer({ "GET /models/:id": OpenAITest.stall }))))

  it.effect("the attempt timeout also bounds a stalled body", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(Models.retrieve("m", { timeout: "2 seconds", maxRetries: 0 })))
      yield* TestClock.adjust("2 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "APIConnectionTimeoutError")
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /models/:id": { ...OpenAITest.bytes([new TextEncoder().encode("{\"id\":")]), end: "stall" } as OpenAITest.Reply
    }))))

  it.effect("RequestTimeout from the layer applies", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(Models.retrieve("m")))
      yield* TestClock.adjust("5 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "APIConnectionTimeoutError")
    }).pipe(Effect.provide(OpenAITest.layer({ "GET /models/:id": OpenAITest.stall }, {
      timeout: "5 seconds",
      maxRetries: 0
    }))))
})

describe("logging and tracing", () => {
  it.effect("debug logs requests and responses with secrets redacted", () => {
    const logs = collectLogs()
    return Effect.gen(function*() {
      yield* Chat.Completions.create(chatParams)
      const request = logs.lines.find((l) => String(l.message) === "openai request")
      assert.isDefined(request)
      assert.strictEqual(request!.level, "DEBUG")
      assert.strictEqual((request!.annotations.headers as Record<string, string>).authorization, "<redacted>")
      assert.isDefined(logs.lines.find((l) => String(l.message) === "openai response"))
      const all = JSON.stringify(logs.lines)
      assert.include(all, "chat/completions")
      assert.notInclude(all, "sk-secret-log")
      assert.notInclude(all, "org-secret")
      assert.include(all, "<redacted>")
    }).pipe(
      Effect.provide(OpenAITest.layer({ "POST /chat/completions": OpenAITest.json(completion) }, {
        apiKey: "sk-secret-log",
        organization: "org-secret",
        logLevel: "debug"
      })),
      Logger.withMinimumLogLevel(LogLevel.Debug),
      Effect.provide(logs.layer)
    )
  })

  it.effect("the application's minimum log level applies: at Info, no debug lines; at Debug, retries show", () => {
    const logs = collectLogs()
    return Effect.gen(function*() {
      yield* Chat.Completions.create(chatParams).pipe(Logger.withMinimumLogLevel(LogLevel.Info))
      assert.deepStrictEqual(logs.lines.map((l) => String(l.message)), [])
      const fiber = yield* Effect.fork(Chat.Completions.create(chatParams).pipe(Logger.withMinimumLogLevel(LogLevel.Debug)))
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.join(fiber)
      const messages = logs.lines.map((l) => String(l.message))
      assert.include(messages, "openai retrying")
      assert.include(messages, "openai request")
    }).pipe(
      Effect.provide(OpenAITest.layer({
        "POST /chat/completions": [OpenAITest.json(completion), OpenAITest.error(500), OpenAITest.json(completion)]
      }, { logLevel: "debug" })),
      Effect.provide(logs.layer)
    )
  })

  it.effect("the client's logLevel narrows what it emits, whatever the application allows", () => {
    const logs = collectLogs()
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(Chat.Completions.create(chatParams))
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.join(fiber)
      assert.deepStrictEqual(logs.lines.map((l) => String(l.message)), [])
    }).pipe(
      Effect.provide(OpenAITest.layer({
        "POST /chat/completions": [OpenAITest.error(500), OpenAITest.json(completion)]
      }, { logLevel: "warn" })),
      Logger.withMinimumLogLevel(LogLevel.All),
      Effect.provide(logs.layer)
    )
  })

  it.effect("at warn, a transient failure that reaches the caller is logged once", () => {
    const logs = collectLogs()
    return Effect.gen(function*() {
      yield* Effect.flip(Models.retrieve("m"))
      yield* Effect.flip(Models.retrieve("missing"))
      const warnings = logs.lines.filter((l) => l.level === "WARN")
      assert.strictEqual(warnings.length, 1)
      assert.strictEqual(warnings[0]!.annotations.error, "InternalServerError")
    }).pipe(
      Effect.provide(OpenAITest.layer({
        "GET /models/m": OpenAITest.error(500),
        "GET /models/missing": OpenAITest.error(404)
      }, { maxRetries: 0 })),
      Effect.provide(logs.layer)
    )
  })

  it.effect("logs nothing at the default level on success", () => {
    const logs = collectLogs()
    return Effect.gen(function*() {
      yield* Chat.Completions.create(chatParams)
      assert.strictEqual(logs.lines.length, 0)
    }).pipe(
      Effect.provide(OpenAITest.layer({ "POST /chat/completions": OpenAITest.json(completion) })),
      Effect.provide(logs.layer)
    )
  })

  it.effect("one span per operation with operation, model, status, request id and usage", () => {
    const { spans, tracer } = recordingTracer()
    return Effect.gen(function*() {
      yield* Chat.Completions.create(chatParams)
      const span = spans.find((s) => s.name === "OpenAI chat.completions.create")
      assert.isDefined(span)
      assert.strictEqual(span!.attributes.get("gen_ai.operation.name"), "chat.completions.create")
      assert.strictEqual(span!.attributes.get("gen_ai.request.model"), "gpt-4o-mini")
      assert.strictEqual(span!.attributes.get("http.response.status_code"), 200)
      assert.strictEqual(span!.attributes.get("openai.request_id"), "req_span")
      assert.strictEqual(span!.attributes.get("gen_ai.usage.input_tokens"), 3)
      assert.strictEqual(span!.attributes.get("gen_ai.usage.output_tokens"), 2)
      assert.isTrue(span!.ended)
      // one span, the operation's: the platform's own HTTP span (and its trace headers) is switched off
      assert.deepStrictEqual(spans.map((s) => s.name), ["OpenAI chat.completions.create"])
      const [request] = yield* OpenAITest.requests
      assert.isUndefined(request!.headers.traceparent)
      assert.notInclude(JSON.stringify(spans.map((s) => [...s.attributes])), "sk-test")
    }).pipe(
      Effect.provide(OpenAITest.layer({
        "POST /chat/completions": OpenAITest.json(completion, { headers: { "x-request-id": "req_span" } })
      })),
      Effect.withTracer(tracer)
    )
  })
})

describe("operations", () => {
  it.effect("embeddings ask for base64 and return number[]", () =>
    Effect.gen(function*() {
      const result = yield* Embeddings.create({ model: "text-embedding-3-small", input: "hi" })
      assert.deepStrictEqual(result.data[0]!.embedding, [1.5, -2, 0.25])
      const [request] = yield* OpenAITest.requests
      assert.strictEqual((request!.json as { encoding_format: string }).encoding_format, "base64")
    }).pipe(Effect.provide(OpenAITest.layer({
      // the wire carries base64, which the operation decodes to the typed number[]
      "POST /embeddings": OpenAITest.unchecked({
        object: "list",
        model: "text-embedding-3-small",
        data: [{
          object: "embedding",
          index: 0,
          embedding: Buffer.from(new Float32Array([1.5, -2, 0.25]).buffer).toString("base64")
        }],
        usage: { prompt_tokens: 1, total_tokens: 1 }
      })
    }))))

  it.effect("embeddings with an explicit float format pass through", () =>
    Effect.gen(function*() {
      const result = yield* Embeddings.create({ model: "m", input: "hi", encoding_format: "float" })
      assert.deepStrictEqual(result.data[0]!.embedding, [0.5])
      const [request] = yield* OpenAITest.requests
      assert.strictEqual((request!.json as { encoding_format: string }).encoding_format, "float")
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /embeddings": OpenAITest.json({
        object: "list",
        model: "m",
        data: [{ object: "embedding", index: 0, embedding: [0.5] }],
        usage: { prompt_tokens: 1, total_tokens: 1 }
      })
    }))))

  it.effect("files upload as multipart with a sanitized name; content streams bytes", () =>
    Effect.gen(function*() {
      const { Stream, Chunk } = yield* Effect.promise(() => import("effect"))
      const Uploads = yield* Effect.promise(() => import("../src/Uploads.js"))
      const file = yield* Files.create({
        file: Uploads.toFile(new TextEncoder().encode("{\"a\":1}\n"), "../../etc/x\r\n.jsonl"),
        purpose: "batch"
      })
      assert.strictEqual(file.id, "file-1")
      const [request] = yield* OpenAITest.requests
      assert.match(request!.headers["content-type"]!, /^multipart\/form-data; boundary=/)
      assert.include(request!.text!, "name=\"purpose\"\r\n\r\nbatch\r\n")
      assert.include(request!.text!, "filename=\"x.jsonl\"")
      assert.include(request!.text!, "{\"a\":1}\n")
      const bytes = yield* Files.content("file-1").pipe(Stream.runCollect)
      assert.deepStrictEqual(
        Chunk.toReadonlyArray(bytes).map((b) => new TextDecoder().decode(b)).join(""),
        "hello world"
      )
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /files": OpenAITest.json({ id: "file-1", object: "file" }),
      "GET /files/:id/content": OpenAITest.bytes([new TextEncoder().encode("hello "), new TextEncoder().encode("world")])
    }))))

  it.effect("a missing upload path fails with UploadError before sending", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Files.create({ file: NodeUploads.fromPath("/nonexistent/x.jsonl"), purpose: "batch" }))
      assert.strictEqual(error._tag, "UploadError")
      assert.strictEqual(yield* requestCount, 0)
    }).pipe(Effect.provide(OpenAITest.layer({ "POST /files": OpenAITest.json({ id: "file-1" }) }))))

  it.effect("unmatched routes answer 404 naming the request", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Models.retrieve("m"))
      assert.isTrue(Exit.isFailure(exit))
      const error = yield* Effect.flip(Models.retrieve("m"))
      assert.strictEqual(error._tag, "NotFoundError")
      assert.include(error.message, "no scripted route for GET /models/m")
    }).pipe(Effect.provide(OpenAITest.layer({}))))
})
