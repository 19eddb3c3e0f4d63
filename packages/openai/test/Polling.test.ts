import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Either, Exit, Fiber, Option, Schedule, TestClock } from "effect"
import type { OpenAIClient } from "../src/OpenAIClient.js"
import type * as OpenAIError from "../src/OpenAIError.js"
import * as OpenAITest from "../src/OpenAITest.js"
import { Polling, Types, Uploads } from "../src/index.js"
import { requestCount } from "./fixtures.js"

const batch = (status: string) => ({ id: "batch_1", object: "batch", status }) as const
const vsFile = (status: string, id = "file_1") => ({ id, object: "vector_store.file", vector_store_id: "vs_1", status }) as const
const fileBatch = (status: string) => ({ id: "vsfb_1", object: "vector_store.files_batch", vector_store_id: "vs_1", status }) as const
const run = (status: string) => ({ id: "run_1", object: "thread.run", thread_id: "thread_1", status }) as const
const afterMs = (ms: number) => ({ headers: { "openai-poll-after-ms": String(ms) } })

/** Each request as `METHOD path`. */
const sent = Effect.map(OpenAITest.requests, (all) => all.map((r) => `${r.method} ${r.path}`))

/** Moves the clock by `ms` and returns how many requests were made by then. */
const countAfter = (ms: number) => Effect.zipRight(TestClock.adjust(Duration.millis(ms)), requestCount)

