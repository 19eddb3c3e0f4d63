import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Layer, Stream, TestClock } from "effect"
import * as OpenAI from "../src/OpenAI.js"
import * as OpenAIClient from "../src/OpenAIClient.js"
import * as OpenAIStream from "../src/OpenAIStream.js"
import * as OpenAITest from "../src/OpenAITest.js"
import { Beta, Chat, Completions, Responses, type Types } from "../src/index.js"
import { recordingTracer } from "./utils.js"

const chatParams = { model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] } as const
const chunk = (content: string) => ({
  id: "c1",
  object: "chat.completion.chunk",
  created: 1,
  model: "gpt-4o-mini",
  choices: [{ index: 0, delta: { content }, finish_reason: null }]
})
const requestCount = Effect.map(OpenAITest.requests, (all) => all.length)
const collect = <A, E, R>(stream: Stream.Stream<A, E, R>) => Effect.map(Stream.runCollect(stream), Chunk.toReadonlyArray)

const response = <S extends string>(status: S) => ({ id: "resp_1", object: "response", status, model: "m", output: [] }) as const

describe("chat streams", () => {
  it.effect("yields chunks and ends at [DONE], sending stream: true", () =>
    Effect.gen(function*() {
      const chunks = yield* collect(Chat.Completions.createStream(chatParams))
      assert.deepStrictEqual(chunks.map((c) => c.choices[0]!.delta.content), ["Hel", "lo"])
      const [request] = yield* OpenAITest.requests
      assert.strictEqual((request!.json as { stream: boolean }).stream, true)
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /chat/completions": OpenAITest.sse([chunk("Hel"), chunk("lo")], { done: true })
    }))))

  it.effect("a stream that ends before [DONE] is StreamTruncatedError after the events it had", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const error = yield* Chat.Completions.createStream(chatParams).pipe(
        Stream.tap((c) => Effect.sync(() => seen.push(String(c.choices[0]!.delta.content)))),
        Stream.runDrain,
        Effect.flip
      )
      assert.strictEqual(error._tag, "StreamTruncatedError")
      if (error._tag === "StreamTruncatedError") assert.strictEqual(error.eventsReceived, 2)
      assert.deepStrictEqual(seen, ["a", "b"])
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /chat/completions": OpenAITest.sse([chunk("a"), chunk("b")])
    }))))

  it.effect("a nested error event is StreamError with its code; earlier chunks are delivered", () =>
    Effect.gen(function*() {
      const seen: Array<unknown> = []
      const error = yield* Chat.Completions.createStream(chatParams).pipe(
        Stream.tap((c) => Effect.sync(() => seen.push(c.choices[0]!.delta.content))),
        Stream.runDrain,
        Effect.flip
      )
      assert.strictEqual(error._tag, "StreamError")
      if (error._tag === "StreamError") {
        assert.strictEqual(error.code, "server_overloaded")
        assert.include(error.message, "try later")
      }
      assert.deepStrictEqual(seen, ["a"])
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /chat/completions": OpenAITest.sse([
        `${OpenAITest.encodeSseEvent(chunk("a"))}data: {"error":{"message":"try later","type":"server_error","code":"server_overloaded"}}\n\n`,
        chunk("never")
      ], { done: true })
    }))))

  it.effect("malformed JSON in an event is ResponseDecodeError with the raw data", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Stream.runDrain(Chat.Completions.createStream(chatParams)))
      assert.strictEqual(error._tag, "ResponseDecodeError")
      if (error._tag === "ResponseDecodeError") assert.strictEqual(error.body, "{not json")
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /chat/completions": OpenAITest.sse(["data: {not json\n\n"], { done: true })
    }))))

  it.effect("an HTTP error before the stream starts is the status error, retried like any request", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(collect(Chat.Completions.createStream(chatParams)))
      yield* TestClock.adjust("1 second")
      const chunks = yield* Fiber.join(fiber)
      assert.strictEqual(chunks.length, 1)
      assert.strictEqual(yield* requestCount, 2)
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /chat/completions": [OpenAITest.error(500), OpenAITest.sse([chunk("x")], { done: true })]
    }))))

  it.effect("a disconnect after events were delivered is not retried", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(Stream.runDrain(Chat.Completions.createStream(chatParams))))
      yield* TestClock.adjust("1 minute")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "APIConnectionError")
      assert.strictEqual(yield* requestCount, 1)
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /chat/completions": OpenAITest.sse([chunk("x")], { end: "disconnect" })
    }))))

  it.effect("a disconnect before any event is retried", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(collect(Chat.Completions.createStream(chatParams)))
      yield* TestClock.adjust("1 minute")
      assert.strictEqual((yield* Fiber.join(fiber)).length, 1)
      assert.strictEqual(yield* requestCount, 2)
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /chat/completions": [
        OpenAITest.sse([], { end: "disconnect" }),
        OpenAITest.sse([chunk("x")], { done: true })
      ]
    }))))
})

