/**
 * The streaming helpers against the official package, on the same scripted loopback streams: the events of
 * `chat.completions.stream()` (names, order, payloads) and its final values, the events of `responses.stream()` and
 * `finalResponse()`, resuming a response with `starting_after`, and `toResponseInputItems`. Each case runs both
 * packages and compares what they emitted.
 */
import FacadeOpenAI from "@effect-openai/promise"
import { toResponseInputItems as facadeToInputItems } from "@effect-openai/promise/lib/responses/ResponseInputItems"
import OfficialOpenAI from "openai"
import { toResponseInputItems as officialToInputItems } from "openai/lib/responses/ResponseInputItems"
import { describe, expect, it } from "vitest"
import { collectingLogger, type Handler, serve } from "./support.js"

type Client = OfficialOpenAI

const clients = async (handler: Handler): Promise<{ readonly official: Client; readonly facade: Client }> => {
  const server = await serve(handler)
  const options = { apiKey: "sk-parity", baseURL: server.url, maxRetries: 0, logger: collectingLogger().logger, logLevel: "off" as const }
  return {
    official: new OfficialOpenAI(options),
    facade: new FacadeOpenAI(options) as unknown as Client
  }
}

const sseOf = (events: ReadonlyArray<unknown>, done: boolean): Handler => (_req, res) => {
  res.writeHead(200, { "content-type": "text/event-stream" })
  for (const event of events) res.write(`data: ${JSON.stringify(event)}\n\n`)
  res.end(done ? "data: [DONE]\n\n" : "")
}

const chatEvents = [
  "connect", "chunk", "content", "content.delta", "content.done", "refusal.delta", "refusal.done",
  "tool_calls.function.arguments.delta", "tool_calls.function.arguments.done", "logprobs.content.delta",
  "logprobs.content.done", "logprobs.refusal.delta", "logprobs.refusal.done", "chatCompletion", "message",
  "functionToolCall", "finalChatCompletion", "finalMessage", "finalContent", "finalFunctionToolCall",
  "finalFunctionToolCallResult", "totalUsage", "error", "abort", "end"
] as const

/**
 * Every event of a chat stream with its arguments as JSON when it fired; for `chunk`, the snapshot's texts (the
 * official snapshot has no `content` until one comes, ours `null`: compared as `null`).
 */
const recordChat = (stream: ReturnType<Client["chat"]["completions"]["stream"]>) => {
  const events: Array<unknown> = []
  for (const name of chatEvents) {
    stream.on(name as "end", (...args: Array<unknown>) => {
      if (name === "chunk") {
        const snapshot = args[1] as { choices: Array<{ message: { content?: string | null; refusal?: string | null } }> }
        events.push([name, args[0], snapshot.choices.map((c) => [c.message.content ?? null, c.message.refusal ?? null])])
      } else events.push([name, ...(JSON.parse(JSON.stringify(args)) as Array<unknown>)])
    })
  }
  return events
}

const chatRun = async (client: Client) => {
  const stream = client.chat.completions.stream({ model: "gpt-test", messages: [{ role: "user", content: "hi" }] })
  const events = recordChat(stream)
  const completion = await stream.finalChatCompletion()
  return { events, completion, messages: stream.messages }
}

const chunk = (choices: ReadonlyArray<Record<string, unknown>>, extra: Record<string, unknown> = {}) => ({
  id: "chatcmpl-1",
  object: "chat.completion.chunk",
  created: 1,
  model: "gpt-test",
  system_fingerprint: "fp_1",
  choices,
  ...extra
})
const delta = (d: Record<string, unknown>, finish: string | null = null, index = 0, logprobs: unknown = null) => ({
  index,
  delta: d,
  logprobs,
  finish_reason: finish
})
const logprob = (token: string) => ({ token, logprob: -1, bytes: [1], top_logprobs: [] })
const tool = (index: number, fn: Record<string, unknown>, head: Record<string, unknown> = {}) => ({ index, ...head, function: fn })