describe("Polling: waits", () => {
  it.effect("retrieves at once, then every 5 seconds without a poll-after header", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Polling.batch("batch_1"))
      assert.strictEqual(yield* countAfter(0), 1)
      assert.strictEqual(yield* countAfter(4999), 1)
      assert.strictEqual(yield* countAfter(1), 2)
      assert.strictEqual(yield* countAfter(4999), 2)
      assert.strictEqual(yield* countAfter(1), 3)
      const done = yield* Fiber.join(fiber)
      assert.strictEqual(done.status, "completed")
      assert.deepStrictEqual(yield* sent, ["GET /batches/batch_1", "GET /batches/batch_1", "GET /batches/batch_1"])
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /batches/:id": [OpenAITest.json(batch("validating")), OpenAITest.json(batch("in_progress")), OpenAITest.json(batch("completed"))]
    }))))

  it.effect("waits what openai-poll-after-ms says, longer or shorter than the default", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Polling.vectorStoreFile("vs_1", "file_1"))
      assert.strictEqual(yield* countAfter(0), 1)
      assert.strictEqual(yield* countAfter(11_999), 1) // the header's 12 s, not the default 5 s
      assert.strictEqual(yield* countAfter(1), 2)
      assert.strictEqual(yield* countAfter(249), 2) // then 250 ms
      assert.strictEqual(yield* countAfter(1), 3)
      assert.strictEqual((yield* Fiber.join(fiber)).status, "completed")
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /vector_stores/:vs/files/:id": [
        OpenAITest.json(vsFile("in_progress"), afterMs(12_000)),
        OpenAITest.json(vsFile("in_progress"), afterMs(250)),
        OpenAITest.json(vsFile("completed"))
      ]
    }))))

  it.effect("an unreadable poll-after header falls back to the default interval", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Polling.batch("batch_1"))
      assert.strictEqual(yield* countAfter(4999), 1)
      assert.strictEqual(yield* countAfter(1), 2)
      yield* Fiber.join(fiber)
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /batches/:id": [
        OpenAITest.json(batch("in_progress"), { headers: { "openai-poll-after-ms": "soon" } }),
        OpenAITest.json(batch("completed"))
      ]
    }))))

  it("pollAfter reads milliseconds, zero included", () => {
    const meta = (value?: string) => ({
      status: 200,
      headers: value === undefined ? {} : { "openai-poll-after-ms": value },
      requestId: undefined,
      rateLimit: {} as OpenAIError.RateLimit
    })
    assert.deepStrictEqual(Polling.pollAfter(meta("1500")), Option.some(Duration.millis(1500)))
    assert.deepStrictEqual(Polling.pollAfter(meta("0")), Option.some(Duration.zero))
    assert.deepStrictEqual(Polling.pollAfter(meta("-5")), Option.none())
    assert.deepStrictEqual(Polling.pollAfter(meta("")), Option.none())
    assert.deepStrictEqual(Polling.pollAfter(meta()), Option.none())
  })

  it.effect("a schedule of yours replaces the default, header included", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Polling.batch("batch_1", { schedule: Schedule.spaced("1 second") }))
      assert.strictEqual(yield* countAfter(999), 1)
      assert.strictEqual(yield* countAfter(1), 2)
      assert.strictEqual((yield* Fiber.join(fiber)).status, "completed")
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /batches/:id": [OpenAITest.json(batch("in_progress"), afterMs(30_000)), OpenAITest.json(batch("completed"))]
    }))))

  it.effect("withPollAfter keeps the header over a schedule of yours, which still decides when to stop", () =>
    Effect.gen(function*() {
      const schedule = Polling.withPollAfter(Schedule.spaced("1 second").pipe(Schedule.intersect(Schedule.recurs(2))))
      const fiber = yield* Effect.fork(Effect.flip(Polling.batch("batch_1", { schedule })))
      assert.strictEqual(yield* countAfter(2999), 1)
      assert.strictEqual(yield* countAfter(1), 2) // the header's 3 s
      assert.strictEqual(yield* countAfter(1000), 3) // then the schedule's 1 s
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "PollExhaustedError")
      assert.strictEqual(yield* requestCount, 3)
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /batches/:id": [OpenAITest.json(batch("in_progress"), afterMs(3000)), OpenAITest.json(batch("in_progress"))]
    }))))

  it.effect("the schedule sees the last retrieval", () =>
    Effect.gen(function*() {
      // fast while finalizing, slow otherwise
      const schedule = Schedule.identity<{ readonly data: Types.Batch }>().pipe(
        Schedule.addDelay((last) => last.data.status === "finalizing" ? "100 millis" : "10 seconds")
      )
      const fiber = yield* Effect.fork(Polling.batch("batch_1", { schedule }))
      assert.strictEqual(yield* countAfter(9_999), 1)
      assert.strictEqual(yield* countAfter(1), 2)
      assert.strictEqual(yield* countAfter(100), 3)
      assert.strictEqual((yield* Fiber.join(fiber)).status, "completed")
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /batches/:id": [OpenAITest.json(batch("in_progress")), OpenAITest.json(batch("finalizing")), OpenAITest.json(batch("completed"))]
    }))))

  it.effect("a schedule that ends fails with PollExhaustedError and the last object", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(Polling.video("video_1", { schedule: Schedule.recurs(2) })))
      yield* TestClock.adjust("1 second")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "PollExhaustedError")
      if (error._tag !== "PollExhaustedError") return
      assert.strictEqual(error.polls, 3)
      assert.strictEqual(error.status, "in_progress")
      assert.strictEqual(error.value.id, "video_1")
      assert.strictEqual(error.message, "video video_1 still in_progress after 3 polls: the schedule ended")
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /videos/:id": OpenAITest.json({ id: "video_1", object: "video", status: "in_progress" })
    }))))

  it.effect("an overall limit is Effect.timeout: it interrupts the wait", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(Polling.batch("batch_1").pipe(Effect.timeout("7 seconds"))))
      yield* TestClock.adjust("7 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "TimeoutException")
      assert.strictEqual(yield* requestCount, 2)
      yield* TestClock.adjust("1 minute")
      assert.strictEqual(yield* requestCount, 2)
    }).pipe(Effect.provide(OpenAITest.layer({ "GET /batches/:id": OpenAITest.json(batch("in_progress")) }))))

  it.effect("a status it does not know is waited through", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Polling.batch("batch_1"))
      yield* TestClock.adjust("10 seconds")
      assert.strictEqual((yield* Fiber.join(fiber)).status, "completed")
      assert.strictEqual(yield* requestCount, 3)
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /batches/:id": [OpenAITest.json(batch("in_progress")), OpenAITest.json(batch("reticulating")), OpenAITest.json(batch("completed"))]
    }))))

  it.effect("requestOptions go on every request; a request's error ends polling", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(Polling.batch("batch_1", { requestOptions: { headers: { "x-trace": "t1" }, maxRetries: 0 } })))
      yield* TestClock.adjust("5 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "NotFoundError")
      const requests = yield* OpenAITest.requests
      assert.deepStrictEqual(requests.map((r) => r.headers["x-trace"]), ["t1", "t1"])
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /batches/:id": [OpenAITest.json(batch("in_progress")), OpenAITest.error(404)]
    }))))
})