describe("responses streams", () => {
  const events = [
    { type: "response.created", response: response("in_progress"), sequence_number: 0 },
    { type: "response.output_text.delta", delta: "Hi", item_id: "i", output_index: 0, content_index: 0, sequence_number: 1 },
    { type: "response.brand_new_event", payload: 1, sequence_number: 2 },
    { type: "response.completed", response: response("completed"), sequence_number: 3 }
  ]

  it.effect("passes every event through, unknown types included, and ends after the terminal event", () =>
    Effect.gen(function*() {
      const all = yield* collect(Responses.createStream({ model: "m", input: "Hi" }))
      assert.deepStrictEqual(all.map((e) => e.type), events.map((e) => e.type))
      const text = yield* Responses.createStream({ model: "m", input: "Hi" }).pipe(
        Stream.filter((e): e is Extract<Types.CreateResponseStreamEvent, { type: "response.output_text.delta" }> =>
          e.type === "response.output_text.delta"
        ),
        Stream.map((e) => e.delta),
        Stream.mkString
      )
      assert.strictEqual(text, "Hi")
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /responses": OpenAITest.sse(events.map((e) => ({ event: e.type, data: e })))
    }))))

  it.effect("response.incomplete and response.failed are terminal too", () =>
    Effect.gen(function*() {
      for (const type of ["response.incomplete", "response.failed"]) {
        const all = yield* collect(Responses.createStream({ model: type, input: "Hi" }))
        assert.strictEqual(all[all.length - 1]!.type, type)
      }
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /responses": (request) => {
        const type = (request.json as { model: string }).model
        return OpenAITest.sse([{ type, response: response(type.slice(9)), sequence_number: 0 }])
      }
    }))))

  it.effect("a stream without a terminal event is StreamTruncatedError", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Stream.runDrain(Responses.createStream({ model: "m", input: "Hi" })))
      assert.strictEqual(error._tag, "StreamTruncatedError")
      if (error._tag === "StreamTruncatedError") {
        assert.strictEqual(error.eventsReceived, 2)
        assert.strictEqual(error.lastEventType, "response.output_text.delta")
        assert.strictEqual(error.requestId, "req_test_stream")
      }
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /responses": OpenAITest.sse(events.slice(0, 2))
    }))))

  it.effect("a flat error event (type: error, or event: error) is StreamError", () =>
    Effect.gen(function*() {
      const flat = yield* Effect.flip(Stream.runDrain(Responses.createStream({ model: "flat", input: "x" })))
      assert.strictEqual(flat._tag, "StreamError")
      if (flat._tag === "StreamError") assert.strictEqual(flat.code, "rate_limit_exceeded")
      const named = yield* Effect.flip(Stream.runDrain(Responses.createStream({ model: "named", input: "x" })))
      assert.strictEqual(named._tag, "StreamError")
      if (named._tag === "StreamError") assert.strictEqual(named.message.includes("boom"), true)
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /responses": (request) =>
        (request.json as { model: string }).model === "flat"
          ? OpenAITest.sse([{ type: "error", code: "rate_limit_exceeded", message: "slow down", param: null }])
          : OpenAITest.sse([{ event: "error", data: { message: "boom" } }])
    }))))

  it.effect("non-streaming create adds output_text", () =>
    Effect.gen(function*() {
      const result = yield* Responses.create({ model: "m", input: "Hi" })
      assert.strictEqual(result.output_text, "Hello there")
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /responses": OpenAITest.json({
        ...response("completed"),
        output: [{
          type: "message",
          content: [{ type: "output_text", text: "Hello " }, { type: "output_text", text: "there" }]
        }]
      })
    }))))
})

