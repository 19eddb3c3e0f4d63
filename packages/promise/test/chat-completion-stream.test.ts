/**
 * `client.chat.completions.stream()`: the official `ChatCompletionStream` over loopback servers: its events in the
 * official order with the official payloads, the final values, the end of a stream cut short, `abort()`, `for await`
 * with `break`, and chunks read as data.
 */
import { describe, expect, it } from "vitest"
import { APIUserAbortError, OpenAIError, ResponseDecodeError, StreamTruncatedError } from "@effect-openai/promise"
import { ChatCompletionStream } from "@effect-openai/promise/lib/ChatCompletionStream"
import { clientOf, rejection, sse, sseEvent, sseHead, useServers, within } from "./support/server.js"

const serve = useServers()

const params = { model: "gpt-test", messages: [{ role: "user" as const, content: "hi" }] }

const chunk = (choices: ReadonlyArray<Record<string, unknown>>, extra: Record<string, unknown> = {}) => ({
  id: "chatcmpl-1",
  object: "chat.completion.chunk",
  created: 1,
  model: "gpt-test",
  choices,
  ...extra
})
const delta = (d: Record<string, unknown>, finish: string | null = null, index = 0) => ({ index, delta: d, finish_reason: finish })
const logprob = (token: string) => ({ token, logprob: -1, bytes: null, top_logprobs: [] })
const toolDelta = (index: number, fn: Record<string, unknown>, head: Record<string, unknown> = {}) => ({ index, ...head, function: fn })

const names = [
  "connect", "chunk", "content", "content.delta", "content.done", "refusal.delta", "refusal.done",
  "tool_calls.function.arguments.delta", "tool_calls.function.arguments.done", "logprobs.content.delta",
  "logprobs.content.done", "logprobs.refusal.delta", "logprobs.refusal.done", "chatCompletion", "message",
  "functionToolCall", "finalChatCompletion", "finalMessage", "finalContent", "finalFunctionToolCall",
  "finalFunctionToolCallResult", "totalUsage", "error", "abort", "end"
] as const

/** Every event with its arguments as JSON at the time it fired (`chunk` without its snapshot). */
const record = (stream: ChatCompletionStream<any>) => {
  const events: Array<[string, ...Array<unknown>]> = []
  for (const name of names) {
    stream.on(name as any, (...args: Array<unknown>) => {
      events.push([name, ...JSON.parse(JSON.stringify(name === "chunk" ? args.slice(0, 1) : args)) as Array<unknown>])
    })
  }
  return events
}

const usage = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 }

