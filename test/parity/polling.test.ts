/**
 * The polling helpers against the official package: the same scripted statuses on a loopback server, run with each
 * package; the requests (method, path, query, body, the caller's header) and the result must be the same. The
 * official client also sends `x-stainless-*` telemetry headers (ours sends none), which are not compared.
 */
import FacadeOpenAI from "@effect-openai/promise"
import OfficialOpenAI from "openai"
import { describe, expect, it } from "vitest"
import { json, type Recorded, serve, within } from "./support.js"

const packages = [
  { name: "official", OpenAI: OfficialOpenAI },
  { name: "facade", OpenAI: FacadeOpenAI as unknown as typeof OfficialOpenAI }
] as const

type Client = OfficialOpenAI

interface Reply {
  readonly body: unknown
  readonly headers?: Record<string, string>
}

/** Serves the replies by route (`METHOD /path` under `/v1`), in order, the last repeating; runs `start`; records what happened. */
const trace = async (
  OpenAI: typeof OfficialOpenAI,
  routes: Record<string, ReadonlyArray<Reply>>,
  start: (client: Client) => Promise<unknown>
) => {
  const calls = new Map<string, number>()
  const server = await serve((req, res) => {
    const key = `${req.method} ${req.path.slice("/v1".length)}`
    const replies = routes[key]
    if (replies === undefined) return json(res, 404, { error: { message: `no route for ${key}` } })
    const n = calls.get(key) ?? 0
    calls.set(key, n + 1)
    const reply = replies[Math.min(n, replies.length - 1)]!
    json(res, 200, reply.body, reply.headers)
  })
  const client = new OpenAI({ apiKey: "sk-parity", baseURL: server.url, maxRetries: 0, logLevel: "off" })
  const outcome = await within(start(client), 3000)
  const requests = server.requests.map((r: Recorded) => ({
    method: r.method,
    path: r.path,
    search: r.search,
    body: r.json,
    trace: r.headers["x-trace"],
    beta: r.headers["openai-beta"]
  }))
  return { outcome: outcome.settled === "value" ? JSON.parse(JSON.stringify(outcome.value)) : outcome, requests }
}

const vsFile = (status: string) => ({
  id: "file_1",
  object: "vector_store.file",
  created_at: 1,
  usage_bytes: 10,
  vector_store_id: "vs_1",
  status,
  last_error: status === "failed" ? { code: "unsupported_file", message: "not a document" } : null
})

const run = (status: string) => ({
  id: "run_1",
  object: "thread.run",
  created_at: 1,
  thread_id: "thread_1",
  assistant_id: "asst_1",
  status,
  required_action: status === "requires_action"
    ? {
      type: "submit_tool_outputs",
      submit_tool_outputs: { tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: "{}" } }] }
    }
    : null
})

/** Both packages' traces of one scenario. */
const both = (routes: Record<string, ReadonlyArray<Reply>>, start: (client: Client) => Promise<unknown>) =>
  Promise.all(packages.map((p) => trace(p.OpenAI, routes, start)))

describe("polling helpers: the facade against the official package", () => {
  it("vectorStores.files.createAndPoll: create, then retrieve until processed", async () => {
    const routes = {
      "POST /vector_stores/vs_1/files": [{ body: vsFile("in_progress") }],
      "GET /vector_stores/vs_1/files/file_1": [{ body: vsFile("in_progress") }, { body: vsFile("in_progress") }, { body: vsFile("completed") }]
    }
    const [official, facade] = await both(routes, (client) =>
      client.vectorStores.files.createAndPoll("vs_1", { file_id: "file_1", attributes: { a: "b" } }, {
        pollIntervalMs: 1,
        headers: { "x-trace": "t1" }
      }))
    expect(official.outcome.status).toBe("completed")
    expect(official.requests).toHaveLength(4)
    expect(facade).toEqual(official)
  })

  it("vectorStores.files.createAndPoll: a failed file resolves, and the server's poll-after header sets the wait", async () => {
    const routes = {
      "POST /vector_stores/vs_1/files": [{ body: vsFile("in_progress") }],
      "GET /vector_stores/vs_1/files/file_1": [
        { body: vsFile("in_progress"), headers: { "openai-poll-after-ms": "10" } },
        { body: vsFile("failed") }
      ]
    }
    // without pollIntervalMs: the header's 10 ms, not the 5 s default (which `within` would not wait for)
    const [official, facade] = await both(routes, (client) => client.vectorStores.files.createAndPoll("vs_1", { file_id: "file_1" }))
    expect(official.outcome.status).toBe("failed")
    expect(facade).toEqual(official)
  })

  it("beta.threads.runs.createAndPoll: create, then retrieve until the run stops; requires_action stops it", async () => {
    const routes = {
      "POST /threads/thread_1/runs": [{ body: run("queued") }],
      "GET /threads/thread_1/runs/run_1": [
        { body: run("queued") },
        { body: run("in_progress") },
        { body: run("requires_action") },
        { body: run("completed") }
      ]
    }
    const [official, facade] = await both(routes, (client) =>
      client.beta.threads.runs.createAndPoll("thread_1", { assistant_id: "asst_1", instructions: "be brief" }, {
        pollIntervalMs: 1,
        headers: { "x-trace": "t2" }
      }))
    expect(official.outcome.status).toBe("requires_action")
    expect(official.requests).toHaveLength(4)
    expect(facade).toEqual(official)
  })

  it("beta.threads.runs.createAndPoll: cancelling is waited through, cancelled resolves", async () => {
    const routes = {
      "POST /threads/thread_1/runs": [{ body: run("in_progress") }],
      "GET /threads/thread_1/runs/run_1": [{ body: run("cancelling") }, { body: run("cancelled") }]
    }
    const [official, facade] = await both(routes, (client) =>
      client.beta.threads.runs.createAndPoll("thread_1", { assistant_id: "asst_1" }, { pollIntervalMs: 0 }))
    expect(official.outcome.status).toBe("cancelled")
    expect(facade).toEqual(official)
  })
})