describe("legacy completion streams", () => {
  const completion = (text: string) => ({
    id: "cmpl_1",
    object: "text_completion",
    created: 1,
    model: "gpt-3.5-turbo-instruct",
    choices: [{ index: 0, text, logprobs: null, finish_reason: "stop" }]
  }) as const

  it.effect("yields completion chunks and ends at [DONE], sending stream: true", () =>
    Effect.gen(function*() {
      const chunks = yield* collect(Completions.createStream({ model: "gpt-3.5-turbo-instruct", prompt: "Say" }))
      assert.deepStrictEqual(chunks.map((c) => c.choices[0]!.text), ["Hel", "lo"])
      const [request] = yield* OpenAITest.requests
      assert.strictEqual((request!.json as { stream: boolean }).stream, true)
      assert.strictEqual(request!.headers["accept"], "text/event-stream")
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /completions": OpenAITest.sse([completion("Hel"), completion("lo")], { done: true })
    }))))

  it.effect("a stream that ends before [DONE] is StreamTruncatedError", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Stream.runDrain(Completions.createStream({ model: "m", prompt: "Say" })))
      assert.strictEqual(error._tag, "StreamTruncatedError")
      if (error._tag === "StreamTruncatedError") assert.strictEqual(error.eventsReceived, 1)
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /completions": OpenAITest.sse([completion("a")])
    }))))

  it.effect("the JSON call asks for JSON: stream: false, whatever the params say", () =>
    Effect.gen(function*() {
      const result = yield* Completions.create({ model: "m", prompt: "Say", stream: true })
      assert.strictEqual(result.choices[0]!.text, "Hello")
      const [request] = yield* OpenAITest.requests
      assert.strictEqual((request!.json as { stream: boolean }).stream, false)
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /completions": OpenAITest.json(completion("Hello"))
    }))))
})

