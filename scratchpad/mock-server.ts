/**
 * A small local stand-in for the OpenAI API, for the demo and `pnpm scratch`: chat completions and responses
 * (JSON and SSE), models, a paginated files list, file uploads, embeddings, and OpenAI-style errors. Answers are canned, picked
 * by the prompt; streamed ones arrive a word at a time. It listens on loopback only.
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"

export interface MockServer {
  readonly url: string
  readonly close: () => Promise<void>
}

export interface MockOptions {
  /** Pause between streamed events, so a stream visibly streams (default 40 ms). */
  readonly delayMs?: number
  /** Let the process exit while the server is open, for a runner that cannot tell when its program ends. */
  readonly unref?: boolean
}

let requestCount = 0
const nextId = (prefix: string) => `${prefix}_mock_${String(++requestCount).padStart(4, "0")}`

const send = (res: Http.ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    "x-request-id": nextId("req"),
    "x-ratelimit-limit-requests": "10000",
    "x-ratelimit-remaining-requests": "9999",
    "x-ratelimit-reset-requests": "6ms"
  })
  res.end(text)
}

const fail = (res: Http.ServerResponse, status: number, message: string, param: string | null = null, code: string | null = null) =>
  send(res, status, { error: { message, type: "invalid_request_error", param, code } })

const replies: ReadonlyArray<readonly [RegExp, string]> = [
  [/^\W*(hi|hello|hey)\b/i, "Hello! This is the local mock server; set OPENAI_API_KEY to talk to a real model."],
  [/\bstream/i, "A stream hands you each word as soon as it exists, so you can show an answer while it is being written."],
  [/\beffect\b/i, "Effect makes every failure a value you can see in the type."]
]

const reply = (prompt: string): string =>
  replies.find(([pattern]) => pattern.test(prompt))?.[1] ??
    `The local mock server got "${prompt.length > 60 ? `${prompt.slice(0, 60)}...` : prompt}" and has no real answer; set OPENAI_API_KEY to ask a real model.`

/** The text of a content field: a string, or parts with `text` (`text`, `input_text`). */
const textOf = (content: unknown): string =>
  typeof content === "string"
    ? content
    : Array.isArray(content)
    ? content.map((part) => (typeof part?.text === "string" ? part.text : "")).join("")
    : ""

/** The last user message of a chat request, or of a Responses `input` (a string or a list of items). */
const lastUserText = (messages: unknown): string => {
  if (typeof messages === "string") return messages
  if (!Array.isArray(messages)) return ""
  const user = messages.filter((m) => m?.role === "user" || m?.role === undefined)
  return textOf(user[user.length - 1]?.content)
}

const words = (text: string) => text.split(/(?<= )/)

const now = () => Math.floor(Date.now() / 1000)

/** Sends SSE frames one after another, `delayMs` apart, then ends the response with `last`. */
const paced = (res: Http.ServerResponse, frames: ReadonlyArray<string>, last: string, delayMs: number) => {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", "x-request-id": nextId("req") })
  let i = 0
  const tick = () => {
    if (res.destroyed) return
    if (i < frames.length) {
      res.write(frames[i++])
      setTimeout(tick, delayMs)
    } else {
      res.end(last)
    }
  }
  tick()
}

const completion = (model: string, content: string) => ({
  id: nextId("chatcmpl"),
  object: "chat.completion",
  created: now(),
  model,
  choices: [{ index: 0, finish_reason: "stop", logprobs: null, message: { role: "assistant", content, refusal: null, annotations: [] } }],
  usage: { prompt_tokens: 12, completion_tokens: words(content).length, total_tokens: 12 + words(content).length }
})

