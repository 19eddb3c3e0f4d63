/**
 * The official polling helpers (`createAndPoll`, `poll`, `upload`, `uploadAndPoll`, `submitToolOutputsAndPoll`,
 * `createAndRunPoll`) over loopback servers: the requests they make, the waits (`pollIntervalMs`, the server's
 * `openai-poll-after-ms`, the default), what they resolve with and how they fail.
 */
import { describe, expect, it } from "vitest"
import OpenAI, { APIUserAbortError, NotFoundError, OpenAIError, toFile } from "@effect-openai/promise"
import { clientOf, json, rejection, sleep, useServers, within } from "./support/server.js"
import type { Received } from "./support/server.js"

const serve = useServers()

const vsFile = (status: string, id = "file_1") => ({ id, object: "vector_store.file", vector_store_id: "vs_1", status, last_error: null })
const fileBatch = (status: string) => ({
  id: "vsfb_1",
  object: "vector_store.files_batch",
  vector_store_id: "vs_1",
  status,
  file_counts: { in_progress: 0, completed: 2, failed: 0, cancelled: 0, total: 2 }
})
const run = (status: string, thread = "thread_1") => ({ id: "run_1", object: "thread.run", thread_id: thread, status })

/** A server answering each route (`METHOD /path`, under `/v1`) with its replies in order, the last repeating. */
const scripted = (routes: Record<string, ReadonlyArray<{ body: unknown; headers?: Record<string, string> }>>) => {
  const calls = new Map<string, number>()
  return serve((req, res) => {
    const key = `${req.method} ${req.path.slice("/v1".length)}`
    const replies = routes[key]
    if (replies === undefined) return json(res, 404, { error: { message: `no route for ${key}` } })
    const n = calls.get(key) ?? 0
    calls.set(key, n + 1)
    const reply = replies[Math.min(n, replies.length - 1)]!
    json(res, 200, reply.body, reply.headers)
  })
}

const lines = (requests: ReadonlyArray<Received>) => requests.map((r) => `${r.method} ${r.path}`)

