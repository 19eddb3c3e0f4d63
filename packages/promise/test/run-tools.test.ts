/**
 * `client.chat.completions.runTools`: the requests a run sends, functions run concurrently, failures (a function
 * that throws, a request that fails), aborting a run while a function runs or a request is in flight, the runner's
 * promises and events, and the streaming runner. Event order and payloads against the official runner are in
 * test/parity/run-tools.test.ts.
 */
import { describe, expect, it } from "vitest"
import { APIUserAbortError, InternalServerError, OpenAIError } from "@effect-openai/promise"
import { ParsingToolFunction } from "../src/lib/run-tools.js"
import { clientOf, json, rejection, sse, useServers, within } from "./support/server.js"

const serve = useServers()

const completion = (message: Record<string, unknown>, usage?: Record<string, unknown>) => ({
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 1,
  model: "gpt-test",
  choices: [{ index: 0, message: { role: "assistant", refusal: null, ...message }, finish_reason: "stop", logprobs: null }],
  ...(usage === undefined ? {} : { usage })
})

const calls = (...list: ReadonlyArray<readonly [string, string, string]>) =>
  completion(
    { content: null, tool_calls: list.map(([id, name, args]) => ({ id, type: "function", function: { name, arguments: args } })) },
    { prompt_tokens: 10, completion_tokens: 4, total_tokens: 14, completion_tokens_details: { reasoning_tokens: 1 } }
  )

const says = (content: string) =>
  completion({ content }, { prompt_tokens: 20, completion_tokens: 3, total_tokens: 23, completion_tokens_details: { reasoning_tokens: 2 } })

/** A server answering `answers` in order, the last one repeating. */
const scripted = (answers: ReadonlyArray<unknown>) => serve((req, res) => json(res, 200, answers[Math.min(req.index, answers.length - 1)]))

const messages = [{ role: "user" as const, content: "Weather?" }]

const weather = new ParsingToolFunction({
  name: "get_weather",
  description: "The weather in a city",
  parameters: { type: "object", properties: { city: { type: "string" } } },
  parse: (input: string) => JSON.parse(input) as { city: string },
  function: ({ city }) => ({ city, sky: "clear" })
})

/** A promise and the function that resolves it. */
const latch = () => {
  let open!: () => void
  const opened = new Promise<void>((resolve) => (open = resolve))
  return { open, opened }
}