const streamChat = (res: Http.ServerResponse, model: string, content: string, delayMs: number) => {
  const base = { id: nextId("chatcmpl"), object: "chat.completion.chunk", created: now(), model }
  const chunks = [
    { ...base, choices: [{ index: 0, delta: { role: "assistant", content: "", refusal: null }, finish_reason: null }] },
    ...words(content).map((w) => ({ ...base, choices: [{ index: 0, delta: { content: w }, finish_reason: null }] })),
    { ...base, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] }
  ]
  paced(res, chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`), "data: [DONE]\n\n", delayMs)
}

// ---------------------------------------------------------------------------------------------------------------
// Structured outputs and tools: a deterministic value for a JSON Schema, and one tool call per conversation.
// ---------------------------------------------------------------------------------------------------------------

/** Values the mock gives properties of these names (the demo asks about Lisbon); others get a placeholder. */
const known: Readonly<Record<string, string | number>> = {
  name: "Lisbon",
  city: "Lisbon",
  country: "Portugal",
  nickname: "the city of seven hills",
  population: 545_000
}

/** A value that fits `schema` (the strict subset: objects, arrays, enums, anyOf, $ref into $defs). */
const sample = (schema: any, defs: any, name: string, depth = 0): unknown => {
  if (depth > 8 || schema === null || typeof schema !== "object") return null
  if (typeof schema.$ref === "string") return sample(defs?.[schema.$ref.replace("#/$defs/", "")], defs, name, depth + 1)
  if (Array.isArray(schema.anyOf)) {
    const branch = schema.anyOf.find((b: any) => b?.type !== "null") ?? schema.anyOf[0]
    return sample(branch, defs, name, depth + 1)
  }
  if (Array.isArray(schema.enum)) return schema.enum[0]
  const type0 = Array.isArray(schema.type) ? schema.type.find((t: string) => t !== "null") : schema.type
  const wanted = Object.hasOwn(known, name) ? known[name] : undefined
  if (wanted !== undefined && (typeof wanted === "number" ? type0 === "integer" || type0 === "number" : type0 === "string")) return wanted
  if ("const" in schema) return schema.const
  const type = Array.isArray(schema.type) ? schema.type.find((t: string) => t !== "null") : schema.type
  switch (type) {
    case "object": {
      const out: Record<string, unknown> = {}
      for (const [key, value] of Object.entries<any>(schema.properties ?? {})) out[key] = sample(value, defs, key, depth + 1)
      return out
    }
    case "array":
      return [sample(schema.items, defs, name, depth + 1)]
    case "integer":
      return Math.max(typeof schema.minimum === "number" ? schema.minimum : 0, 3)
    case "number":
      return 21.5
    case "boolean":
      return true
    case "string":
      return schema.format === "date-time" || /date/i.test(schema.description ?? "") ? "2026-01-01T00:00:00.000Z" : `sample ${name}`
    default:
      return null
  }
}

/** The JSON schema a request asks the answer to follow (chat `response_format`, Responses `text.format`). */
const answerSchema = (json: any): any =>
  json.response_format?.type === "json_schema"
    ? json.response_format.json_schema?.schema
    : json.text?.format?.type === "json_schema"
    ? json.text.format.schema
    : undefined

/** The tool to call: the first function tool, unless the conversation already holds a tool's result. */
const toolToCall = (json: any, answered: boolean): { name: string; arguments: string } | undefined => {
  if (answered || !Array.isArray(json.tools)) return undefined
  const tool = json.tools.find((t: any) => t?.type === "function")
  if (tool === undefined) return undefined
  const fn = tool.function ?? tool
  return { name: fn.name, arguments: JSON.stringify(sample(fn.parameters ?? {}, fn.parameters?.$defs, fn.name)) }
}

/** The latest tool result of a conversation (chat `tool` messages, Responses `function_call_output` items). */
const toolResult = (items: unknown): string | undefined => {
  if (!Array.isArray(items)) return undefined
  const last = [...items].reverse().find((m: any) => m?.role === "tool" || m?.type === "function_call_output")
  return last === undefined ? undefined : String((last as any).content ?? (last as any).output ?? "")
}

// Shapes as the spec's `Response`, `OutputMessage` and `OutputTextContent` have them.
const outputText = (text: string) => ({ type: "output_text", text, annotations: [], logprobs: [] })

const message = (id: string, text: string | undefined) => ({
  id,
  type: "message",
  role: "assistant",
  status: text === undefined ? "in_progress" : "completed",
  content: text === undefined ? [] : [outputText(text)]
})

const responseObject = (id: string, model: string, createdAt: number, prompt: string, text: string | undefined) => ({
  id,
  object: "response",
  created_at: createdAt,
  status: text === undefined ? "in_progress" : "completed",
  background: false,
  completed_at: text === undefined ? null : now(),
  error: null,
  incomplete_details: null,
  instructions: null,
  max_output_tokens: null,
  model,
  output: text === undefined ? [] : [message(id.replace(/^resp/, "msg"), text)],
  parallel_tool_calls: true,
  previous_response_id: null,
  reasoning: { effort: null, summary: null },
  store: true,
  temperature: 1,
  text: { format: { type: "text" }, verbosity: "medium" },
  tool_choice: "auto",
  tools: [],
  top_p: 1,
  truncation: "disabled",
  // The real API sends `usage: null` until the response is done; the spec's `usage` is not nullable, so leave it out.
  ...(text === undefined ? {} : {
    usage: {
      input_tokens: words(prompt).length,
      input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
      output_tokens: words(text).length,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: words(prompt).length + words(text).length
    }
  }),
  metadata: {}
})

/** The events of a one-message text answer, in the order and shapes the Responses API sends them. */
const responseEvents = (model: string, prompt: string, text: string): ReadonlyArray<Record<string, unknown>> => {
  const id = nextId("resp")
  const itemId = id.replace(/^resp/, "msg")
  const createdAt = now()
  const at = { item_id: itemId, output_index: 0, content_index: 0 }
  const events: Array<Record<string, unknown>> = [
    { type: "response.created", response: responseObject(id, model, createdAt, prompt, undefined) },
    { type: "response.in_progress", response: responseObject(id, model, createdAt, prompt, undefined) },
    { type: "response.output_item.added", output_index: 0, item: message(itemId, undefined) },
    { type: "response.content_part.added", ...at, part: outputText("") },
    ...words(text).map((delta) => ({ type: "response.output_text.delta", ...at, delta, logprobs: [] })),
    { type: "response.output_text.done", ...at, text, logprobs: [] },
    { type: "response.content_part.done", ...at, part: outputText(text) },
    { type: "response.output_item.done", output_index: 0, item: message(itemId, text) },
    { type: "response.completed", response: responseObject(id, model, createdAt, prompt, text) }
  ]
  return events.map((event, sequence_number) => ({ ...event, sequence_number }))
}

const streamResponse = (res: Http.ServerResponse, model: string, prompt: string, delayMs: number) => {
  const frames = responseEvents(model, prompt, reply(prompt)).map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`)
  paced(res, frames, "", delayMs)
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