describe("vectorStores.files", () => {
  it("createAndPoll attaches the file, then polls it every pollIntervalMs until it is processed", async () => {
    const server = await scripted({
      "POST /vector_stores/vs_1/files": [{ body: vsFile("in_progress") }],
      "GET /vector_stores/vs_1/files/file_1": [{ body: vsFile("in_progress") }, { body: vsFile("in_progress") }, { body: vsFile("completed") }]
    })
    const file = await clientOf(server).vectorStores.files.createAndPoll("vs_1", { file_id: "file_1" }, {
      pollIntervalMs: 5,
      headers: { "x-trace": "t1" }
    })
    expect(file.status).toBe("completed")
    expect(lines(server.requests)).toEqual([
      "POST /v1/vector_stores/vs_1/files",
      "GET /v1/vector_stores/vs_1/files/file_1",
      "GET /v1/vector_stores/vs_1/files/file_1",
      "GET /v1/vector_stores/vs_1/files/file_1"
    ])
    expect(server.requests[0]!.json).toEqual({ file_id: "file_1" })
    expect(server.requests.map((r) => [r.headers["x-trace"], r.headers["openai-beta"]])).toEqual(
      Array(4).fill(["t1", "assistants=v2"])
    )
  })

  it("poll resolves with a file that failed: the official helpers leave the status to the caller", async () => {
    const failed = { ...vsFile("failed"), last_error: { code: "unsupported_file", message: "not a document" } }
    const server = await scripted({ "GET /vector_stores/vs_1/files/file_1": [{ body: vsFile("in_progress") }, { body: failed }] })
    const file = await clientOf(server).vectorStores.files.poll("vs_1", "file_1", { pollIntervalMs: 0 })
    expect(file.status).toBe("failed")
    expect(file.last_error?.message).toBe("not a document")
  })

  it("without pollIntervalMs, waits what openai-poll-after-ms says", async () => {
    const server = await scripted({
      "GET /vector_stores/vs_1/files/file_1": [{ body: vsFile("in_progress"), headers: { "openai-poll-after-ms": "20" } }, { body: vsFile("completed") }]
    })
    const started = Date.now()
    const file = await within(2000, clientOf(server).vectorStores.files.poll("vs_1", "file_1"))
    expect(file.status).toBe("completed")
    expect(Date.now() - started).toBeGreaterThanOrEqual(15)
  })

  it("pollIntervalMs wins over the header", async () => {
    const server = await scripted({
      "GET /vector_stores/vs_1/files/file_1": [{ body: vsFile("in_progress"), headers: { "openai-poll-after-ms": "60000" } }, { body: vsFile("completed") }]
    })
    const file = await within(2000, clientOf(server).vectorStores.files.poll("vs_1", "file_1", { pollIntervalMs: 5 }))
    expect(file.status).toBe("completed")
  })

  it("without either, waits the 5 s default; the signal ends the wait", async () => {
    const server = await scripted({ "GET /vector_stores/vs_1/files/file_1": [{ body: vsFile("in_progress") }, { body: vsFile("completed") }] })
    const controller = new AbortController()
    const polling = clientOf(server).vectorStores.files.poll("vs_1", "file_1", { signal: controller.signal })
    await sleep(300)
    expect(server.requests).toHaveLength(1)
    controller.abort()
    expect(await within(1000, rejection(polling))).toBeInstanceOf(APIUserAbortError)
    await sleep(50)
    expect(server.requests).toHaveLength(1)
  })

  it("upload sends the file for assistants and attaches it, without polling", async () => {
    const server = await scripted({
      "POST /files": [{ body: { id: "file_up", object: "file", bytes: 5, created_at: 1, filename: "notes.txt", purpose: "assistants" } }],
      "POST /vector_stores/vs_1/files": [{ body: vsFile("in_progress", "file_up") }]
    })
    const file = await clientOf(server).vectorStores.files.upload("vs_1", await toFile(Buffer.from("hello"), "notes.txt"))
    expect(file.status).toBe("in_progress")
    expect(lines(server.requests)).toEqual(["POST /v1/files", "POST /v1/vector_stores/vs_1/files"])
    expect(server.requests[0]!.text).toContain("filename=\"notes.txt\"")
    expect(server.requests[0]!.text).toMatch(/name="purpose"\r\n\r\nassistants\r\n/)
    expect(server.requests[1]!.json).toEqual({ file_id: "file_up" })
  })

  it("uploadAndPoll uploads, attaches and polls", async () => {
    const server = await scripted({
      "POST /files": [{ body: { id: "file_up", object: "file", bytes: 5, created_at: 1, filename: "f", purpose: "assistants" } }],
      "POST /vector_stores/vs_1/files": [{ body: vsFile("in_progress", "file_up") }],
      "GET /vector_stores/vs_1/files/file_up": [{ body: vsFile("in_progress", "file_up") }, { body: vsFile("completed", "file_up") }]
    })
    const file = await clientOf(server).vectorStores.files.uploadAndPoll("vs_1", new File(["hello"], "a.txt"), { pollIntervalMs: 1 })
    expect(file.status).toBe("completed")
    expect(lines(server.requests)).toEqual([
      "POST /v1/files",
      "POST /v1/vector_stores/vs_1/files",
      "GET /v1/vector_stores/vs_1/files/file_up",
      "GET /v1/vector_stores/vs_1/files/file_up"
    ])
  })

  it("a request's error rejects with the official class", async () => {
    const server = await scripted({})
    const error = await rejection(clientOf(server).vectorStores.files.poll("vs_1", "file_1", { pollIntervalMs: 1 }))
    expect(error).toBeInstanceOf(NotFoundError)
    expect(server.requests).toHaveLength(1)
  })
})

describe("vectorStores.fileBatches", () => {
  it("createAndPoll and poll", async () => {
    const server = await scripted({
      "POST /vector_stores/vs_1/file_batches": [{ body: fileBatch("in_progress") }],
      "GET /vector_stores/vs_1/file_batches/vsfb_1": [{ body: fileBatch("in_progress") }, { body: fileBatch("completed") }]
    })
    const client = clientOf(server)
    const batch = await client.vectorStores.fileBatches.createAndPoll("vs_1", { file_ids: ["file_1", "file_2"] }, { pollIntervalMs: 1 })
    expect(batch.status).toBe("completed")
    expect(lines(server.requests)).toEqual([
      "POST /v1/vector_stores/vs_1/file_batches",
      "GET /v1/vector_stores/vs_1/file_batches/vsfb_1",
      "GET /v1/vector_stores/vs_1/file_batches/vsfb_1"
    ])
    expect((await client.vectorStores.fileBatches.poll("vs_1", "vsfb_1")).status).toBe("completed")
  })

  it("uploadAndPoll uploads maxConcurrency files at a time, then attaches fileIds and the uploads in order", async () => {
    let inFlight = 0
    let most = 0
    let uploaded = 0
    const server = await serve(async (req, res) => {
      if (req.path === "/v1/files") {
        const name = /filename="([^"]+)"/.exec(req.text)![1]!
        inFlight++
        most = Math.max(most, inFlight)
        // the first file takes longest, so uploads finish out of order
        await sleep(name === "f0.txt" ? 60 : 20)
        inFlight--
        uploaded++
        return json(res, 200, { id: `file_${name.slice(0, 2)}`, object: "file", bytes: 1, created_at: 1, filename: name, purpose: "assistants" })
      }
      json(res, 200, fileBatch(req.method === "POST" ? "in_progress" : "completed"))
    })
    const files = [0, 1, 2, 3, 4].map((i) => new File([`file ${i}`], `f${i}.txt`))
    const batch = await clientOf(server).vectorStores.fileBatches.uploadAndPoll("vs_1", { files, fileIds: ["file_old"] }, {
      maxConcurrency: 2,
      pollIntervalMs: 1
    })
    expect(batch.status).toBe("completed")
    expect(uploaded).toBe(5)
    expect(most).toBe(2)
    const create = server.requests.find((r) => r.method === "POST" && r.path === "/v1/vector_stores/vs_1/file_batches")
    expect(create?.json).toEqual({ file_ids: ["file_old", "file_f0", "file_f1", "file_f2", "file_f3", "file_f4"] })
  })

  it("uploadAndPoll refuses no files and a maxConcurrency below 1 before sending anything", async () => {
    const server = await scripted({})
    const client = clientOf(server)
    const none = await rejection(client.vectorStores.fileBatches.uploadAndPoll("vs_1", { files: [], fileIds: ["file_1"] }))
    const zero = await rejection(
      client.vectorStores.fileBatches.uploadAndPoll("vs_1", { files: [new File(["x"], "x.txt")] }, { maxConcurrency: 0 })
    )
    expect(none).toBeInstanceOf(OpenAIError)
    expect(zero).toBeInstanceOf(OpenAIError)
    expect(zero.message).toContain("concurrency must be a positive integer")
    expect(server.requests).toHaveLength(0)
  })
})