describe("polling helpers: where the facade differs on purpose", () => {
  it("a status the helper does not know (intended: the facade waits as for an in-progress one)", async () => {
    for (const p of packages) {
      const times: Array<number> = []
      const statuses = ["in_progress", "reticulating", "completed"]
      const server = await serve((req, res) => {
        times.push(Date.now())
        json(res, 200, vsFile(statuses[Math.min(req.index, statuses.length - 1)]!))
      })
      const client = new p.OpenAI({ apiKey: "sk-parity", baseURL: server.url, maxRetries: 0, logLevel: "off" })
      const file = await client.vectorStores.files.poll("vs_1", "file_1", { pollIntervalMs: 200 })
      expect(file.status).toBe("completed")
      expect(times).toHaveLength(3)
      const gap = times[2]! - times[1]!
      if (p.name === "official") expect(gap).toBeLessThan(150)
      else expect(gap).toBeGreaterThanOrEqual(190)
    }
  })

  it("fileBatches.uploadAndPoll (intended: the uploads are attached in the order given; a failed upload stops the others and rejects with its own error)", async () => {
    for (const p of packages) {
      // f0 is slow, f1 fast: the official package attaches f1 first
      const server = await serve(async (req, res) => {
        if (req.path === "/v1/files") {
          const name = /filename="([^"]+)"/.exec(req.body.toString("utf8"))![1]!
          await new Promise((resolve) => setTimeout(resolve, name === "f0.txt" ? 80 : 5))
          return json(res, 200, { id: `file_${name.slice(0, 2)}`, object: "file", bytes: 1, created_at: 1, filename: name, purpose: "assistants" })
        }
        json(res, 200, { id: "vsfb_1", object: "vector_store.files_batch", vector_store_id: "vs_1", status: "completed", file_counts: {} })
      })
      const client = new p.OpenAI({ apiKey: "sk-parity", baseURL: server.url, maxRetries: 0, logLevel: "off" })
      const files = [new File(["0"], "f0.txt"), new File(["1"], "f1.txt")]
      await client.vectorStores.fileBatches.uploadAndPoll("vs_1", { files }, { pollIntervalMs: 1 })
      const create = server.requests.find((r) => r.path === "/v1/vector_stores/vs_1/file_batches")
      expect((create?.json as { file_ids: Array<string> }).file_ids).toEqual(p.name === "official" ? ["file_f1", "file_f0"] : ["file_f0", "file_f1"])
    }
    for (const p of packages) {
      // f0 is slow, f1 fails at once
      const server = await serve(async (req, res) => {
        const name = /filename="([^"]+)"/.exec(req.body.toString("utf8"))![1]!
        if (name === "f1.txt") return json(res, 400, { error: { message: "bad file" } })
        await new Promise((resolve) => setTimeout(resolve, 150))
        json(res, 200, { id: "file_f0", object: "file", bytes: 1, created_at: 1, filename: name, purpose: "assistants" })
      })
      const client = new p.OpenAI({ apiKey: "sk-parity", baseURL: server.url, maxRetries: 0, logLevel: "off" })
      const files = [new File(["0"], "f0.txt"), new File(["1"], "f1.txt")]
      const started = Date.now()
      const error = await client.vectorStores.fileBatches.uploadAndPoll("vs_1", { files }, { pollIntervalMs: 1 }).then(
        () => undefined,
        (e: unknown) => e
      )
      const elapsed = Date.now() - started
      if (p.name === "official") {
        // a plain Error that keeps the upload's error in `rejections`, once every upload has settled
        expect(error).not.toBeInstanceOf(p.OpenAI.BadRequestError)
        expect((error as { rejections: Array<unknown> }).rejections[0]).toBeInstanceOf(p.OpenAI.BadRequestError)
        expect(elapsed).toBeGreaterThanOrEqual(140)
      } else {
        expect(error).toBeInstanceOf(p.OpenAI.BadRequestError)
        expect(elapsed).toBeLessThan(140)
      }
      await server.requests[0]!.closed
      expect(server.requests.filter((r) => r.path.includes("file_batches"))).toEqual([])
    }
  })

  it("fileBatches.uploadAndPoll refuses no files and maxConcurrency 0 before sending anything (intended: as InvalidInputError)", async () => {
    for (const p of packages) {
      const server = await serve((_req, res) => json(res, 500, { error: { message: "nothing should be sent" } }))
      const client = new p.OpenAI({ apiKey: "sk-parity", baseURL: server.url, maxRetries: 0, logLevel: "off" })
      const caught = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e as Error)
      const none = await caught(client.vectorStores.fileBatches.uploadAndPoll("vs_1", { files: [] }))
      const zero = await caught(client.vectorStores.fileBatches.uploadAndPoll("vs_1", { files: [new File(["x"], "x.txt")] }, { maxConcurrency: 0 }))
      if (p.name === "official") {
        expect([none?.constructor.name, zero?.constructor.name]).toEqual(["Error", "RangeError"])
      } else {
        expect([none?.constructor.name, zero?.constructor.name]).toEqual(["InvalidInputError", "InvalidInputError"])
        expect(none).toBeInstanceOf(p.OpenAI.OpenAIError)
      }
      expect(server.requests).toEqual([])
    }
  })
})
