/**
 * `client.responses.stream()`: the official `ResponseStream` over loopback servers: events by type with their
 * snapshots, the final response, resuming by id with `starting_after`, a stream cut short, `abort()`, `for await`;
 * and `toResponseInputItems` from `lib/responses/ResponseInputItems`.
 */
import { describe, expect, it } from "vitest"
import { APIUserAbortError, StreamError, StreamTruncatedError } from "@effect-openai/promise"
import { toResponseInputItem, toResponseInputItems } from "@effect-openai/promise/lib/responses/ResponseInputItems"
import { ResponseStream } from "@effect-openai/promise/lib/responses/ResponseStream"
import { clientOf, json, rejection, sse, sseEvent, sseHead, useServers, within } from "./support/server.js"

const serve = useServers()

const params = { model: "gpt-test", input: "hi" }

const response = (status: string, extra: Record<string, unknown> = {}) => ({
  id: "resp_1",
  object: "response",
  created_at: 1,
  status,
  model: "gpt-test",
  output: [],
  ...extra
})
const message = (text: string, status = "completed") => ({
  id: "msg_1",
  type: "message",
  role: "assistant",
  status,
  content: [{ type: "output_text", text, annotations: [], logprobs: [] }]
})
const call = { type: "function_call", id: "fc_1", call_id: "call_1", name: "weather", arguments: "", status: "in_progress" }

const events = () => {
  let seq = 0
  const ev = (type: string, fields: Record<string, unknown> = {}) => ({ type, sequence_number: seq++, ...fields })
  const at = (output_index: number) => ({ item_id: output_index === 0 ? "msg_1" : "fc_1", output_index })
  return [
    ev("response.created", { response: response("in_progress") }),
    ev("response.output_item.added", { output_index: 0, item: { ...message("", "in_progress"), content: [] } }),
    ev("response.content_part.added", { ...at(0), content_index: 0, part: { type: "output_text", text: "", annotations: [], logprobs: [] } }),
    ev("response.output_text.delta", { ...at(0), content_index: 0, delta: "Hel", logprobs: [] }),
    ev("response.output_text.delta", { ...at(0), content_index: 0, delta: "lo", logprobs: [] }),
    ev("response.output_text.done", { ...at(0), content_index: 0, text: "Hello", logprobs: [] }),
    ev("response.output_item.done", { output_index: 0, item: message("Hello") }),
    ev("response.output_item.added", { output_index: 1, item: call }),
    ev("response.function_call_arguments.delta", { ...at(1), delta: "{\"city\":" }),
    ev("response.function_call_arguments.delta", { ...at(1), delta: "\"Paris\"}" }),
    ev("response.function_call_arguments.done", { ...at(1), name: "weather", arguments: "{\"city\":\"Paris\"}" }),
    ev("response.output_item.done", { output_index: 1, item: { ...call, arguments: "{\"city\":\"Paris\"}", status: "completed" } }),
    ev("response.completed", {
      response: response("completed", { output: [message("Hello"), { ...call, arguments: "{\"city\":\"Paris\"}", status: "completed" }] })
    })
  ]
}