describe("assistants run streams", () => {
  const run = (status: string) => ({ id: "run_1", object: "thread.run", thread_id: "thread_1", assistant_id: "asst_1", status })
  const delta = (value: string) => ({
    id: "msg_1",
    object: "thread.message.delta",
    delta: { content: [{ index: 0, type: "text", text: { value } }] }
  })
  const events = [
    { event: "thread.run.created", data: run("queued") },
    { event: "thread.message.delta", data: delta("Hel") },
    { event: "thread.run.brand_new_event", data: { id: "x" } },
    { event: "thread.message.delta", data: delta("lo") },
    { event: "thread.run.completed", data: run("completed") },
    { event: "done", data: "[DONE]" }
  ]
  const text = <E>(stream: Stream.Stream<Types.CreateRunStreamEvent, E, OpenAIClient.OpenAIClient>) =>
    stream.pipe(
      Stream.flatMap((e) =>
        e.event === "thread.message.delta"
          ? Stream.fromIterable(e.data.delta.content ?? [])
          : Stream.empty
      ),
      Stream.map((part) => part.type === "text" ? part.text?.value ?? "" : ""),
      Stream.mkString
    )

  it.effect("runs.createStream: named events as { event, data }, narrowing on event, ending at event: done", () =>
    Effect.gen(function*() {
      const all = yield* collect(Beta.Threads.Runs.createStream("thread_1", { assistant_id: "asst_1" }))
      assert.deepStrictEqual(all.map((e) => e.event), events.slice(0, 5).map((e) => e.event))
      assert.deepStrictEqual(all.map((e) => OpenAIStream.isUnknownEvent(e)), [false, false, true, false, false])
      assert.strictEqual(yield* text(Beta.Threads.Runs.createStream("thread_1", { assistant_id: "asst_1" })), "Hello")
      const [request] = yield* OpenAITest.requests
      assert.strictEqual(request!.url.pathname, "/v1/threads/thread_1/runs")
      assert.deepStrictEqual(request!.json, { assistant_id: "asst_1", stream: true })
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /threads/:id/runs": OpenAITest.sse(events)
    }))))

  it.effect("createAndRunStream and submitToolOutputsStream stream the same events", () =>
    Effect.gen(function*() {
      const started = yield* collect(Beta.Threads.createAndRunStream({ assistant_id: "asst_1" }))
      assert.strictEqual(started.length, 5)
      const resumed = yield* collect(
        Beta.Threads.Runs.submitToolOutputsStream("thread_1", "run_1", { tool_outputs: [{ tool_call_id: "c1", output: "42" }] })
      )
      assert.strictEqual(resumed[resumed.length - 1]!.event, "thread.run.completed")
      const requests = yield* OpenAITest.requests
      assert.deepStrictEqual(requests.map((r) => `${r.method} ${r.url.pathname}`), [
        "POST /v1/threads/runs",
        "POST /v1/threads/thread_1/runs/run_1/submit_tool_outputs"
      ])
      assert.isTrue(requests.every((r) => (r.json as { stream: boolean }).stream === true))
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /threads/runs": OpenAITest.sse(events),
      "POST /threads/:id/runs/:run/submit_tool_outputs": OpenAITest.sse(events)
    }))))

  it.effect("a run stream that ends before event: done is StreamTruncatedError; an error event is StreamError", () =>
    Effect.gen(function*() {
      const truncated = yield* Effect.flip(Stream.runDrain(Beta.Threads.Runs.createStream("cut", { assistant_id: "a" })))
      assert.strictEqual(truncated._tag, "StreamTruncatedError")
      if (truncated._tag === "StreamTruncatedError") {
        assert.strictEqual(truncated.eventsReceived, 2)
        assert.strictEqual(truncated.lastEventType, "thread.message.delta")
      }
      const failed = yield* Effect.flip(Stream.runDrain(Beta.Threads.Runs.createStream("error", { assistant_id: "a" })))
      assert.strictEqual(failed._tag, "StreamError")
      if (failed._tag === "StreamError") assert.strictEqual(failed.code, "server_error")
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /threads/:id/runs": (request) =>
        request.url.pathname.includes("/cut/")
          ? OpenAITest.sse(events.slice(0, 2))
          : OpenAITest.sse([events[0]!, { event: "error", data: { message: "run failed", type: "server_error", code: "server_error" } }])
    }))))

  it.effect("with decodeResponses, known events are checked and unknown ones pass", () =>
    Effect.gen(function*() {
      const all = yield* collect(Beta.Threads.Runs.createStream("thread_1", { assistant_id: "asst_1" }))
      assert.strictEqual(all.length, 5)
      const error = yield* Effect.flip(Stream.runDrain(Beta.Threads.Runs.createStream("bad", { assistant_id: "asst_1" })))
      assert.strictEqual(error._tag, "ResponseDecodeError")
      assert.include(error.message, "stream event of beta.threads.runs.create")
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /threads/:id/runs": (request) =>
        request.url.pathname.includes("/bad/")
          ? OpenAITest.sse([{ event: "thread.run.created", data: { ...run("queued"), created_at: "yesterday" } }, events[5]!])
          : OpenAITest.sse(events)
    }, { decodeResponses: true }))))
})