const models = ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "o3-mini", "text-embedding-3-small"].map((id) => ({
  id,
  object: "model",
  created: 1_700_000_000,
  owned_by: "openai"
}))

/** The parts of a `multipart/form-data` body: name, file name, and content (as text; enough for a mock). */
const multipartParts = (
  contentType: string,
  body: string
): Array<{ name: string | undefined; filename: string | undefined; content: string }> | undefined => {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType)
  if (!contentType.startsWith("multipart/form-data") || boundary === null) return undefined
  const delimiter = `--${boundary[1] ?? boundary[2]}`
  return body.split(delimiter).slice(1, -1).map((raw) => {
    const part = raw.replace(/^\r\n/, "").replace(/\r\n$/, "")
    const split = part.indexOf("\r\n\r\n")
    const head = split === -1 ? part : part.slice(0, split)
    return {
      name: /name="([^"]*)"/.exec(head)?.[1],
      filename: /filename="([^"]*)"/.exec(head)?.[1],
      content: split === -1 ? "" : part.slice(split + 4)
    }
  })
}

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
  if (req.headers.authorization === undefined) return fail(res, 401, "Missing bearer token")
  // Any model name is accepted, so a program written for another model runs here unchanged.
  const model = typeof json.model === "string" && json.model !== "" ? json.model : undefined
  if (req.method === "POST" && path === "/chat/completions") {
    if (model === undefined) return fail(res, 400, "you must provide a model parameter", "model")
    const result = toolResult(json.messages)
    const call = json.stream ? undefined : toolToCall(json, result !== undefined)
    if (call !== undefined) {
      const id = nextId("call")
      const body = completion(model, "")
      body.choices[0] = {
        index: 0,
        finish_reason: "tool_calls",
        logprobs: null,
        message: { role: "assistant", content: null as any, refusal: null, annotations: [], tool_calls: [{ id, type: "function", function: call }] } as any
      }
      return send(res, 200, body)
    }
    const schema = answerSchema(json)
    const answer = schema !== undefined
      ? JSON.stringify(sample(schema, schema.$defs, "answer"))
      : result !== undefined
      ? `The tool answered: ${result}`
      : reply(lastUserText(json.messages))
    return json.stream ? streamChat(res, model, answer, delayMs) : send(res, 200, completion(model, answer))
  }
  if (req.method === "POST" && path === "/responses") {
    if (model === undefined) return fail(res, 400, "you must provide a model parameter", "model")
    const prompt = lastUserText(json.input)
    if (json.stream) return streamResponse(res, model, prompt, delayMs)
    const result = toolResult(json.input)
    const call = toolToCall(json, result !== undefined)
    const id = nextId("resp")
    if (call !== undefined) {
      const body = responseObject(id, model, now(), prompt, "")
      body.output = [{ type: "function_call", id: nextId("fc"), call_id: nextId("call"), name: call.name, arguments: call.arguments, status: "completed" } as any]
      return send(res, 200, body)
    }
    const schema = answerSchema(json)
    const text = schema !== undefined
      ? JSON.stringify(sample(schema, schema.$defs, "answer"))
      : result !== undefined
      ? `The tool answered: ${result}`
      : reply(prompt)
    return send(res, 200, responseObject(id, model, now(), prompt, text))
  }
  if (req.method === "GET" && path === "/models") return send(res, 200, { object: "list", data: models })
  if (req.method === "GET" && path.startsWith("/models/")) {
    const id = decodeURIComponent(path.slice("/models/".length))
    const found = models.find((m) => m.id === id)
    return found ? send(res, 200, found) : fail(res, 404, `The model '${id}' does not exist`, "model", "model_not_found")
  }
  if (req.method === "GET" && path === "/files") {
    const limit = Math.min(Number(url.searchParams.get("limit") ?? "10000"), 10000)
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
  if (req.method === "POST" && path === "/files") {
    const parts = multipartParts(String(req.headers["content-type"] ?? ""), body)
    if (parts === undefined) return fail(res, 400, "expected a multipart/form-data body")
    const file = parts.find((part) => part.name === "file" && part.filename !== undefined)
    const purpose = parts.find((part) => part.name === "purpose")?.content
    if (file === undefined) return fail(res, 400, "you must provide a file", "file")
    if (purpose === undefined) return fail(res, 400, "you must provide a purpose", "purpose")
    return send(res, 200, {
      id: nextId("file"),
      object: "file",
      bytes: Buffer.byteLength(file.content),
      created_at: now(),
      filename: file.filename,
      purpose,
      status: "processed"
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
  return fail(res, 404, `The local mock server has no ${req.method} ${url.pathname}; set OPENAI_API_KEY to call the real API.`)
}

/** Starts the mock on a free loopback port. */
export const startMockServer = (options: MockOptions = {}): Promise<MockServer> =>
  new Promise((resolve) => {
    const server = Http.createServer((req, res) => {
      const parts: Array<Buffer> = []
      req.on("data", (c: Buffer) => parts.push(c))
      req.on("end", () => handle(req, res, Buffer.concat(parts).toString("utf8"), options.delayMs ?? 40))
    })
    if (options.unref) {
      // Kept-alive connections would otherwise hold the process open for seconds after the program is done.
      server.on("connection", (socket) => socket.unref())
      server.unref()
    }
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