describe("beta.threads.runs", () => {
  it("createAndPoll resolves with a run that requires_action", async () => {
    const requiresAction = {
      ...run("requires_action"),
      required_action: {
        type: "submit_tool_outputs",
        submit_tool_outputs: { tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: "{}" } }] }
      }
    }
    const server = await scripted({
      "POST /threads/thread_1/runs": [{ body: run("queued") }],
      "GET /threads/thread_1/runs/run_1": [{ body: run("in_progress") }, { body: requiresAction }, { body: run("completed") }]
    })
    const result = await clientOf(server).beta.threads.runs.createAndPoll("thread_1", { assistant_id: "asst_1" }, { pollIntervalMs: 1 })
    expect(result.status).toBe("requires_action")
    expect(result.required_action?.submit_tool_outputs.tool_calls[0]?.id).toBe("call_1")
    expect(lines(server.requests)).toEqual([
      "POST /v1/threads/thread_1/runs",
      "GET /v1/threads/thread_1/runs/run_1",
      "GET /v1/threads/thread_1/runs/run_1"
    ])
  })

  it("poll resolves with an expired run", async () => {
    const server = await scripted({ "GET /threads/thread_1/runs/run_1": [{ body: run("cancelling") }, { body: run("expired") }] })
    const result = await clientOf(server).beta.threads.runs.poll("run_1", { thread_id: "thread_1" }, { pollIntervalMs: 1 })
    expect(result.status).toBe("expired")
  })

  it("submitToolOutputsAndPoll sends the outputs (the thread in the path) and polls on", async () => {
    const server = await scripted({
      "POST /threads/thread_1/runs/run_1/submit_tool_outputs": [{ body: run("queued") }],
      "GET /threads/thread_1/runs/run_1": [{ body: run("in_progress") }, { body: run("completed") }]
    })
    const result = await clientOf(server).beta.threads.runs.submitToolOutputsAndPoll(
      "run_1",
      { thread_id: "thread_1", tool_outputs: [{ tool_call_id: "call_1", output: "42" }] },
      { pollIntervalMs: 1 }
    )
    expect(result.status).toBe("completed")
    expect(lines(server.requests)).toEqual([
      "POST /v1/threads/thread_1/runs/run_1/submit_tool_outputs",
      "GET /v1/threads/thread_1/runs/run_1",
      "GET /v1/threads/thread_1/runs/run_1"
    ])
    expect(server.requests[0]!.json.tool_outputs).toEqual([{ tool_call_id: "call_1", output: "42" }])
    expect(server.requests[0]!.json.thread_id).toBeUndefined()
  })
})

describe("beta.threads", () => {
  it("createAndRunPoll polls the run in the thread the server made", async () => {
    const server = await scripted({
      "POST /threads/runs": [{ body: run("queued", "thread_new") }],
      "GET /threads/thread_new/runs/run_1": [{ body: run("in_progress", "thread_new") }, { body: run("completed", "thread_new") }]
    })
    const client: OpenAI = clientOf(server)
    const result = await client.beta.threads.createAndRunPoll({ assistant_id: "asst_1", thread: { messages: [] } }, { pollIntervalMs: 1 })
    expect(result.status).toBe("completed")
    expect(lines(server.requests)).toEqual([
      "POST /v1/threads/runs",
      "GET /v1/threads/thread_new/runs/run_1",
      "GET /v1/threads/thread_new/runs/run_1"
    ])
  })
})