describe("Polling: terminal statuses", () => {
  it.effect("a failed batch is a PollFailedError with the object, its status and the server's message", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(Polling.batch("batch_1")))
      yield* TestClock.adjust("5 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "PollFailedError")
      if (error._tag !== "PollFailedError") return
      assert.strictEqual(error.kind, "batch")
      assert.strictEqual(error.id, "batch_1")
      assert.strictEqual(error.status, "failed")
      assert.strictEqual(error.value.errors?.data?.[0]?.code, "invalid_json_line")
      assert.strictEqual(error.message, "batch batch_1 ended failed: line 3 is not JSON")
      assert.strictEqual(yield* requestCount, 2)
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /batches/:id": [
        OpenAITest.json(batch("validating")),
        OpenAITest.json({ ...batch("failed"), errors: { data: [{ code: "invalid_json_line", message: "line 3 is not JSON" }] } })
      ]
    }))))

  it.effect("expired and cancelled batches fail too", () =>
    Effect.gen(function*() {
      const expired = yield* Effect.flip(Polling.batch("b_expired"))
      const cancelled = yield* Effect.flip(Polling.batch("b_cancelled"))
      assert.deepStrictEqual([expired._tag, cancelled._tag], ["PollFailedError", "PollFailedError"])
      assert.strictEqual(expired.message, "batch b_expired ended expired")
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /batches/b_expired": OpenAITest.json({ id: "b_expired", status: "expired" }),
      "GET /batches/b_cancelled": OpenAITest.json({ id: "b_cancelled", status: "cancelled" })
    }))))

  it.effect("the object whatever it ended as: catch PollFailedError", () =>
    Effect.gen(function*() {
      const file = yield* Polling.vectorStoreFile("vs_1", "file_1").pipe(
        Effect.catchTag("PollFailedError", (e) => Effect.succeed(e.value))
      )
      assert.strictEqual(file.status, "failed")
      assert.strictEqual(file.last_error?.code, "unsupported_file")
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /vector_stores/:vs/files/:id": OpenAITest.json({
        ...vsFile("failed"),
        last_error: { code: "unsupported_file", message: "not a document" }
      })
    }))))

  it.effect("background responses: queued and in_progress are waited through; incomplete is returned", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Polling.response("resp_1"))
      yield* TestClock.adjust("10 seconds")
      const done = yield* Fiber.join(fiber)
      assert.strictEqual(done.status, "incomplete")
      assert.strictEqual(done.output_text, "partial")
      assert.strictEqual(yield* requestCount, 3)
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /responses/:id": [
        OpenAITest.json({ id: "resp_1", object: "response", status: "queued", output: [] }),
        OpenAITest.json({ id: "resp_1", object: "response", status: "in_progress", output: [] }),
        OpenAITest.json({
          id: "resp_1",
          object: "response",
          status: "incomplete",
          output: [{ type: "message", id: "m1", role: "assistant", status: "incomplete", content: [{ type: "output_text", text: "partial", annotations: [] }] }]
        })
      ]
    }))))

  it.effect("a response without a status (not a background one) is returned at once", () =>
    Effect.gen(function*() {
      const done = yield* Polling.response("resp_1")
      assert.strictEqual(done.id, "resp_1")
      assert.strictEqual(yield* requestCount, 1)
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /responses/:id": OpenAITest.json({ id: "resp_1", object: "response", output: [] })
    }))))

  it.effect("a failed or cancelled background response fails with the server's message", () =>
    Effect.gen(function*() {
      const failed = yield* Effect.flip(Polling.response("resp_failed"))
      const cancelled = yield* Effect.flip(Polling.response("resp_cancelled"))
      assert.strictEqual(failed.message, "response resp_failed ended failed: the model crashed")
      assert.strictEqual(cancelled._tag, "PollFailedError")
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /responses/resp_failed": OpenAITest.json({ id: "resp_failed", status: "failed", error: { code: "server_error", message: "the model crashed" } }),
      "GET /responses/resp_cancelled": OpenAITest.json({ id: "resp_cancelled", status: "cancelled" })
    }))))

  it.effect("fine-tuning jobs: running until succeeded; failed fails", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Polling.fineTuningJob("ftjob_1"))
      yield* TestClock.adjust("10 seconds")
      assert.strictEqual((yield* Fiber.join(fiber)).fine_tuned_model, "ft:gpt-4o-mini:me")
      const failed = yield* Effect.flip(Polling.fineTuningJob("ftjob_2"))
      assert.strictEqual(failed.message, "fine_tuning.job ftjob_2 ended failed: training file is empty")
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /fine_tuning/jobs/ftjob_1": [
        OpenAITest.json({ id: "ftjob_1", status: "validating_files" }),
        OpenAITest.json({ id: "ftjob_1", status: "running" }),
        OpenAITest.json({ id: "ftjob_1", status: "succeeded", fine_tuned_model: "ft:gpt-4o-mini:me" })
      ],
      "GET /fine_tuning/jobs/ftjob_2": OpenAITest.json({
        id: "ftjob_2",
        status: "failed",
        error: { code: "invalid_file", message: "training file is empty", param: null }
      })
    }))))

  it.effect("videos: queued until completed; failed fails", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Polling.video("video_1"))
      yield* TestClock.adjust("5 seconds")
      assert.strictEqual((yield* Fiber.join(fiber)).progress, 100)
      const failed = yield* Effect.flip(Polling.video("video_2"))
      assert.strictEqual(failed.message, "video video_2 ended failed: moderation blocked the prompt")
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /videos/video_1": [
        OpenAITest.json({ id: "video_1", object: "video", status: "queued", progress: 0 }),
        OpenAITest.json({ id: "video_1", object: "video", status: "completed", progress: 100 })
      ],
      "GET /videos/video_2": OpenAITest.json({ id: "video_2", status: "failed", error: { code: "moderation_blocked", message: "moderation blocked the prompt" } })
    }))))

  it.effect("a completed file batch is returned even with failed files", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Polling.vectorStoreFileBatch("vs_1", "vsfb_1"))
      yield* TestClock.adjust("5 seconds")
      const done = yield* Fiber.join(fiber)
      assert.strictEqual(done.file_counts.failed, 1)
      const cancelled = yield* Effect.flip(Polling.vectorStoreFileBatch("vs_1", "vsfb_2"))
      assert.strictEqual(cancelled.message, "vector_store.files_batch vsfb_2 ended cancelled")
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /vector_stores/vs_1/file_batches/vsfb_1": [
        OpenAITest.json(fileBatch("in_progress")),
        OpenAITest.json({ ...fileBatch("completed"), file_counts: { in_progress: 0, completed: 2, failed: 1, cancelled: 0, total: 3 } })
      ],
      "GET /vector_stores/vs_1/file_batches/vsfb_2": OpenAITest.json({ id: "vsfb_2", status: "cancelled" })
    }))))
})

