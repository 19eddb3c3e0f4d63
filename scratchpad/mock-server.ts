/**
 * A small local stand-in for the OpenAI API, for the demo (and benchmarks): chat completions (JSON and SSE),
 * responses (JSON and SSE), models, a paginated files list, embeddings, and OpenAI-style errors.
 * It listens on loopback only.
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"

export interface MockServer {
  readonly url: string
  readonly close: () => Promise<void>
}

const send = (res: Http.ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    "x-request-id": `req_mock_${Math.random().toString(36).slice(2, 10)}`,
    "x-ratelimit-limit-requests": "10000",
    "x-ratelimit-remaining-requests": "9999",
    "x-ratelimit-reset-requests": "6ms"
  })
  res.end(text)
}

const notFound = (res: Http.ServerResponse, what: string) =>
  send(res, 404, { error: { message: `The model '${what}' does not exist`, type: "invalid_request_error", param: "model", code: "model_not_found" } })

const answer = "Effect makes every failure a value you can see in the type."

const completion = (model: string) => ({
  id: "chatcmpl-mock",
  object: "chat.completion",
  created: Math.floor(Date.now() / 1000),
  model,
  choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content: answer, refusal: null } }],
  usage: { prompt_tokens: 12, completion_tokens: 13, total_tokens: 25 }
})

const words = answer.split(/(?<= )/)

const streamChat = (res: Http.ServerResponse, model: string, delayMs: number) => {
  res.writeHead(200, { "content-type": "text/event-stream", "x-request-id": "req_mock_stream" })
  const base = { id: "chatcmpl-mock", object: "chat.completion.chunk", created: Math.floor(Date.now() / 1000), model }
  const frames = [
    { ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] },
    ...words.map((w) => ({ ...base, choices: [{ index: 0, delta: { content: w }, finish_reason: null }] })),
    { ...base, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] }
  ]
  let i = 0
  const tick = () => {
    if (res.destroyed) return
    if (i < frames.length) {
      res.write(`data: ${JSON.stringify(frames[i++])}\n\n`)
      setTimeout(tick, delayMs)
    } else {
      res.end("data: [DONE]\n\n")
    }
  }
  tick()
}

const files = Array.from({ length: 23 }, (_, i) => ({
  id: `file-${String(i).padStart(3, "0")}`,
  object: "file",
  bytes: 1000 + i,
  created_at: 1_700_000_000 + i,
  filename: `notes-${i}.jsonl`,
  purpose: "batch",
  status: "processed"
}))

const models = ["gpt-4o", "gpt-4o-mini", "o3-mini", "text-embedding-3-small"].map((id) => ({
  id,
  object: "model",
  created: 1_700_000_000,
  owned_by: "openai"
}))

const handle = (req: Http.IncomingMessage, res: Http.ServerResponse, body: string, delayMs: number) => {
  const url = new URL(req.url ?? "/", "http://localhost")
  const path = url.pathname.replace(/^\/v1/, "")
  const json = (() => {
    try {
      return body === "" ? {} : JSON.parse(body)
    } catch {
      return {}
    }
  })()
  if (req.headers.authorization === undefined) {
    return send(res, 401, { error: { message: "Missing bearer token", type: "invalid_request_error", param: null, code: null } })
  }
  if (req.method === "POST" && path === "/chat/completions") {
    if (!models.some((m) => m.id === json.model)) return notFound(res, String(json.model))
    return json.stream ? streamChat(res, json.model, delayMs) : send(res, 200, completion(json.model))
  }
  if (req.method === "GET" && path === "/models") return send(res, 200, { object: "list", data: models })
  if (req.method === "GET" && path.startsWith("/models/")) {
    const id = decodeURIComponent(path.slice("/models/".length))
    const model = models.find((m) => m.id === id)
    return model ? send(res, 200, model) : notFound(res, id)
  }
  if (req.method === "GET" && path === "/files") {
    const limit = Math.min(Number(url.searchParams.get("limit") ?? "10"), 100)
    const after = url.searchParams.get("after")
    const start = after === null ? 0 : files.findIndex((f) => f.id === after) + 1
    const data = files.slice(start, start + limit)
    return send(res, 200, {
      object: "list",
      data,
      first_id: data[0]?.id ?? null,
      last_id: data[data.length - 1]?.id ?? null,
      has_more: start + data.length < files.length
    })
  }
  if (req.method === "POST" && path === "/embeddings") {
    const inputs: Array<unknown> = Array.isArray(json.input) ? json.input : [json.input]
    const dims = Number(json.dimensions ?? 8)
    const data = inputs.map((_, index) => {
      const vector = Float32Array.from({ length: dims }, (_, k) => Math.sin(index + k))
      return {
        object: "embedding",
        index,
        embedding: json.encoding_format === "base64" ? Buffer.from(vector.buffer).toString("base64") : Array.from(vector)
      }
    })
    return send(res, 200, { object: "list", model: json.model, data, usage: { prompt_tokens: 1, total_tokens: 1 } })
  }
  return send(res, 404, { error: { message: `Unknown route ${req.method} ${path}`, type: "invalid_request_error", param: null, code: null } })
}

/** Starts the mock on a free loopback port. `delayMs` paces streamed tokens so the demo visibly streams. */
export const startMockServer = (options: { readonly delayMs?: number } = {}): Promise<MockServer> =>
  new Promise((resolve) => {
    const server = Http.createServer((req, res) => {
      const parts: Array<Buffer> = []
      req.on("data", (c: Buffer) => parts.push(c))
      req.on("end", () => handle(req, res, Buffer.concat(parts).toString("utf8"), options.delayMs ?? 40))
    })
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resolve({
        url: `http://127.0.0.1:${port}/v1`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections()
            server.close(() => done())
          })
      })
    })
  })