describe("chat.completions.stream", () => {
  it("emits the official events in the official order, with their payloads", async () => {
    const chunks = [
      chunk([{ ...delta({ role: "assistant", content: "" }), logprobs: null }], { usage: null }),
      chunk([{ ...delta({ content: "Hel" }), logprobs: { content: [logprob("Hel")], refusal: null } }], { usage: null }),
      chunk([{ ...delta({ content: "lo" }), logprobs: { content: [logprob("lo")], refusal: null } }], { usage: null }),
      chunk([delta({}, "stop")], { usage: null }),
      chunk([], { usage })
    ]
    const server = await serve((_req, res) => sse(res, chunks))
    const stream = clientOf(server).chat.completions.stream(params)
    const events = record(stream)
    const completion = await stream.finalChatCompletion()
    const message = { role: "assistant", content: "Hello", refusal: null, parsed: null }
    const final = {
      id: "chatcmpl-1",
      object: "chat.completion",
      created: 1,
      model: "gpt-test",
      usage,
      choices: [{ index: 0, finish_reason: "stop", logprobs: { content: [logprob("Hel"), logprob("lo")], refusal: null }, message }]
    }
    expect(completion).toEqual(final)
    expect(events).toEqual([
      ["connect"],
      ["chunk", chunks[0]],
      ["chunk", chunks[1]],
      ["content", "Hel", "Hel"],
      ["content.delta", { delta: "Hel", snapshot: "Hel" }],
      ["logprobs.content.delta", { content: [logprob("Hel")], snapshot: [logprob("Hel")] }],
      ["chunk", chunks[2]],
      ["content", "lo", "Hello"],
      ["content.delta", { delta: "lo", snapshot: "Hello" }],
      ["logprobs.content.delta", { content: [logprob("lo")], snapshot: [logprob("Hel"), logprob("lo")] }],
      ["chunk", chunks[3]],
      ["content.done", { content: "Hello", parsed: null }],
      ["logprobs.content.done", { content: [logprob("Hel"), logprob("lo")] }],
      ["chunk", chunks[4]],
      ["chatCompletion", final],
      ["message", message],
      ["finalChatCompletion", final],
      ["finalMessage", message],
      ["finalContent", "Hello"],
      ["totalUsage", usage],
      ["end"]
    ])
    expect(await stream.finalContent()).toBe("Hello")
    expect(await stream.totalUsage()).toEqual(usage)
    expect(stream.messages).toEqual([params.messages[0], message])
    expect(server.requests[0]!.json).toMatchObject({ stream: true, model: "gpt-test" })
  })

  it("joins parallel tool calls by index and says when each is done", async () => {
    const server = await serve((_req, res) =>
      sse(res, [
        chunk([delta({ role: "assistant", content: null })]),
        chunk([delta({ tool_calls: [toolDelta(0, { name: "weather", arguments: "" }, { id: "call_a", type: "function" })] })]),
        chunk([delta({ tool_calls: [toolDelta(0, { arguments: "{\"city\":" })] })]),
        chunk([delta({ tool_calls: [toolDelta(1, { name: "time", arguments: "{}" }, { id: "call_b", type: "function" })] })]),
        chunk([delta({ tool_calls: [toolDelta(0, { arguments: "\"Paris\"}" })] })]),
        chunk([delta({}, "tool_calls")])
      ])
    )
    const stream = clientOf(server).chat.completions.stream(params)
    const events = record(stream)
    const completion = await stream.finalChatCompletion()
    expect(completion.choices[0]!.message.tool_calls).toEqual([
      { id: "call_a", type: "function", function: { name: "weather", arguments: "{\"city\":\"Paris\"}" } },
      { id: "call_b", type: "function", function: { name: "time", arguments: "{}" } }
    ])
    const tools = events.filter(([name]) => name.startsWith("tool_calls") || name.includes("unctionToolCall"))
    expect(tools).toEqual([
      ["tool_calls.function.arguments.delta", { name: "weather", index: 0, arguments: "", arguments_delta: "" }],
      ["tool_calls.function.arguments.delta", { name: "weather", index: 0, arguments: "{\"city\":", arguments_delta: "{\"city\":" }],
      ["tool_calls.function.arguments.done", { name: "weather", index: 0, arguments: "{\"city\":", parsed_arguments: null }],
      ["tool_calls.function.arguments.delta", { name: "time", index: 1, arguments: "{}", arguments_delta: "{}" }],
      ["tool_calls.function.arguments.done", { name: "time", index: 1, arguments: "{}", parsed_arguments: null }],
      ["tool_calls.function.arguments.delta", { name: "weather", index: 0, arguments: "{\"city\":\"Paris\"}", arguments_delta: "\"Paris\"}" }],
      ["tool_calls.function.arguments.done", { name: "weather", index: 0, arguments: "{\"city\":\"Paris\"}", parsed_arguments: null }],
      ["functionToolCall", { name: "weather", arguments: "{\"city\":\"Paris\"}" }],
      ["functionToolCall", { name: "time", arguments: "{}" }],
      ["finalFunctionToolCall", { name: "time", arguments: "{}" }]
    ])
  })

  it("parses a JSON schema answer and strict tools' arguments, as parse does (lib/parse.ts)", async () => {
    const server = await serve((req, res) =>
      sse(res, req.json.tools === undefined
        ? [chunk([delta({ role: "assistant", content: "{\"a\":" })]), chunk([delta({ content: "1}" }, "stop")])]
        : [
          chunk([delta({ role: "assistant", tool_calls: [toolDelta(0, { name: "f", arguments: "{\"x\":" }, { id: "c", type: "function" })] })]),
          chunk([delta({ tool_calls: [toolDelta(0, { arguments: "2}" })] }, "tool_calls")])
        ])
    )
    const format = { type: "json_schema" as const, json_schema: { name: "answer", strict: true, schema: { type: "object" } } }
    const stream = clientOf(server).chat.completions.stream({ ...params, response_format: format })
    const done: Array<unknown> = []
    stream.on("content.done", (e) => done.push(e.parsed))
    const completion = await stream.finalChatCompletion()
    expect(done).toEqual([{ a: 1 }])
    expect(completion.choices[0]!.message.parsed).toEqual({ a: 1 })

    const tools = [{ type: "function" as const, function: { name: "f", strict: true, parameters: { type: "object" } } }]
    const withTools = clientOf(server).chat.completions.stream({ ...params, tools })
    const args: Array<unknown> = []
    withTools.on("tool_calls.function.arguments.done", (e) => args.push(e.parsed_arguments))
    const called = await withTools.finalChatCompletion()
    expect(args).toEqual([{ x: 2 }])
    const call = called.choices[0]!.message.tool_calls![0]! as { function: { parsed_arguments?: unknown } }
    expect(call.function.parsed_arguments).toEqual({ x: 2 })
  })

  it("a refusal has its delta and done events", async () => {
    const server = await serve((_req, res) =>
      sse(res, [chunk([delta({ role: "assistant", refusal: "No" })]), chunk([delta({ refusal: "pe." }, "stop")])])
    )
    const stream = clientOf(server).chat.completions.stream(params)
    const events = record(stream)
    await stream.done()
    expect(events.filter(([name]) => name.startsWith("refusal") || name.startsWith("content"))).toEqual([
      ["refusal.delta", { delta: "No", snapshot: "No" }],
      ["refusal.delta", { delta: "pe.", snapshot: "Nope." }],
      ["refusal.done", { refusal: "Nope." }]
    ])
    expect((await stream.finalMessage()).refusal).toBe("Nope.")
  })

  it("a stream cut before [DONE] ends with error StreamTruncatedError, never a final completion", async () => {
    const server = await serve((_req, res) => sse(res, [chunk([delta({ role: "assistant", content: "Hel" }, "stop")])], { done: false }))
    const stream = clientOf(server).chat.completions.stream(params)
    const events = record(stream)
    const error = await rejection(stream.finalChatCompletion())
    expect(error).toBeInstanceOf(StreamTruncatedError)
    expect(events.map(([name]) => name)).toEqual(["connect", "chunk", "content", "content.delta", "content.done", "error", "end"])
    expect(stream.errored).toBe(true)
  })

  it("a choice without finish_reason at [DONE] is StreamTruncatedError too", async () => {
    const server = await serve((_req, res) => sse(res, [chunk([delta({ role: "assistant", content: "Hel" })])]))
    const stream = clientOf(server).chat.completions.stream(params)
    const error = await rejection(stream.finalContent())
    expect(error).toBeInstanceOf(StreamTruncatedError)
    expect(error.message).toContain("finish_reason")
  })

  it("more than 128 distinct tool-call indexes end with ResponseDecodeError; an index of 10^9 is one entry", async () => {
    const many = Array.from({ length: 129 }, (_, i) => toolDelta(i, { name: "f", arguments: "" }))
    const server = await serve((req, res) =>
      sse(res, req.json.model === "many"
        ? [chunk([delta({ role: "assistant", tool_calls: many })])]
        : [chunk([delta({ role: "assistant", tool_calls: [toolDelta(1e9, { name: "f", arguments: "{}" }, { id: "c" })] }, "tool_calls", 1e9)])])
    )
    const error = await rejection(clientOf(server).chat.completions.stream({ ...params, model: "many" }).finalChatCompletion())
    expect(error).toBeInstanceOf(ResponseDecodeError)
    const completion = await clientOf(server).chat.completions.stream(params).finalChatCompletion()
    expect(completion.choices.length).toBe(1)
    expect(completion.choices[0]!.index).toBe(1e9)
    expect(completion.choices[0]!.message.tool_calls!.length).toBe(1)
  })

  it("passes over keepalives, chunks it does not know and Azure's chunks without id or delta", async () => {
    const server = await serve((_req, res) => {
      sseHead(res)
      res.write(sseEvent({ id: "", object: "", created: 0, model: "", choices: [], prompt_filter_results: [{ prompt_index: 0 }] }))
      res.write(sseEvent(chunk([delta({ role: "assistant", content: "a" })])))
      res.write(": keepalive\n\n")
      res.write(sseEvent({ type: "keepalive", sequence_number: 1 }))
      res.write(sseEvent(chunk([{ index: 0, finish_reason: null, content_filter_results: { hate: { filtered: false } } }])))
      res.write(sseEvent(chunk([delta({ content: "b" }, "stop")])))
      res.end("data: [DONE]\n\n")
    })
    const stream = clientOf(server).chat.completions.stream(params)
    const deltas: Array<string> = []
    stream.on("content", (d) => deltas.push(d))
    const completion = await stream.finalChatCompletion()
    expect(deltas).toEqual(["a", "b"])
    expect(completion.id).toBe("chatcmpl-1")
    expect(completion.choices[0]!.message).toEqual({ role: "assistant", content: "ab", refusal: null, parsed: null })
  })

  it("a __proto__ key in a chunk pollutes nothing", async () => {
    const server = await serve((_req, res) => {
      sseHead(res)
      res.write(`data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","__proto__":{"polluted":1},"choices":[{"index":0,"delta":{"role":"assistant","content":"","__proto__":{"polluted":2},"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"__proto__":{"polluted":3},"name":"f","arguments":"{\\"__proto__\\":{\\"polluted\\":4}}"}}]},"finish_reason":"tool_calls"}]}\n\n`)
      res.end("data: [DONE]\n\n")
    })
    const completion = await clientOf(server).chat.completions.stream(params).finalChatCompletion()
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.getPrototypeOf(completion)).toBe(Object.prototype)
    expect(Object.getPrototypeOf(completion.choices[0]!.message)).toBe(Object.prototype)
    const call = completion.choices[0]!.message.tool_calls![0]! as { function: { arguments: string; polluted?: unknown } }
    expect(call.function.arguments).toBe("{\"__proto__\":{\"polluted\":4}}")
    expect(call.function.polluted).toBeUndefined()
  })

  it("abort() ends it with abort and closes the connection", async () => {
    const server = await serve((_req, res) => {
      sseHead(res)
      res.write(sseEvent(chunk([delta({ role: "assistant", content: "a" })])))
    })
    const stream = clientOf(server).chat.completions.stream(params)
    const events = record(stream)
    await within(2_000, stream.emitted("chunk"))
    stream.abort()
    expect(await rejection(stream.done())).toBeInstanceOf(APIUserAbortError)
    expect(stream.aborted).toBe(true)
    expect(events.map(([name]) => name).slice(-2)).toEqual(["abort", "end"])
    expect(await within(2_000, server.requests[0]!.closed)).toEqual({ finished: false })
    expect(await rejection(stream.finalChatCompletion())).toBeInstanceOf(APIUserAbortError)
  })

  it("the request's signal aborts it too", async () => {
    const server = await serve((_req, res) => {
      sseHead(res)
      res.write(sseEvent(chunk([delta({ role: "assistant", content: "a" })])))
    })
    const controller = new AbortController()
    const stream = clientOf(server).chat.completions.stream(params, { signal: controller.signal })
    await within(2_000, stream.emitted("content"))
    controller.abort()
    expect(await rejection(stream.done())).toBeInstanceOf(APIUserAbortError)
    expect(await within(2_000, server.requests[0]!.closed)).toEqual({ finished: false })
  })

  it("for await gives the chunks; break closes the connection", async () => {
    const server = await serve((req, res) => {
      sseHead(res)
      for (const c of ["a", "b", "c"]) res.write(sseEvent(chunk([delta({ role: "assistant", content: c })])))
      if (req.json.model === "whole") res.end(sseEvent(chunk([delta({}, "stop")])) + "data: [DONE]\n\n")
    })
    const whole = clientOf(server).chat.completions.stream({ ...params, model: "whole" })
    const contents: Array<unknown> = []
    for await (const c of whole) contents.push(c.choices[0]?.delta.content)
    expect(contents).toEqual(["a", "b", "c", undefined])
    expect((await whole.finalChatCompletion()).choices[0]!.message.content).toBe("abc")

    const stream = clientOf(server).chat.completions.stream(params)
    const seen: Array<unknown> = []
    await within(2_000, (async () => {
      for await (const c of stream) {
        seen.push(c.choices[0]?.delta.content)
        if (seen.length === 2) break
      }
    })())
    expect(seen).toEqual(["a", "b"])
    expect(await within(2_000, server.requests[1]!.closed)).toEqual({ finished: false })
    expect(await rejection(stream.done())).toBeInstanceOf(APIUserAbortError)
  })

  it("for await rejects with the failure that ended the stream, after the chunks it had", async () => {
    const server = await serve((_req, res) => sse(res, [chunk([delta({ role: "assistant", content: "a" })])], { done: false }))
    const stream = clientOf(server).chat.completions.stream(params)
    const seen: Array<unknown> = []
    const error = await rejection((async () => {
      for await (const c of stream) seen.push(c.choices[0]?.delta.content)
    })())
    expect(seen).toEqual(["a"])
    expect(error).toBeInstanceOf(StreamTruncatedError)
  })

  it("currentChatCompletionSnapshot grows with the chunks; the chunk listener gets it", async () => {
    const server = await serve((_req, res) =>
      sse(res, [chunk([delta({ role: "assistant", content: "He" })]), chunk([delta({ content: "y" }, "stop")])])
    )
    const stream = clientOf(server).chat.completions.stream(params)
    const snapshots: Array<unknown> = []
    stream.on("chunk", (_chunk, snapshot) => {
      snapshots.push(snapshot.choices[0]!.message.content)
      expect(stream.currentChatCompletionSnapshot?.choices[0]!.message.content).toBe(snapshot.choices[0]!.message.content)
    })
    await stream.done()
    expect(snapshots).toEqual(["He", "Hey"])
    expect(stream.currentChatCompletionSnapshot).toBeUndefined()
  })

  it("toReadableStream and fromReadableStream carry it to another side", async () => {
    const server = await serve((_req, res) =>
      sse(res, [chunk([delta({ role: "assistant", content: "Hi" })]), chunk([delta({ content: "!" }, "stop")])])
    )
    const readable = clientOf(server).chat.completions.stream(params).toReadableStream()
    const other = ChatCompletionStream.fromReadableStream(readable)
    const deltas: Array<string> = []
    other.on("content", (d) => deltas.push(d))
    expect((await other.finalChatCompletion()).choices[0]!.message.content).toBe("Hi!")
    expect(deltas).toEqual(["Hi", "!"])

    // a serialized stream that ends early is not a completion
    const cut = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(JSON.stringify(chunk([delta({ role: "assistant", content: "Hi" })])) + "\n"))
        controller.close()
      }
    })
    expect(await rejection(ChatCompletionStream.fromReadableStream(cut).finalChatCompletion())).toBeInstanceOf(StreamTruncatedError)
  })

  it("errors are OpenAIError classes, and emitted() rejects with them", async () => {
    const server = await serve((_req, res) => sse(res, [], { done: true }))
    const stream = clientOf(server).chat.completions.stream(params)
    const error = await rejection(stream.emitted("finalChatCompletion"))
    expect(error).toBeInstanceOf(OpenAIError)
    expect(error).toBeInstanceOf(StreamTruncatedError)
  })
})