describe("Polling: runs", () => {
  it.effect("createRun returns a run that requires_action, without waiting through it", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Polling.createRun("thread_1", { assistant_id: "asst_1" }))
      yield* TestClock.adjust("5 seconds")
      const result = yield* Fiber.join(fiber)
      assert.strictEqual(result.status, "requires_action")
      assert.strictEqual(result.required_action?.submit_tool_outputs.tool_calls[0]?.id, "call_1")
      assert.deepStrictEqual(yield* sent, [
        "POST /threads/thread_1/runs",
        "GET /threads/thread_1/runs/run_1",
        "GET /threads/thread_1/runs/run_1"
      ])
      yield* TestClock.adjust("1 minute")
      assert.strictEqual(yield* requestCount, 3)
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /threads/:thread/runs": OpenAITest.json(run("queued")),
      "GET /threads/:thread/runs/:run": [
        OpenAITest.json(run("in_progress")),
        OpenAITest.json({
          ...run("requires_action"),
          required_action: {
            type: "submit_tool_outputs",
            submit_tool_outputs: { tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: "{}" } }] }
          }
        }),
        OpenAITest.json(run("completed"))
      ]
    }))))

  it.effect("submitToolOutputs sends the outputs and polls until the run stops again", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(
        Polling.submitToolOutputs("thread_1", "run_1", { tool_outputs: [{ tool_call_id: "call_1", output: "42" }] })
      )
      yield* TestClock.adjust("5 seconds")
      assert.strictEqual((yield* Fiber.join(fiber)).status, "completed")
      const requests = yield* OpenAITest.requests
      assert.deepStrictEqual(requests.map((r) => `${r.method} ${r.path}`), [
        "POST /threads/thread_1/runs/run_1/submit_tool_outputs",
        "GET /threads/thread_1/runs/run_1",
        "GET /threads/thread_1/runs/run_1"
      ])
      assert.deepStrictEqual(requests[0]!.json, { tool_outputs: [{ tool_call_id: "call_1", output: "42" }], stream: false })
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /threads/:thread/runs/:run/submit_tool_outputs": OpenAITest.json(run("queued")),
      "GET /threads/:thread/runs/:run": [OpenAITest.json(run("in_progress")), OpenAITest.json(run("completed"))]
    }))))

  it.effect("createThreadAndRun polls the run in the thread the server made; cancelling is waited through, expired fails", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(Polling.createThreadAndRun({ assistant_id: "asst_1" })))
      yield* TestClock.adjust("5 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "PollFailedError")
      if (error._tag === "PollFailedError") assert.strictEqual(error.message, "thread.run run_1 ended expired: took too long")
      assert.deepStrictEqual(yield* sent, ["POST /threads/runs", "GET /threads/thread_9/runs/run_1", "GET /threads/thread_9/runs/run_1"])
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /threads/runs": OpenAITest.json({ ...run("queued"), thread_id: "thread_9" }),
      "GET /threads/:thread/runs/:run": [
        OpenAITest.json({ ...run("cancelling"), thread_id: "thread_9" }),
        OpenAITest.json({ ...run("expired"), thread_id: "thread_9", last_error: { code: "server_error", message: "took too long" } })
      ]
    }))))
})

