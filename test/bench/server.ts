/**
 * The benchmark server: a loopback `node:http` keep-alive server that answers as cheaply as it can (bodies are
 * built once), so the clients' costs dominate. Started as its own process by `run.ts`; prints its port.
 *
 * - `POST /v1/chat/completions`: a small completion; with `stream: true`, `x-bench-events` chunks (~200 bytes
 *   each) written in pieces of `x-bench-write` bytes (`event` = one write per event).
 * - `GET /v1/files?limit&after`: pages over `x-bench-items` (default 100,000) files.
 * - `POST /v1/embeddings`: 512 vectors of 1,536 dimensions, base64 unless `float` is asked.
 * - `GET /v1/models/big-error`: a 500 with a 16 MB body.
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { chunkEvent } from "./fixtures.js"

const completion = Buffer.from(JSON.stringify({
  id: "chatcmpl-bench",
  object: "chat.completion",
  created: 1_741_569_952,
  model: "gpt-4o-mini-2024-07-18",
  system_fingerprint: "fp_06737a9306",
  choices: [{
    index: 0,
    finish_reason: "stop",
    logprobs: null,
    message: { role: "assistant", content: "Effect makes every failure a value you can see in the type.", refusal: null, annotations: [] }
  }],
  usage: { prompt_tokens: 19, completion_tokens: 13, total_tokens: 32 }
}))

/** Events are cycled from a fixed set, so a stream of any length costs the server nothing to build. */
const eventPool = Array.from({ length: 1000 }, (_, i) => Buffer.from(chunkEvent(i)))
const done = Buffer.from("data: [DONE]\n\n")

const writeAll = async (res: Http.ServerResponse, pieces: Iterable<Buffer>): Promise<void> => {
  for (const piece of pieces) {
    if (res.destroyed) return
    if (!res.write(piece)) {
      // a client that stops reading closes the socket: stop waiting for a drain that will not come
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off("drain", done)
          res.off("close", done)
          resolve()
        }
        res.on("drain", done)
        res.on("close", done)
      })
    }
  }
}

function* sliced(events: number, size: number): Generator<Buffer> {
  let pending: Array<Buffer> = []
  let pendingSize = 0
  const total = (function*() {
    for (let i = 0; i < events; i++) yield eventPool[i % eventPool.length]!
    yield done
  })()
  for (const event of total) {
    pending.push(event)
    pendingSize += event.length
    while (pendingSize >= size) {
      const all = Buffer.concat(pending)
      let offset = 0
      while (all.length - offset >= size) {
        yield all.subarray(offset, offset + size)
        offset += size
      }
      pending = [all.subarray(offset)]
      pendingSize = all.length - offset
    }
  }
  if (pendingSize > 0) yield Buffer.concat(pending)
}

function* perEvent(events: number): Generator<Buffer> {
  for (let i = 0; i < events; i++) yield eventPool[i % eventPool.length]!
  yield done
}

const file = (i: number) => ({
  id: `file-${String(i).padStart(6, "0")}`,
  object: "file",
  bytes: 120_000 + i,
  created_at: 1_677_610_602 + i,
  expires_at: null,
  filename: `report-${i}.jsonl`,
  purpose: "batch",
  status: "processed"
})

const embeddingsBase64 = (() => {
  const data = Array.from({ length: 512 }, (_, index) => {
    const v = new Float32Array(1536)
    for (let k = 0; k < v.length; k++) v[k] = Math.sin(index * 31 + k) * 0.05
    return { object: "embedding", index, embedding: Buffer.from(v.buffer).toString("base64") }
  })
  return Buffer.from(JSON.stringify({ object: "list", model: "text-embedding-3-small", data, usage: { prompt_tokens: 512, total_tokens: 512 } }))
})()

/** A 16 MB error body, and how it is written: in 64 KiB pieces, honouring backpressure. */
const bigError = Buffer.alloc(16 * 1024 * 1024, 120)
function* pieces(body: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < body.length; i += size) yield body.subarray(i, i + size)
}

/** Pages are built once per cursor, so the server's cost stays out of the pagination figures. */
const pages = new Map<string, Buffer>()

const json = (res: Http.ServerResponse, body: Buffer) => {
  res.writeHead(200, { "content-type": "application/json", "content-length": body.length, "x-request-id": "req_bench" })
  res.end(body)
}

const server = Http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  const parts: Array<Buffer> = []
  req.on("data", (c: Buffer) => parts.push(c))
  req.on("end", () => {
    const url = new URL(req.url ?? "/", "http://bench")
    if (req.method === "POST" && url.pathname === "/v1/chat/completions") {
      const body = JSON.parse(Buffer.concat(parts).toString("utf8") || "{}")
      if (!body.stream) return json(res, completion)
      const events = Number(req.headers["x-bench-events"] ?? 20_000)
      const write = String(req.headers["x-bench-write"] ?? "16384")
      res.writeHead(200, { "content-type": "text/event-stream", "x-request-id": "req_bench_stream" })
      void writeAll(res, write === "event" ? perEvent(events) : sliced(events, Number(write))).then(() => res.end())
      return
    }
    if (req.method === "GET" && url.pathname === "/v1/files") {
      const total = Number(req.headers["x-bench-items"] ?? 100_000)
      const limit = Number(url.searchParams.get("limit") ?? 100)
      const after = url.searchParams.get("after")
      const start = after === null ? 0 : Number(after.slice(5)) + 1
      const key = `${total}:${limit}:${start}`
      let page = pages.get(key)
      if (page === undefined) {
        const data = Array.from({ length: Math.max(0, Math.min(limit, total - start)) }, (_, i) => file(start + i))
        page = Buffer.from(JSON.stringify({
          object: "list",
          data,
          first_id: data[0]?.id ?? null,
          last_id: data[data.length - 1]?.id ?? null,
          has_more: start + data.length < total
        }))
        pages.set(key, page)
      }
      return json(res, page)
    }
    if (req.method === "POST" && url.pathname === "/v1/embeddings") return json(res, embeddingsBase64)
    if (req.method === "GET" && url.pathname === "/v1/models/big-error") {
      res.writeHead(500, { "content-type": "text/plain", "content-length": bigError.length })
      return void writeAll(res, pieces(bigError, 64 * 1024)).then(() => res.end())
    }
    res.writeHead(404, { "content-type": "application/json" })
    res.end(JSON.stringify({ error: { message: `no route ${req.method} ${url.pathname}`, type: "invalid_request_error" } }))
  })
})

server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`)
})
process.on("SIGTERM", () => server.close(() => process.exit(0)))
