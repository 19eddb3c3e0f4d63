import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Schedule, TestClock } from "effect"
import * as OpenAIClient from "../src/OpenAIClient.js"
import * as OpenAIConfig from "../src/OpenAIConfig.js"
import * as OpenAIError from "../src/OpenAIError.js"
import * as OpenAITest from "../src/OpenAITest.js"
import { Chat, Files, Models } from "../src/index.js"
import { chatParams, completion, requestCount } from "./fixtures.js"

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