describe("response retrieval streams", () => {
  const events = [
    { type: "response.output_text.delta", delta: "lo", item_id: "i", output_index: 0, content_index: 0, sequence_number: 4 },
    { type: "response.completed", response: response("completed"), sequence_number: 5 }
  ]

  it.effect("retrieveStream asks with ?stream=true, keeps the other query params, and ends at the terminal event", () =>
    Effect.gen(function*() {
      const all = yield* collect(Responses.retrieveStream("resp_1", { starting_after: 3 }))
      assert.deepStrictEqual(all.map((e) => e.type), ["response.output_text.delta", "response.completed"])
      const beta = yield* collect(Beta.Responses.retrieveStream("resp_1"))
      assert.strictEqual(beta.length, 2)
      const [plain, betaRequest] = yield* OpenAITest.requests
      assert.strictEqual(plain!.method, "GET")
      assert.strictEqual(plain!.url.searchParams.get("stream"), "true")
      assert.strictEqual(plain!.url.searchParams.get("starting_after"), "3")
      assert.strictEqual(plain!.headers["accept"], "text/event-stream")
      assert.strictEqual(betaRequest!.url.searchParams.get("stream"), "true")
      assert.strictEqual(betaRequest!.url.searchParams.get("beta"), "true")
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /responses/:id": OpenAITest.sse(events)
    }))))

  it.effect("a retrieval stream without a terminal event is StreamTruncatedError", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Stream.runDrain(Responses.retrieveStream("resp_1")))
      assert.strictEqual(error._tag, "StreamTruncatedError")
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /responses/:id": OpenAITest.sse(events.slice(0, 1))
    }))))

  it.effect("retrieve sends no stream param unless given one, and then stream=false", () =>
    Effect.gen(function*() {
      yield* Responses.retrieve("resp_1")
      yield* Responses.retrieve("resp_1", { stream: true })
      const [plain, given] = yield* OpenAITest.requests
      assert.isFalse(plain!.url.searchParams.has("stream"))
      assert.strictEqual(given!.url.searchParams.get("stream"), "false")
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /responses/:id": OpenAITest.json(response("completed"))
    }))))
})

/** The real client over an HttpClient that answers every request with this body, in these chunks. */
const webLayer = (chunks: () => ReadonlyArray<Uint8Array>, options: Omit<OpenAI.Options, "apiKey" | "adminApiKey"> = {}) =>
  OpenAI.layer({
    apiKey: "sk-test",
    baseURL: "https://api.openai.test/v1",
    ...options,
    httpClient: Layer.succeed(
      HttpClient.HttpClient,
      HttpClient.make((request) =>
        Effect.sync(() => {
          const all = chunks()
          let i = 0
          const body = new ReadableStream<Uint8Array>({
            pull(controller) {
              if (i < all.length) controller.enqueue(all[i++]!)
              else controller.close()
            }
          })
          return HttpClientResponse.fromWeb(request, new Response(body, { headers: { "content-type": "text/event-stream" } }))
        })
      )
    )
  })

describe("stream pipeline", () => {
  it.effect("a stream survives 100,000 one-byte chunks, multi-byte characters split across them", () =>
    Effect.gen(function*() {
      const contents = Array.from({ length: 600 }, (_, i) => `tök€n ${i} 😀`)
      const text = contents.map((c) => `data: ${JSON.stringify(chunk(c))}\n\n`).join("") + "data: [DONE]\n\n"
      const bytes = new TextEncoder().encode(text)
      assert.isAbove(bytes.length, 100_000)
      const chunks = yield* collect(Chat.Completions.createStream(chatParams)).pipe(
        Effect.provide(webLayer(() => Array.from(bytes, (b) => Uint8Array.of(b))))
      )
      assert.deepStrictEqual(chunks.map((c) => c.choices[0]!.delta.content), contents)
    }))

  it.effect("events that arrive in one chunk are delivered together", () =>
    Effect.gen(function*() {
      const text = [chunk("a"), chunk("b"), chunk("c")].map((c) => `data: ${JSON.stringify(c)}\n\n`).join("") +
        "data: [DONE]\n\n"
      const sizes = yield* Chat.Completions.createStream(chatParams).pipe(
        Stream.mapChunks((c) => Chunk.of(c.length)),
        Stream.runCollect,
        Effect.provide(webLayer(() => [new TextEncoder().encode(text)]))
      )
      assert.deepStrictEqual(Chunk.toReadonlyArray(sizes), [3])
    }))
})