describe("chat.completions.stream, against the official package", () => {
  it("content with logprobs and a usage chunk: the same events and final values", async () => {
    const { official, facade } = await clients(sseOf([
      chunk([delta({ role: "assistant", content: "", refusal: null })], { usage: null }),
      chunk([delta({ content: "Hel" }, null, 0, { content: [logprob("Hel")], refusal: null })], { usage: null }),
      chunk([delta({ content: "lo" }, null, 0, { content: [logprob("lo")], refusal: null })], { usage: null }),
      chunk([delta({}, "stop")], { usage: null }),
      chunk([], { usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } })
    ], true))
    const [ours, theirs] = await Promise.all([chatRun(facade), chatRun(official)])
    expect(ours.events).toEqual(theirs.events)
    expect(ours.completion).toEqual(theirs.completion)
    expect(ours.messages).toEqual(theirs.messages)
  })

  it("parallel tool calls, interleaved: the same events and final values", async () => {
    const { official, facade } = await clients(sseOf([
      chunk([delta({ role: "assistant", content: null })]),
      chunk([delta({ tool_calls: [tool(0, { name: "weather", arguments: "" }, { id: "call_a", type: "function" })] })]),
      chunk([delta({ tool_calls: [tool(1, { name: "time", arguments: "{\"tz\"" }, { id: "call_b", type: "function" })] })]),
      chunk([delta({ tool_calls: [tool(0, { arguments: "{\"city\":\"Paris\"}" })] })]),
      chunk([delta({ tool_calls: [tool(1, { arguments: ":\"CET\"}" })] })]),
      chunk([delta({}, "tool_calls")])
    ], true))
    const [ours, theirs] = await Promise.all([chatRun(facade), chatRun(official)])
    expect(ours.events).toEqual(theirs.events)
    expect(ours.completion).toEqual(theirs.completion)
  })

  it("a refusal, and two choices: the same events and final values", async () => {
    const { official, facade } = await clients(sseOf([
      chunk([delta({ role: "assistant", refusal: "" }, null, 0), delta({ role: "assistant", content: "" }, null, 1)]),
      chunk([delta({ refusal: "I can't" }, null, 0, { content: null, refusal: [logprob("I")] }), delta({ content: "Sure" }, null, 1)]),
      chunk([delta({ refusal: " help." }, "stop", 0), delta({ content: "." }, "stop", 1)])
    ], true))
    const [ours, theirs] = await Promise.all([chatRun(facade), chatRun(official)])
    expect(ours.events).toEqual(theirs.events)
    expect(ours.completion).toEqual(theirs.completion)
  })
})

const response = (status: string, output: ReadonlyArray<unknown> = []) => ({
  id: "resp_1",
  object: "response",
  created_at: 1,
  status,
  model: "gpt-test",
  output
})
const message = (text: string, status = "completed") => ({
  id: "msg_1",
  type: "message",
  role: "assistant",
  status,
  content: [{ type: "output_text", text, annotations: [], logprobs: [] }]
})
const call = { type: "function_call", id: "fc_1", call_id: "call_1", name: "weather", arguments: "", status: "in_progress" }

const responseEvents = (() => {
  let seq = 0
  const ev = (type: string, fields: Record<string, unknown> = {}) => ({ type, sequence_number: seq++, ...fields })
  const text = { item_id: "msg_1", output_index: 0, content_index: 0 }
  const args = { item_id: "fc_1", output_index: 1 }
  const done = { ...call, arguments: "{\"city\":\"Paris\"}", status: "completed" }
  return [
    ev("response.created", { response: response("in_progress") }),
    ev("response.in_progress", { response: response("in_progress") }),
    ev("response.output_item.added", { output_index: 0, item: { ...message("", "in_progress"), content: [] } }),
    ev("response.content_part.added", { ...text, part: { type: "output_text", text: "", annotations: [], logprobs: [] } }),
    ev("response.output_text.delta", { ...text, delta: "Hel", logprobs: [] }),
    ev("response.output_text.delta", { ...text, delta: "lo", logprobs: [] }),
    ev("response.output_text.done", { ...text, text: "Hello", logprobs: [] }),
    ev("response.content_part.done", { ...text, part: { type: "output_text", text: "Hello", annotations: [], logprobs: [] } }),
    ev("response.output_item.done", { output_index: 0, item: message("Hello") }),
    ev("response.output_item.added", { output_index: 1, item: call }),
    ev("response.function_call_arguments.delta", { ...args, delta: "{\"city\":" }),
    ev("response.function_call_arguments.delta", { ...args, delta: "\"Paris\"}" }),
    ev("response.function_call_arguments.done", { ...args, name: "weather", arguments: done.arguments }),
    ev("response.output_item.done", { output_index: 1, item: done }),
    ev("response.completed", { response: response("completed", [message("Hello"), done]) })
  ]
})()