describe("runTools", () => {
  it("sends the tools, then the assistant message with tool_calls and a tool message per call id", async () => {
    const server = await scripted([calls(["call_1", "get_weather", "{\"city\":\"Paris\"}"]), says("Clear in Paris")])
    const runner = clientOf(server).chat.completions.runTools({ model: "gpt-test", messages, tools: [weather] })
    expect(await runner.finalContent()).toBe("Clear in Paris")
    const [first, second] = server.requests.map((r) => r.json)
    expect(first).toEqual({
      model: "gpt-test",
      messages,
      stream: false,
      tool_choice: "auto",
      tools: [{
        type: "function",
        function: { name: "get_weather", description: "The weather in a city", parameters: weather.function.parameters }
      }]
    })
    expect(second.messages).toEqual([
      messages[0],
      { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Paris\"}" } }] },
      { role: "tool", tool_call_id: "call_1", content: "{\"city\":\"Paris\",\"sky\":\"clear\"}" }
    ])
    expect(await runner.finalFunctionToolCallResult()).toBe("{\"city\":\"Paris\",\"sky\":\"clear\"}")
    expect(await runner.finalFunctionToolCall()).toEqual({ name: "get_weather", arguments: "{\"city\":\"Paris\"}", parsed_arguments: null })
    expect(runner.allChatCompletions().length).toBe(2)
    expect(await runner.totalUsage()).toEqual({
      prompt_tokens: 30,
      completion_tokens: 7,
      total_tokens: 37,
      completion_tokens_details: { reasoning_tokens: 3 }
    })
  })

  it("runs the calls of one completion concurrently and sends their results in the calls' order", async () => {
    const server = await scripted([calls(["a", "slow", "{\"n\":1}"], ["b", "slow", "{\"n\":2}"]), says("done")])
    const started: Array<number> = []
    const bothStarted = latch()
    const slow = {
      type: "function" as const,
      function: {
        name: "slow",
        description: "Waits for the other call",
        parameters: { type: "object", properties: { n: { type: "number" } } },
        parse: JSON.parse,
        function: async ({ n }: { n: number }) => {
          started.push(n)
          if (started.length === 2) bothStarted.open()
          // Neither call finishes before both have started.
          await bothStarted.opened
          return n === 1 ? "first" : "second"
        }
      }
    }
    const runner = clientOf(server).chat.completions.runTools({ model: "gpt-test", messages, tools: [slow] })
    expect(await within(2_000, runner.finalContent())).toBe("done")
    expect(started.sort()).toEqual([1, 2])
    expect(server.requests[1]!.json.messages.slice(2)).toEqual([
      { role: "tool", tool_call_id: "a", content: "first" },
      { role: "tool", tool_call_id: "b", content: "second" }
    ])
  })

  it("a function that throws ends the run with an error event, and sends nothing more", async () => {
    const server = await scripted([calls(["c", "boom", "{}"]), says("unreachable")])
    const boom = {
      type: "function" as const,
      function: {
        name: "boom",
        description: "Throws",
        parameters: { type: "object", properties: {} },
        function: () => {
          throw new OpenAIError("boom failed")
        }
      }
    }
    const runner = clientOf(server).chat.completions.runTools({ model: "gpt-test", messages, tools: [boom] })
    const errors: Array<unknown> = []
    runner.on("error", (error) => errors.push(error))
    const error = await rejection(runner.done())
    expect(error).toBeInstanceOf(OpenAIError)
    expect(error.message).toBe("boom failed")
    expect(errors).toEqual([error])
    expect(runner.errored).toBe(true)
    expect(server.requests.length).toBe(1)
  })

  it("a failing request is the official error class, in the error event and from every promise", async () => {
    const server = await serve((_req, res) => json(res, 500, { error: { message: "down", type: "server_error" } }))
    const runner = clientOf(server).chat.completions.runTools({ model: "gpt-test", messages, tools: [weather] })
    const emitted = runner.emitted("error")
    const error = await rejection(runner.finalChatCompletion())
    expect(error).toBeInstanceOf(InternalServerError)
    expect(await emitted).toBe(error)
    expect(await rejection(runner.finalMessage())).toBe(error)
  })

  it("abort() while a function runs ends the run with APIUserAbortError and sends nothing more", async () => {
    const server = await scripted([calls(["c", "wait", "{}"]), says("unreachable")])
    const running = latch()
    const release = latch()
    const wait = {
      type: "function" as const,
      function: {
        name: "wait",
        description: "Waits",
        parameters: { type: "object", properties: {} },
        function: async () => {
          running.open()
          await release.opened
          return "late"
        }
      }
    }
    const runner = clientOf(server).chat.completions.runTools({ model: "gpt-test", messages, tools: [wait] })
    const aborted = runner.emitted("abort")
    await within(2_000, running.opened)
    runner.abort()
    expect(await within(2_000, aborted)).toBeInstanceOf(APIUserAbortError)
    expect(await rejection(runner.done())).toBeInstanceOf(APIUserAbortError)
    expect(runner.aborted).toBe(true)
    release.open()
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(server.requests.length).toBe(1)
  })

  it("abort() with a request in flight closes its connection", async () => {
    const server = await serve((req, res) => {
      if (req.index === 0) json(res, 200, calls(["c", "get_weather", "{\"city\":\"Rome\"}"]))
      // the second request is never answered
    })
    const runner = clientOf(server).chat.completions.runTools({ model: "gpt-test", messages, tools: [weather] })
    await within(2_000, runner.emitted("functionToolCallResult"))
    while (server.requests.length < 2) await new Promise((resolve) => setTimeout(resolve, 5))
    runner.abort()
    expect(await rejection(within(2_000, runner.done()))).toBeInstanceOf(APIUserAbortError)
    expect(await within(2_000, server.requests[1]!.closed)).toEqual({ finished: false })
  })

  it("the call's signal aborts the run too", async () => {
    const server = await serve(() => {})
    const controller = new AbortController()
    const runner = clientOf(server).chat.completions.runTools({ model: "gpt-test", messages, tools: [weather] }, { signal: controller.signal })
    while (server.requests.length < 1) await new Promise((resolve) => setTimeout(resolve, 5))
    controller.abort()
    expect(await rejection(within(2_000, runner.done()))).toBeInstanceOf(APIUserAbortError)
  })

  it("messages a function appends to runner.messages are sent after the round's tool messages", async () => {
    const server = await scripted([calls(["c", "note", "{}"]), says("ok")])
    const note = {
      type: "function" as const,
      function: {
        name: "note",
        description: "Adds a note",
        parameters: { type: "object", properties: {} },
        function: (_args: string, runner: { messages: Array<unknown> }) => {
          runner.messages.push({ role: "user", content: "noted" })
          return "done"
        }
      }
    }
    const runner = clientOf(server).chat.completions.runTools({ model: "gpt-test", messages, tools: [note] })
    await runner.done()
    expect(server.requests[1]!.json.messages.slice(2)).toEqual([
      { role: "tool", tool_call_id: "c", content: "done" },
      { role: "user", content: "noted" }
    ])
  })

  it("events() iterates an event until the run ends; once() and off() behave as on Node's emitters", async () => {
    const server = await scripted([calls(["c", "get_weather", "{\"city\":\"Rome\"}"]), says("fine")])
    const runner = clientOf(server).chat.completions.runTools({ model: "gpt-test", messages, tools: [weather] })
    const once: Array<string> = []
    const removed: Array<string> = []
    runner.once("message", (m) => once.push(m.role))
    const listener = () => removed.push("called")
    runner.on("chatCompletion", listener)
    runner.off("chatCompletion", listener)
    const roles: Array<string> = []
    for await (const [message] of runner.events("message")) roles.push(message.role)
    expect(roles).toEqual(["assistant", "tool", "assistant"])
    expect(once).toEqual(["assistant"])
    expect(removed).toEqual([])
    expect(runner.ended).toBe(true)
  })

  it("streams each round with stream: true: chunks and content deltas, then the final content", async () => {
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
      id: "chatcmpl-s",
      object: "chat.completion.chunk",
      created: 1,
      model: "gpt-test",
      choices: [{ index: 0, delta, finish_reason: finish }]
    })
    const server = await serve((req, res) =>
      sse(
        res,
        req.index === 0
          ? [
            chunk({ role: "assistant", tool_calls: [{ index: 0, id: "c1", type: "function", function: { name: "get_weather", arguments: "{\"ci" } }] }),
            chunk({ tool_calls: [{ index: 0, function: { arguments: "ty\":\"Oslo\"}" } }] }),
            chunk({}, "tool_calls")
          ]
          : [chunk({ role: "assistant", content: "Snow" }), chunk({ content: "ing" }), chunk({}, "stop")]
      )
    )
    const runner = clientOf(server).chat.completions.runTools({ model: "gpt-test", messages, tools: [weather], stream: true })
    const contents: Array<[string, string]> = []
    runner.on("content", (delta, snapshot) => contents.push([delta, snapshot]))
    let chunks = 0
    for await (const _ of runner) chunks++
    expect(chunks).toBe(6)
    expect(contents).toEqual([["Snow", "Snow"], ["ing", "Snowing"]])
    expect(await runner.finalContent()).toBe("Snowing")
    expect(server.requests[0]!.json).toMatchObject({ stream: true, tool_choice: "auto" })
    expect(server.requests[1]!.json.messages[2]).toEqual({ role: "tool", tool_call_id: "c1", content: "{\"city\":\"Oslo\",\"sky\":\"clear\"}" })
  })
})