describe("stream timeouts", () => {
  it.effect("a per-call timeout bounds the first event and each idle gap when the stream limits are unset", () =>
    Effect.gen(function*() {
      const idle = yield* Effect.fork(Effect.flip(Stream.runDrain(
        Chat.Completions.createStream(chatParams, { timeout: "2 seconds", maxRetries: 0 })
      )))
      yield* TestClock.adjust("2 seconds")
      const error = yield* Fiber.join(idle)
      assert.strictEqual(error._tag, "APIConnectionTimeoutError")
      if (error._tag === "APIConnectionTimeoutError") {
        assert.strictEqual(error.phase, "idle")
        assert.strictEqual(error.message.includes("2s"), true)
      }
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /chat/completions": OpenAITest.sse([chunk("x")], { end: "stall" })
    }))))

  it.effect("explicit stream limits win over the attempt timeout", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(collect(Chat.Completions.createStream(chatParams, {
        timeout: "2 seconds",
        streamFirstEventTimeout: "1 minute",
        streamIdleTimeout: "1 minute"
      })))
      yield* TestClock.adjust("30 seconds")
      assert.strictEqual((yield* Fiber.join(fiber)).length, 2)
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /chat/completions": OpenAITest.sse([chunk("a"), chunk("b")], { done: true, delay: "10 seconds" })
    }))))

  it.effect("time a consumer spends between pulls does not count as idle", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(collect(
        Chat.Completions.createStream(chatParams, { streamIdleTimeout: "10 seconds" }).pipe(
          Stream.tap(() => Effect.sleep("30 seconds"))
        )
      ))
      for (let i = 0; i < 10; i++) yield* TestClock.adjust("10 seconds")
      assert.strictEqual((yield* Fiber.join(fiber)).length, 3)
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /chat/completions": OpenAITest.sse([chunk("a"), chunk("b"), chunk("c")], { done: true })
    }))))

  it.effect("time to first event", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(Stream.runDrain(
        Chat.Completions.createStream(chatParams, { streamFirstEventTimeout: "30 seconds", maxRetries: 0 })
      )))
      yield* TestClock.adjust("30 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "APIConnectionTimeoutError")
      if (error._tag === "APIConnectionTimeoutError") assert.strictEqual(error.phase, "first-event")
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /chat/completions": OpenAITest.sse([], { end: "stall" })
    }))))

  it.effect("a first-event timeout is retried since nothing was delivered", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(collect(
        Chat.Completions.createStream(chatParams, { streamFirstEventTimeout: "30 seconds" })
      ))
      yield* TestClock.adjust("30 seconds")
      yield* TestClock.adjust("1 second")
      assert.strictEqual((yield* Fiber.join(fiber)).length, 1)
      assert.strictEqual(yield* requestCount, 2)
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /chat/completions": [OpenAITest.sse([], { end: "stall" }), OpenAITest.sse([chunk("x")], { done: true })]
    }))))

  it.effect("idle timeout between events", () =>
    Effect.gen(function*() {
      const seen: Array<unknown> = []
      const fiber = yield* Effect.fork(Effect.flip(Stream.runDrain(
        Chat.Completions.createStream(chatParams).pipe(Stream.tap((c) => Effect.sync(() => seen.push(c))))
      )))
      yield* TestClock.adjust("59 seconds")
      assert.strictEqual(seen.length, 1)
      assert.isNull(fiber.unsafePoll())
      yield* TestClock.adjust("1 second")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "APIConnectionTimeoutError")
      if (error._tag === "APIConnectionTimeoutError") assert.strictEqual(error.phase, "idle")
      assert.strictEqual(yield* requestCount, 1)
    }).pipe(
      Effect.provide(OpenAITest.layer({
        "POST /chat/completions": OpenAITest.sse([chunk("x")], { end: "stall" })
      }, { streamIdleTimeout: "1 minute" }))
    ))

  it.effect("keepalive comments reset the idle timer", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(collect(Chat.Completions.createStream(chatParams)))
      // five events 10 s apart: each gap is below the 15 s limit only because a keepalive arrives in between
      for (let i = 0; i < 12; i++) yield* TestClock.adjust("5 seconds")
      const chunks = yield* Fiber.join(fiber)
      assert.strictEqual(chunks.length, 2)
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /chat/completions": OpenAITest.sse(
        [chunk("a"), ": keepalive\n\n", ": keepalive\n\n", ": keepalive\n\n", chunk("b")],
        { done: true, delay: "10 seconds" }
      )
    }, { streamIdleTimeout: "15 seconds" }))))

  it.effect("keepalives do not satisfy the first-event limit", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(Stream.runDrain(
        Chat.Completions.createStream(chatParams, { streamFirstEventTimeout: "30 seconds", maxRetries: 0 })
      )))
      yield* TestClock.adjust("30 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "APIConnectionTimeoutError")
      if (error._tag === "APIConnectionTimeoutError") assert.strictEqual(error.phase, "first-event")
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /chat/completions": OpenAITest.sse(Array.from({ length: 10 }, () => ": keepalive\n\n"), {
        delay: "5 seconds",
        end: "stall"
      })
    }))))

  it.effect("stream spans carry the model, status and request id", () => {
    const { spans, tracer } = recordingTracer()
    return Effect.gen(function*() {
      yield* Stream.runDrain(Chat.Completions.createStream(chatParams))
      const span = spans.find((s) => s.name === "OpenAI chat.completions.create")
      assert.isDefined(span)
      assert.strictEqual(span!.attributes.get("gen_ai.request.model"), "gpt-4o-mini")
      assert.strictEqual(span!.attributes.get("http.response.status_code"), 200)
      assert.strictEqual(span!.attributes.get("openai.request_id"), "req_test_stream")
      assert.isTrue(span!.ended)
    }).pipe(
      Effect.provide(OpenAITest.layer({ "POST /chat/completions": OpenAITest.sse([chunk("x")], { done: true }) })),
      Effect.withTracer(tracer)
    )
  })

  it.effect("an oversized event is a typed error", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Stream.runDrain(Chat.Completions.createStream(chatParams)))
      assert.strictEqual(error._tag, "ResponseDecodeError")
      assert.include(error.message, "limit of 1000 characters")
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /chat/completions": OpenAITest.sse([chunk("x".repeat(2000))], { done: true })
    }, { maxEventSize: 1000 }))))
})

describe("raw sse", () => {
  it.effect("OpenAIClient.sse gives the decoded events, comments dropped", () =>
    Effect.gen(function*() {
      const events = yield* collect(OpenAIClient.sse({ method: "GET", path: "/events" }))
      assert.deepStrictEqual(events.map((e) => [e.event, e.data, e.id]), [["a", "1\n2", "7"], [undefined, "x", "7"]])
    }).pipe(Effect.provide(OpenAITest.layer({}, {
      customRoutes: {
        "GET /events": OpenAITest.sse(["event: a\r\ndata: 1\r\ndata: 2\r\nid: 7\r\n\r\n", ": c\n\n", "data: x"])
      }
    }))))
})