describe("responses.stream", () => {
  it("emits every event, and by type; deltas carry their snapshot; finalResponse has output_text", async () => {
    const all = events()
    const server = await serve((_req, res) => sse(res, all, { done: false }))
    const stream = clientOf(server).responses.stream(params)
    const seen: Array<string> = []
    const texts: Array<[string, string]> = []
    const args: Array<[string, string]> = []
    stream.on("event", (e) => seen.push(e.type))
    stream.on("response.output_text.delta", (e) => texts.push([e.delta, e.snapshot]))
    stream.on("response.function_call_arguments.delta", (e) => args.push([e.delta, e.snapshot]))
    const completed: Array<string | undefined> = []
    stream.on("response.completed", (e) => completed.push(e.response.status))
    const final = await stream.finalResponse()
    expect(seen).toEqual(all.map((e) => e.type))
    expect(texts).toEqual([["Hel", "Hel"], ["lo", "Hello"]])
    expect(args).toEqual([["{\"city\":", "{\"city\":"], ["\"Paris\"}", "{\"city\":\"Paris\"}"]])
    expect(completed).toEqual(["completed"])
    expect(final.output_text).toBe("Hello")
    expect(final.output_parsed).toBeNull()
    expect(final.output).toEqual([
      { ...message("Hello"), content: [{ ...message("Hello").content[0], parsed: null }] },
      { ...call, arguments: "{\"city\":\"Paris\"}", status: "completed", parsed_arguments: null }
    ])
    expect(server.requests[0]!.json).toMatchObject({ stream: true, model: "gpt-test", input: "hi" })
  })

  it("parses a JSON schema answer into output_parsed, as parse does (lib/parse.ts)", async () => {
    const all = events().map((e) =>
      e.type === "response.completed"
        ? { ...e, response: response("completed", { output: [message("{\"a\":1}")] }) }
        : e
    )
    const server = await serve((_req, res) => sse(res, all, { done: false }))
    const format = { type: "json_schema" as const, name: "answer", strict: true, schema: { type: "object" } }
    const final = await clientOf(server).responses.stream({ ...params, text: { format } }).finalResponse()
    expect(final.output_parsed).toEqual({ a: 1 })
  })

  it("resumes a response by id: its events from the start, those up to starting_after not emitted", async () => {
    const all = events()
    const server = await serve((_req, res) => sse(res, all, { done: false }))
    const stream = clientOf(server).responses.stream({ response_id: "resp_1", starting_after: 4 })
    const seen: Array<number> = []
    stream.on("event", (e) => seen.push((e as { sequence_number: number }).sequence_number))
    const final = await stream.finalResponse()
    expect(seen).toEqual(all.slice(5).map((e) => e.sequence_number))
    expect(final.output_text).toBe("Hello")
    expect(server.requests[0]!.method).toBe("GET")
    expect(server.requests[0]!.path).toBe("/v1/responses/resp_1")
    expect(server.requests[0]!.query.get("stream")).toBe("true")
  })

  it("without a terminal event finalResponse rejects with StreamTruncatedError", async () => {
    const server = await serve((_req, res) => sse(res, events().slice(0, 6), { done: false }))
    const stream = clientOf(server).responses.stream(params)
    const error = await rejection(stream.finalResponse())
    expect(error).toBeInstanceOf(StreamTruncatedError)
  })

  it("an error event ends it with error (StreamError)", async () => {
    const server = await serve((_req, res) =>
      sse(res, [events()[0], { type: "error", code: "server_error", message: "boom", param: null, sequence_number: 1 }], { done: false })
    )
    const stream = clientOf(server).responses.stream(params)
    const errors: Array<unknown> = []
    stream.on("error", (e) => errors.push(e))
    expect(await rejection(stream.finalResponse())).toBeInstanceOf(StreamError)
    expect(errors.length).toBe(1)
  })

  it("passes over keepalives and events it does not know, still emitting them as events", async () => {
    const all = events()
    const server = await serve((_req, res) => {
      sseHead(res)
      res.write(sseEvent(all[0]))
      res.write(": ping\n\n")
      res.write(sseEvent({ type: "keepalive", sequence_number: 90 }))
      res.write(sseEvent({ type: "response.brand_new", sequence_number: 91, output_index: 0, delta: "NOT TEXT" }))
      for (const event of all.slice(1)) res.write(sseEvent(event))
      res.end()
    })
    const stream = clientOf(server).responses.stream(params)
    const seen: Array<string> = []
    stream.on("event", (e) => seen.push(e.type))
    const final = await stream.finalResponse()
    expect(seen.slice(0, 3)).toEqual(["response.created", "keepalive", "response.brand_new"])
    expect(final.output_text).toBe("Hello")
  })

  it("a __proto__ key in an event pollutes nothing", async () => {
    const server = await serve((_req, res) => {
      sseHead(res)
      res.write(`data: {"type":"response.created","sequence_number":0,"response":{"id":"r","object":"response","status":"in_progress","output":[]}}\n\n`)
      res.write(`data: {"type":"response.output_item.added","sequence_number":1,"output_index":0,"item":{"type":"function_call","id":"fc","call_id":"c","name":"f","arguments":"","__proto__":{"polluted":1}}}\n\n`)
      res.write(`data: {"type":"response.function_call_arguments.delta","sequence_number":2,"output_index":0,"item_id":"fc","delta":"{\\"__proto__\\":{\\"polluted\\":2}}"}\n\n`)
      res.end(`data: {"type":"response.completed","sequence_number":3,"response":{"id":"r","object":"response","status":"completed","__proto__":{"polluted":3}}}\n\n`)
    })
    const final = await clientOf(server).responses.stream(params).finalResponse()
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.getPrototypeOf(final)).toBe(Object.prototype)
    const item = final.output[0] as { arguments: string; polluted?: unknown }
    expect(Object.getPrototypeOf(item)).toBe(Object.prototype)
    expect(item.polluted).toBeUndefined()
    expect(item.arguments).toBe("{\"__proto__\":{\"polluted\":2}}")
  })

  it("for await gives the events; break closes the connection; abort() too", async () => {
    const server = await serve((_req, res) => {
      sseHead(res)
      for (const event of events().slice(0, 4)) res.write(sseEvent(event))
    })
    const stream = clientOf(server).responses.stream(params)
    const seen: Array<string> = []
    await within(2_000, (async () => {
      for await (const event of stream) {
        seen.push(event.type)
        if (seen.length === 3) break
      }
    })())
    expect(seen).toEqual(["response.created", "response.output_item.added", "response.content_part.added"])
    expect(await within(2_000, server.requests[0]!.closed)).toEqual({ finished: false })

    const other = clientOf(server).responses.stream(params)
    await within(2_000, other.emitted("response.output_text.delta"))
    other.abort()
    expect(await rejection(other.finalResponse())).toBeInstanceOf(APIUserAbortError)
    expect(await within(2_000, server.requests[1]!.closed)).toEqual({ finished: false })
  })

  it("toReadableStream and fromReadableStream carry it to another side", async () => {
    const server = await serve((_req, res) => sse(res, events(), { done: false }))
    const readable = clientOf(server).responses.stream(params).toReadableStream()
    const other = ResponseStream.fromReadableStream(readable)
    expect((await other.finalResponse()).output_text).toBe("Hello")
  })
})

describe("toResponseInputItems", () => {
  it("gives the output items that can be sent back, without the fields only responses carry", async () => {
    const output = [
      { type: "reasoning", id: "rs_1", summary: [], encrypted_content: "enc" },
      { ...message("Hi"), content: [{ ...message("Hi").content[0], parsed: null }] },
      { ...call, arguments: "{}", parsed_arguments: null, created_by: "model" },
      { type: "custom_tool_call_output", id: "o_1", call_id: "c", output: "x", status: "incomplete" }
    ]
    const server = await serve((req, res) =>
      req.index === 0 ? json(res, 200, response("completed", { output })) : json(res, 200, response("completed"))
    )
    const client = clientOf(server)
    const first = await client.responses.create(params)
    await client.responses.create({ ...params, input: [...toResponseInputItems(first.output), { type: "function_call_output", call_id: "call_1", output: "sunny" }] })
    expect(server.requests[1]!.json.input).toEqual([
      output[0],
      message("Hi"),
      { ...call, arguments: "{}" },
      { type: "function_call_output", call_id: "call_1", output: "sunny" }
    ])
    expect(toResponseInputItem(output[3] as never)).toBeNull()
  })
})