describe("Polling: creating and uploading", () => {
  it.effect("createVectorStoreFile attaches, then polls the file it made", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Polling.createVectorStoreFile("vs_1", { file_id: "file_7" }))
      yield* TestClock.adjust("5 seconds")
      assert.strictEqual((yield* Fiber.join(fiber)).status, "completed")
      const requests = yield* OpenAITest.requests
      assert.deepStrictEqual(requests.map((r) => `${r.method} ${r.path}`), [
        "POST /vector_stores/vs_1/files",
        "GET /vector_stores/vs_1/files/file_7",
        "GET /vector_stores/vs_1/files/file_7"
      ])
      assert.deepStrictEqual(requests[0]!.json, { file_id: "file_7" })
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /vector_stores/:vs/files": OpenAITest.json(vsFile("in_progress", "file_7")),
      "GET /vector_stores/:vs/files/:id": [OpenAITest.json(vsFile("in_progress", "file_7")), OpenAITest.json(vsFile("completed", "file_7"))]
    }))))

  it.effect("uploadVectorStoreFile uploads for assistants, attaches with the params, and polls", () =>
    Effect.gen(function*() {
      const file = Uploads.toFile(new TextEncoder().encode("hello"), "notes.txt", { type: "text/plain" })
      const result = yield* Polling.uploadVectorStoreFile("vs_1", { file, attributes: { topic: "notes" } })
      assert.strictEqual(result.status, "completed")
      const requests = yield* OpenAITest.requests
      assert.deepStrictEqual(requests.map((r) => `${r.method} ${r.path}`), [
        "POST /files",
        "POST /vector_stores/vs_1/files",
        "GET /vector_stores/vs_1/files/file_up"
      ])
      assert.include(requests[0]!.text, "filename=\"notes.txt\"")
      assert.match(requests[0]!.text!, /name="purpose"\r\n\r\nassistants\r\n/)
      assert.deepStrictEqual(requests[1]!.json, { attributes: { topic: "notes" }, file_id: "file_up" })
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /files": OpenAITest.json({ id: "file_up", object: "file", purpose: "assistants" }),
      "POST /vector_stores/:vs/files": OpenAITest.json(vsFile("in_progress", "file_up")),
      "GET /vector_stores/:vs/files/:id": OpenAITest.json(vsFile("completed", "file_up"))
    }))))

  it.effect("uploadVectorStoreFileBatch uploads `concurrency` files at a time", () => {
    let next = 0
    return Effect.gen(function*() {
      const files = ["a", "b", "c", "d", "e", "f", "g"].map((name) => Uploads.toFile(new TextEncoder().encode(name), `${name}.txt`))
      const fiber = yield* Effect.fork(Polling.uploadVectorStoreFileBatch("vs_1", { files }, { concurrency: 3 }))
      const uploads = Effect.map(OpenAITest.requests, (all) => all.filter((r) => r.path === "/files").length)
      // each upload takes 1 s: three start at 0 s, three at 1 s, the last at 2 s
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(yield* uploads, 3)
      yield* TestClock.adjust("998 millis")
      assert.strictEqual(yield* uploads, 3)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(yield* uploads, 6)
      yield* TestClock.adjust("999 millis")
      assert.strictEqual(yield* uploads, 6)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(yield* uploads, 7)
      assert.isFalse((yield* sent).some((line) => line.includes("file_batches")))
      yield* TestClock.adjust("1 second")
      const result = yield* Fiber.join(fiber)
      assert.strictEqual(result.status, "completed")
      const create = (yield* OpenAITest.requests).find((r) => r.path === "/vector_stores/vs_1/file_batches")
      assert.deepStrictEqual(create?.json, { file_ids: ["file_0", "file_1", "file_2", "file_3", "file_4", "file_5", "file_6"] })
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /files": () => OpenAITest.delay("1 second", OpenAITest.json({ id: `file_${next++}` })),
      "POST /vector_stores/:vs/file_batches": OpenAITest.json(fileBatch("in_progress")),
      "GET /vector_stores/:vs/file_batches/:id": OpenAITest.json(fileBatch("completed"))
    })))
  })

  it.effect("uploadVectorStoreFileBatch attaches file_ids first, then the uploads in the order given", () =>
    Effect.gen(function*() {
      // c finishes first, a last
      const files = [["a", 3], ["b", 2], ["c", 1]].map(([name]) => Uploads.toFile(new TextEncoder().encode(String(name)), `${name}.txt`))
      const fiber = yield* Effect.fork(
        Polling.uploadVectorStoreFileBatch("vs_1", { files, file_ids: ["file_old"], chunking_strategy: { type: "auto" } })
      )
      yield* TestClock.adjust("3 seconds")
      yield* Fiber.join(fiber)
      const create = (yield* OpenAITest.requests).find((r) => r.path === "/vector_stores/vs_1/file_batches")
      assert.deepStrictEqual(create?.json, { chunking_strategy: { type: "auto" }, file_ids: ["file_old", "file_a", "file_b", "file_c"] })
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /files": (request) => {
        const name = /filename="(\w)\.txt"/.exec(request.text ?? "")![1]!
        const seconds = { a: 3, b: 2, c: 1 }[name as "a" | "b" | "c"]
        return OpenAITest.delay(Duration.seconds(seconds), OpenAITest.json({ id: `file_${name}` }))
      },
      "POST /vector_stores/:vs/file_batches": OpenAITest.json(fileBatch("completed")),
      "GET /vector_stores/:vs/file_batches/:id": OpenAITest.json(fileBatch("completed"))
    }))))

  it.effect("a failed upload fails the whole, and nothing is attached", () =>
    Effect.gen(function*() {
      const files = ["a", "b"].map((name) => Uploads.toFile(new TextEncoder().encode(name), `${name}.txt`))
      const error = yield* Effect.flip(Polling.uploadVectorStoreFileBatch("vs_1", { files }, { requestOptions: { maxRetries: 0 } }))
      assert.strictEqual(error._tag, "BadRequestError")
      assert.isFalse((yield* sent).some((line) => line.includes("file_batches")))
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /files": (request) =>
        (request.text ?? "").includes("b.txt") ? OpenAITest.error(400) : OpenAITest.json({ id: "file_a" }),
      "POST /vector_stores/:vs/file_batches": OpenAITest.json(fileBatch("completed"))
    }))))

  it.effect("no files, or a concurrency that is not a positive integer, is refused before anything is sent", () =>
    Effect.gen(function*() {
      const file = Uploads.toFile(new Uint8Array([1]), "x.bin")
      const none = yield* Effect.flip(Polling.uploadVectorStoreFileBatch("vs_1", { files: [], file_ids: ["file_1"] }))
      const zero = yield* Effect.flip(Polling.uploadVectorStoreFileBatch("vs_1", { files: [file] }, { concurrency: 0 }))
      const half = yield* Effect.flip(Polling.uploadVectorStoreFileBatch("vs_1", { files: [file] }, { concurrency: 1.5 }))
      assert.deepStrictEqual([none._tag, zero._tag, half._tag], ["InvalidInputError", "InvalidInputError", "InvalidInputError"])
      assert.strictEqual(zero.message, "concurrency must be a positive integer, got 0")
      assert.strictEqual(yield* requestCount, 0)
    }).pipe(Effect.provide(OpenAITest.layer({}))))
})

