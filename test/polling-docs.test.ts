/**
 * docs/polling.md: every TypeScript block of the guide is (up to indentation) a part of this file, which `tsc -b`
 * checks; the tests below run each example against scripted answers (the Effect API, on the `TestClock`) or a
 * loopback server (the Promise facade).
 */
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import { OpenAITest } from "@effect-openai/openai"
import { Fiber, TestClock } from "effect"
import OpenAI from "@effect-openai/promise"
import { json, serve } from "./parity/support.js"
import { assertBlocksIn } from "./support/guides.js"

describe("docs/polling.md", () => {
  it("every TypeScript block is part of this file", () =>
    assertBlocksIn("docs/polling.md", [fileURLToPath(import.meta.url)], 7))
})

// --- the guide's examples (imports where the guide has them) ------------------------------------------------------

import { Polling, Responses, Types, Uploads } from "@effect-openai/openai"
import { Effect, Schedule } from "effect"

// a background response, waited for
const story = Effect.gen(function*() {
  const started = yield* Responses.create({ model: "gpt-4o-mini", input: "Tell a long story", background: true })
  const done = yield* Polling.response(started.id)
  return done.output_text ?? ""
})

// every second, whatever the server says
const everySecond = Polling.batch("batch_abc", { schedule: Schedule.spaced("1 second") })

// the server's hint when it gives one, else 2 seconds; at most 30 waits
const bounded = Polling.batch("batch_abc", {
  schedule: Polling.withPollAfter(Schedule.spaced("2 seconds").pipe(Schedule.intersect(Schedule.recurs(30))))
})

// an overall limit is yours to set
const withinAnHour = Polling.fineTuningJob("ftjob_abc").pipe(Effect.timeout("1 hour"))

// often once the batch is finalizing, seldom before
const adaptive = Polling.batch("batch_abc", {
  schedule: Schedule.identity<{ readonly data: Types.Batch }>().pipe(
    Schedule.addDelay(({ data }) => (data.status === "finalizing" ? "1 second" : "30 seconds"))
  )
})

const report = Polling.batch("batch_abc").pipe(
  Effect.map((batch) => `done: ${batch.output_file_id}`),
  Effect.catchTag("PollFailedError", (e) => Effect.succeed(`${e.status}: ${e.message}`))
)

// the object, whatever it ended as
const anyway = Polling.vectorStoreFile("vs_abc", "file_abc").pipe(
  Effect.catchTag("PollFailedError", (e) => Effect.succeed(e.value))
)

const runToCompletion = (threadId: string, assistantId: string, answer: (call: Types.RunToolCallObject) => Effect.Effect<string>) =>
  Effect.gen(function*() {
    let run = yield* Polling.createRun(threadId, { assistant_id: assistantId })
    while (run.status === "requires_action" && run.required_action !== null) {
      const tool_outputs = yield* Effect.forEach(run.required_action.submit_tool_outputs.tool_calls, (call) =>
        Effect.map(answer(call), (output) => ({ tool_call_id: call.id, output })))
      run = yield* Polling.submitToolOutputs(threadId, run.id, { tool_outputs })
    }
    return run
  })

const facts = Uploads.toFile(new TextEncoder().encode("Lisbon is the capital of Portugal."), "facts.txt")
const one = Polling.uploadVectorStoreFile("vs_abc", { file: facts, attributes: { topic: "geography" } })

const many = (files: ReadonlyArray<Uploads.FileInput>) =>
  Polling.uploadVectorStoreFileBatch("vs_abc", { files, file_ids: ["file_already_there"] }, { concurrency: 3 })

// `client` is an `OpenAI` of "@effect-openai/promise"
const promiseExample = async (client: OpenAI) => {
  const file = await client.vectorStores.files.uploadAndPoll("vs_abc", new File(["Lisbon is the capital of Portugal."], "facts.txt"), {
    pollIntervalMs: 1000
  })
  if (file.status !== "completed") console.error(file.last_error)

  const run = await client.beta.threads.runs.createAndPoll("thread_abc", { assistant_id: "asst_abc" })
  return [file, run] as const
}

// --- running them --------------------------------------------------------------------------------------------------