const typed = [...new Set(responseEvents.map((e) => e.type))]

const responseRun = async (client: Client, params: Parameters<Client["responses"]["stream"]>[0]) => {
  const stream = client.responses.stream(params)
  const events: Array<unknown> = []
  stream.on("event", (e) => events.push(["event", JSON.parse(JSON.stringify(e))]))
  for (const type of typed) {
    stream.on(type as "response.created", (e: unknown) => events.push([type, JSON.parse(JSON.stringify(e))]))
  }
  stream.on("end", () => events.push(["end"]))
  const final = await stream.finalResponse()
  return { events, final }
}

describe("responses.stream, against the official package", () => {
  it("the same events (deltas with their snapshot) and the same final response", async () => {
    const { official, facade } = await clients(sseOf(responseEvents, false))
    const params = { model: "gpt-test", input: "hi" }
    const [ours, theirs] = await Promise.all([responseRun(facade, params), responseRun(official, params)])
    expect(ours.events).toEqual(theirs.events)
    expect(ours.final).toEqual(theirs.final)
    expect(ours.final.output_text).toBe("Hello")
  })

  it("resuming by id with starting_after: the same events and final response", async () => {
    const { official, facade } = await clients(sseOf(responseEvents, false))
    const params = { response_id: "resp_1", starting_after: 5 }
    const [ours, theirs] = await Promise.all([responseRun(facade, params), responseRun(official, params)])
    expect(ours.events).toEqual(theirs.events)
    expect(ours.final).toEqual(theirs.final)
  })
})

describe("toResponseInputItems, against the official package", () => {
  it("keeps and drops the same items and fields", () => {
    const items = [
      { type: "reasoning", id: "rs_1", summary: [{ type: "summary_text", text: "x" }], encrypted_content: "enc", created_by: "m" },
      { ...message("Hi"), content: [{ ...message("Hi").content[0], parsed: null }] },
      { ...call, arguments: "{}", parsed_arguments: { a: 1 }, created_by: "model" },
      { type: "custom_tool_call_output", id: "o_1", call_id: "c1", output: "ok", status: "completed", created_by: "user" },
      { type: "custom_tool_call_output", id: "o_2", call_id: "c2", output: "half", status: "incomplete" },
      { type: "computer_call_output", id: "o_3", call_id: "c3", output: { type: "computer_screenshot" }, status: "failed" },
      { type: "computer_call_output", id: "o_4", call_id: "c4", output: { type: "computer_screenshot" }, status: "completed" },
      { type: "additional_tools", id: "a_1", role: "system", tools: [] },
      { type: "additional_tools", id: "a_2", role: "developer", tools: [] },
      { type: "web_search_call", id: "ws_1", status: "completed", action: { type: "search", query: "q" } },
      {
        type: "shell_call_output",
        id: "s_1",
        call_id: "c5",
        status: "completed",
        max_output_length: null,
        output: [{ stdout: "a", stderr: "", outcome: { type: "exit", exit_code: 0 }, created_by: "x" }]
      },
      { type: "function_call_output", id: "fo_1", call_id: "call_1", output: "sunny", status: "completed" }
    ]
    const ours = facadeToInputItems(items as never)
    const theirs = officialToInputItems(items as never)
    expect(ours).toEqual(theirs)
    expect(ours.length).toBe(9)
  })
})