describe("Polling: types", () => {
  type Batch = Types.Batch
  type Plain = Effect.Effect<Batch, OpenAIError.RequestError | Polling.PollFailedError<Batch>, OpenAIClient>

  it("only a call given a schedule can fail with PollExhaustedError", () => {
    const plain: Plain = Polling.batch("b")
    const withOptions: Plain = Polling.batch("b", { requestOptions: { maxRetries: 1 } })
    // @ts-expect-error a schedule may end
    const scheduled: Plain = Polling.batch("b", { schedule: Schedule.spaced("1 second") })
    const options: Polling.Options<Batch> = {}
    // @ts-expect-error options typed as Options may hold a schedule
    const opaque: Plain = Polling.batch("b", options)
    const uploads = Polling.uploadVectorStoreFileBatch("vs", { files: [] })
    type UploadError = Effect.Effect.Error<typeof uploads>["_tag"]
    const tags: Array<UploadError> = ["UploadError", "PollFailedError", "InvalidInputError"]
    // @ts-expect-error no schedule, no exhaustion
    const exhausted: UploadError = "PollExhaustedError"
    assert.lengthOf([plain, withOptions, scheduled, opaque, tags, exhausted], 6)
  })

  it.effect("the error union narrows with catchTag", () =>
    Effect.gen(function*() {
      const result = yield* Polling.batch("b").pipe(
        Effect.catchTag("PollFailedError", (e) => Effect.succeed(`${e.id} ${e.status}`)),
        Effect.either
      )
      assert.deepStrictEqual(result, Either.right("b failed"))
      const exit = yield* Effect.exit(Polling.batch("missing", { requestOptions: { maxRetries: 0 } }))
      assert.isTrue(Exit.isFailure(exit))
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /batches/b": OpenAITest.json({ id: "b", status: "failed" }),
      "GET /batches/missing": OpenAITest.error(404)
    }))))
})