const batch = (status: string) => ({ id: "batch_abc", object: "batch", status }) as const
const requests = Effect.map(OpenAITest.requests, (all) => all.length)

describe("the guide's examples", () => {
  it.effect("story: a background response, polled until completed", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(story)
      yield* TestClock.adjust("5 seconds")
      assert.strictEqual(yield* Fiber.join(fiber), "Once upon a time")
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /responses": OpenAITest.json({ id: "resp_1", object: "response", status: "queued", output: [] }),
      "GET /responses/:id": [
        OpenAITest.json({ id: "resp_1", object: "response", status: "in_progress", output: [] }),
        OpenAITest.json({
          id: "resp_1",
          object: "response",
          status: "completed",
          output: [{ type: "message", id: "m1", role: "assistant", status: "completed", content: [{ type: "output_text", text: "Once upon a time", annotations: [] }] }]
        })
      ]
    }))))

  it.effect("everySecond: one second, whatever the header says", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(everySecond)
      yield* TestClock.adjust("1 second")
      assert.strictEqual((yield* Fiber.join(fiber)).status, "completed")
      assert.strictEqual(yield* requests, 2)
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /batches/:id": [OpenAITest.json(batch("in_progress"), { headers: { "openai-poll-after-ms": "60000" } }), OpenAITest.json(batch("completed"))]
    }))))

  it.effect("bounded: the server's 10 s, then 2 s", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(bounded)
      yield* TestClock.adjust("9999 millis")
      assert.strictEqual(yield* requests, 1)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(yield* requests, 2)
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual((yield* Fiber.join(fiber)).status, "completed")
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /batches/:id": [
        OpenAITest.json(batch("validating"), { headers: { "openai-poll-after-ms": "10000" } }),
        OpenAITest.json(batch("in_progress")),
        OpenAITest.json(batch("completed"))
      ]
    }))))

  it.effect("bounded: stops after 30 waits", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(bounded))
      yield* TestClock.adjust("1 minute")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "PollExhaustedError")
      assert.strictEqual(yield* requests, 31)
    }).pipe(Effect.provide(OpenAITest.layer({ "GET /batches/:id": OpenAITest.json(batch("in_progress")) }))))

  it.effect("withinAnHour: a job still running after an hour times out", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(withinAnHour))
      yield* TestClock.adjust("1 hour")
      assert.strictEqual((yield* Fiber.join(fiber))._tag, "TimeoutException")
      assert.strictEqual(yield* requests, 3) // at 0, 25 and 50 minutes, as the server asks
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /fine_tuning/jobs/:id": OpenAITest.json({ id: "ftjob_abc", status: "running" }, { headers: { "openai-poll-after-ms": "1500000" } })
    }))))

  it.effect("adaptive: 30 s while in progress, 1 s once finalizing", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(adaptive)
      yield* TestClock.adjust("30 seconds")
      assert.strictEqual(yield* requests, 2)
      yield* TestClock.adjust("1 second")
      assert.strictEqual((yield* Fiber.join(fiber)).status, "completed")
      assert.strictEqual(yield* requests, 3)
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /batches/:id": [OpenAITest.json(batch("in_progress")), OpenAITest.json(batch("finalizing")), OpenAITest.json(batch("completed"))]
    }))))

  it.effect("report and anyway", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* report, "expired: batch batch_abc ended expired")
      assert.strictEqual((yield* anyway).status, "cancelled")
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /batches/:id": OpenAITest.json(batch("expired")),
      "GET /vector_stores/:vs/files/:id": OpenAITest.json({ id: "file_abc", status: "cancelled" })
    }))))

  it.effect("runToCompletion answers tool calls until the run completes", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(runToCompletion("thread_abc", "asst_abc", (call) => Effect.succeed(`answer to ${call.function.name}`)))
      yield* TestClock.adjust("5 seconds")
      assert.strictEqual((yield* Fiber.join(fiber)).status, "completed")
      const submitted = (yield* OpenAITest.requests).find((r) => r.path.endsWith("/submit_tool_outputs"))
      assert.deepStrictEqual((submitted?.json as { tool_outputs: unknown }).tool_outputs, [{ tool_call_id: "call_1", output: "answer to weather" }])
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /threads/:thread/runs": OpenAITest.json({ id: "run_1", thread_id: "thread_abc", status: "queued" }),
      "POST /threads/:thread/runs/:run/submit_tool_outputs": OpenAITest.json({ id: "run_1", thread_id: "thread_abc", status: "queued" }),
      "GET /threads/:thread/runs/:run": [
        OpenAITest.json({
          id: "run_1",
          thread_id: "thread_abc",
          status: "requires_action",
          required_action: {
            type: "submit_tool_outputs",
            submit_tool_outputs: { tool_calls: [{ id: "call_1", type: "function", function: { name: "weather", arguments: "{}" } }] }
          }
        }),
        OpenAITest.json({ id: "run_1", thread_id: "thread_abc", status: "in_progress" }),
        OpenAITest.json({ id: "run_1", thread_id: "thread_abc", status: "completed" })
      ]
    }))))

  it.effect("one and many", () => {
    let next = 0
    return Effect.gen(function*() {
      assert.strictEqual((yield* one).status, "completed")
      const batchOf = yield* many([new Uint8Array([1]), new Blob(["two"])])
      assert.strictEqual(batchOf.status, "completed")
      const create = (yield* OpenAITest.requests).find((r) => r.path === "/vector_stores/vs_abc/file_batches")
      assert.deepStrictEqual(create?.json, { file_ids: ["file_already_there", "file_1", "file_2"] })
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /files": () => OpenAITest.json({ id: `file_${next++}` }),
      "POST /vector_stores/:vs/files": OpenAITest.json({ id: "file_0", status: "in_progress" }),
      "GET /vector_stores/:vs/files/:id": OpenAITest.json({ id: "file_0", status: "completed" }),
      "POST /vector_stores/:vs/file_batches": OpenAITest.json({ id: "vsfb_1", status: "in_progress" }),
      "GET /vector_stores/:vs/file_batches/:id": OpenAITest.json({ id: "vsfb_1", status: "completed" })
    })))
  })

  it.live("the Promise facade's example", () =>
    Effect.promise(async () => {
      const statuses: Record<string, number> = {}
      const server = await serve((req, res) => {
        const key = `${req.method} ${req.path}`
        const n = (statuses[key] = (statuses[key] ?? 0) + 1)
        if (key === "POST /v1/files") return json(res, 200, { id: "file_abc", object: "file", purpose: "assistants" })
        if (req.path.startsWith("/v1/vector_stores")) {
          // the server asks for short waits; pollIntervalMs (1 s) overrides them, so one wait is enough here
          return json(res, 200, { id: "file_abc", status: req.method === "GET" && n > 1 ? "completed" : "in_progress" })
        }
        if (key === "POST /v1/threads/thread_abc/runs") return json(res, 200, { id: "run_1", thread_id: "thread_abc", status: "queued" })
        return json(res, 200, { id: "run_1", thread_id: "thread_abc", status: "completed" }, { "openai-poll-after-ms": "1" })
      })
      const [file, run] = await promiseExample(new OpenAI({ apiKey: "sk-test", baseURL: server.url, maxRetries: 0 }))
      assert.strictEqual(file.status, "completed")
      assert.strictEqual(run.status, "completed")
      assert.deepStrictEqual(server.requests.map((r) => `${r.method} ${r.path}`), [
        "POST /v1/files",
        "POST /v1/vector_stores/vs_abc/files",
        "GET /v1/vector_stores/vs_abc/files/file_abc",
        "GET /v1/vector_stores/vs_abc/files/file_abc",
        "POST /v1/threads/thread_abc/runs",
        "GET /v1/threads/thread_abc/runs/run_1"
      ])
    }))
})

// --- the guide's "Testing code that polls" ----------------------------------------------------------------------

describe("Polling.batch", () => {
  it.effect("waits what the server asks", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Polling.batch("batch_abc"))
      yield* TestClock.adjust("2 seconds")
      const batch = yield* Fiber.join(fiber)
      assert.strictEqual(batch.status, "completed")
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /batches/:id": [
        OpenAITest.json({ id: "batch_abc", status: "in_progress" }, { headers: { "openai-poll-after-ms": "2000" } }),
        OpenAITest.json({ id: "batch_abc", status: "completed" })
      ]
    }))))
})
