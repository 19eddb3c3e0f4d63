import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Logger, LogLevel, TestClock } from "effect"
import * as OpenAITest from "../src/OpenAITest.js"
import { Chat, Models } from "../src/index.js"
import { chatParams, completion } from "./fixtures.js"
import { collectLogs, recordingTracer } from "./utils.js"

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
