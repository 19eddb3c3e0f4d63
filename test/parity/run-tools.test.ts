/**
 * `chat.completions.runTools` against the official runner: the same scenario (the same functions, the same scripted
 * answers on a loopback server) run with each package; the events (names and payloads, in order), the outcome, the
 * runner's messages and the request bodies must be the same.
 */
import FacadeOpenAI from "@effect-openai/promise"
import * as FacadeZod from "@effect-openai/promise/helpers/zod"
import OfficialOpenAI from "openai"
import * as OfficialZod from "openai/helpers/zod"
import type { AbstractChatCompletionRunner } from "openai/lib/AbstractChatCompletionRunner"
import { describe, expect, it } from "vitest"
import { z } from "zod"
import { json, serve, sse } from "./support.js"

type Client = OfficialOpenAI
type Runner = AbstractChatCompletionRunner<any, unknown>

const packages = [
  { name: "official", OpenAI: OfficialOpenAI },
  { name: "facade", OpenAI: FacadeOpenAI as unknown as typeof OfficialOpenAI }
] as const

const events = [
  "connect",
  "chatCompletion",
  "message",
  "content",
  "functionToolCall",
  "functionToolCallResult",
  "finalChatCompletion",
  "finalMessage",
  "finalContent",
  "finalFunctionToolCall",
  "finalFunctionToolCallResult",
  "totalUsage",
  "error",
  "abort",
  "end"
] as const

const completion = (message: Record<string, unknown>, usage?: Record<string, unknown>) => ({
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 1_700_000_000,
  model: "gpt-4o-mini",
  choices: [{ index: 0, message: { role: "assistant", refusal: null, ...message }, finish_reason: "stop", logprobs: null }],
  ...(usage === undefined ? {} : { usage })
})

const calls = (...list: ReadonlyArray<readonly [string, string, string]>) =>
  completion(
    { content: null, tool_calls: list.map(([id, name, args]) => ({ id, type: "function", function: { name, arguments: args } })) },
    { prompt_tokens: 10, completion_tokens: 4, total_tokens: 14, prompt_tokens_details: { cached_tokens: 2 } }
  )

const says = (content: string) =>
  completion({ content }, { prompt_tokens: 20, completion_tokens: 3, total_tokens: 23, prompt_tokens_details: { cached_tokens: 5 } })

const clone = (value: unknown): unknown => (value === undefined ? "<undefined>" : JSON.parse(JSON.stringify(value)))

const describeError = (error: unknown) =>
  error instanceof Error
    ? { class: error.constructor.name, message: error.message, cause: error.cause instanceof Error ? error.cause.message : undefined }
    : { thrown: String(error) }

interface Trace {
  readonly events: Array<readonly [string, unknown]>
  readonly outcome: unknown
  readonly messages: unknown
  readonly bodies: Array<unknown>
}

/** Runs `start` against a server answering `answers` in order (the last repeats), and records what happened. */
const trace = async (
  OpenAI: typeof OfficialOpenAI,
  answers: ReadonlyArray<unknown>,
  start: (client: Client) => Runner
): Promise<Trace> => {
  const server = await serve((req, res) => json(res, 200, answers[Math.min(req.index, answers.length - 1)]))
  const client = new OpenAI({ apiKey: "sk-parity", baseURL: server.url, maxRetries: 0, logLevel: "off" })
  const runner = start(client)
  const seen: Array<readonly [string, unknown]> = []
  for (const name of events) {
    runner.on(name, (...args: Array<unknown>) => {
      seen.push([name, name === "error" || name === "abort" ? describeError(args[0]) : clone(args)])
    })
  }
  let outcome: unknown
  try {
    outcome = { content: await runner.finalContent(), completions: runner.allChatCompletions().length }
  } catch (error) {
    outcome = describeError(error)
  }
  return { events: seen, outcome, messages: clone(runner.messages), bodies: server.requests.map((r) => r.json) }
}

const both = async (
  answers: ReadonlyArray<unknown>,
  start: (client: Client, name: "official" | "facade") => Runner
) => {
  const [official, facade] = await Promise.all(packages.map((pkg) => trace(pkg.OpenAI, answers, (client) => start(client, pkg.name))))
  return { official: official!, facade: facade! }
}

const weather = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "The weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
    parse: JSON.parse,
    function: async ({ city }: { city: string }) => ({ city, temperature: city.length })
  }
}

const user = [{ role: "user" as const, content: "Weather in Paris and Rome?" }]

describe("runTools, official and facade on the same server", () => {
  it("a round of two calls, then the answer: events, payloads, messages and bodies", async () => {
    const { facade, official } = await both(
      [calls(["call_1", "get_weather", "{\"city\":\"Paris\"}"], ["call_2", "get_weather", "{\"city\":\"Rome\"}"]), says("Both mild")],
      (client) => client.chat.completions.runTools({ model: "gpt-4o-mini", messages: user, tools: [weather] })
    )
    expect(official.outcome).toEqual({ content: "Both mild", completions: 2 })
    expect(official.events.map(([name]) => name)).toContain("functionToolCallResult")
    expect(facade).toEqual(official)
  })

  it("an unknown function, a parse that throws and a function without parse are told to the model", async () => {
    const echo = {
      type: "function" as const,
      function: {
        name: "echo",
        description: "Echo the raw arguments",
        parameters: { type: "object", properties: {} },
        function: (args: string) => `raw:${args}`
      }
    }
    const picky = {
      type: "function" as const,
      function: {
        name: "picky",
        description: "Refuses everything",
        parameters: { type: "object", properties: {} },
        parse: (_: string): { a: 1 } => {
          throw new Error("bad arguments for picky")
        },
        function: () => "never"
      }
    }
    const { facade, official } = await both(
      [calls(["c1", "nope", "{}"], ["c2", "picky", "{}"], ["c3", "echo", "{\"x\":1}"]), says("ok")],
      (client) => client.chat.completions.runTools({ model: "gpt-4o-mini", messages: user, tools: [echo, picky] })
    )
    expect(facade).toEqual(official)
  })

  it("maxChatCompletions ends the run quietly after the last round's functions ran", async () => {
    const { facade, official } = await both(
      [calls(["c1", "get_weather", "{\"city\":\"Oslo\"}"])],
      (client) =>
        client.chat.completions.runTools({ model: "gpt-4o-mini", messages: user, tools: [weather] }, { maxChatCompletions: 2 })
    )
    expect(official.bodies.length).toBe(2)
    expect(official.outcome).toEqual({ content: null, completions: 2 })
    expect(facade).toEqual(official)
  })

  it("a function that throws ends the run with the error, wrapped in OpenAIError", async () => {
    const failing = {
      type: "function" as const,
      function: {
        name: "fail",
        description: "Fails",
        parameters: { type: "object", properties: {} },
        function: async () => {
          throw new Error("kaput")
        }
      }
    }
    const { facade, official } = await both(
      [calls(["c1", "fail", "{}"]), says("unreachable")],
      (client) => client.chat.completions.runTools({ model: "gpt-4o-mini", messages: user, tools: [failing] })
    )
    expect(official.bodies.length).toBe(1)
    expect(official.outcome).toMatchObject({ class: "OpenAIError", message: "kaput", cause: "kaput" })
    expect(facade).toEqual(official)
  })

  it("a tool_choice naming a function ends the run once it was called; afterCompletion's messages are sent", async () => {
    const forced = await both(
      [calls(["c1", "get_weather", "{\"city\":\"Lima\"}"]), says("unreachable")],
      (client) =>
        client.chat.completions.runTools({
          model: "gpt-4o-mini",
          messages: user,
          tools: [weather],
          tool_choice: { type: "function", function: { name: "get_weather" } }
        })
    )
    expect(forced.official.bodies.length).toBe(1)
    expect(forced.facade).toEqual(forced.official)

    const appended = await both(
      [calls(["c1", "get_weather", "{\"city\":\"Lima\"}"]), says("done")],
      (client) =>
        client.chat.completions.runTools({ model: "gpt-4o-mini", messages: user, tools: [weather] }, {
          afterCompletion: (completion, runner) => {
            if (completion.choices[0]?.message.tool_calls) runner.messages.push({ role: "user", content: "Be brief." })
          }
        })
    )
    expect((appended.official.bodies[1] as { messages: Array<unknown> }).messages.at(-1)).toEqual({ role: "user", content: "Be brief." })
    expect(appended.facade).toEqual(appended.official)
  })

  it("a zodFunction tool: strict parameters on the wire, parsed arguments given to its function", async () => {
    const Args = z.object({ city: z.string(), days: z.number().nullable() })
    const { facade, official } = await both(
      [calls(["c1", "forecast", "{\"city\":\"Bern\",\"days\":null}"]), says("Sunny")],
      (client, name) => {
        const zod = (name === "official" ? OfficialZod : FacadeZod) as typeof OfficialZod
        const forecast = zod.zodFunction({
          name: "forecast",
          description: "A forecast",
          parameters: Args,
          function: (args) => ({ ...args, sky: "sun" })
        })
        return client.chat.completions.runTools({ model: "gpt-4o-mini", messages: user, tools: [forecast] })
      }
    )
    const tools = (official.bodies[0] as { tools: Array<{ function: { strict?: boolean } }> }).tools
    expect(tools[0]!.function.strict).toBe(true)
    expect((official.bodies[1] as { messages: Array<{ content?: unknown }> }).messages[2]!.content).toBe("{\"city\":\"Bern\",\"days\":null,\"sky\":\"sun\"}")
    expect(facade).toEqual(official)
  })

  it("streaming: the rounds' chunks, the content deltas and the final content", async () => {
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
      id: "chatcmpl-s",
      object: "chat.completion.chunk",
      created: 1_700_000_000,
      model: "gpt-4o-mini",
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }]
    })
    const rounds = [
      [
        chunk({ role: "assistant", content: null, tool_calls: [{ index: 0, id: "c1", type: "function", function: { name: "get_weather", arguments: "" } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: "{\"city\":\"Kyiv\"}" } }] }),
        chunk({}, "tool_calls")
      ],
      [chunk({ role: "assistant", content: "Cold" }), chunk({ content: " and clear" }), chunk({}, "stop")]
    ]
    const run = async (OpenAI: typeof OfficialOpenAI) => {
      const server = await serve((req, res) => {
        const stream = sse(res)
        for (const event of rounds[Math.min(req.index, 1)]!) stream.send(event)
        stream.send("[DONE]")
        stream.end()
      })
      const client = new OpenAI({ apiKey: "sk-parity", baseURL: server.url, maxRetries: 0, logLevel: "off" })
      const runner = client.chat.completions.runTools({ model: "gpt-4o-mini", messages: user, tools: [weather], stream: true })
      const names: Array<string> = []
      const contents: Array<[string, string]> = []
      const streamEvents = [
        "chunk",
        "content.delta",
        "content.done",
        "tool_calls.function.arguments.delta",
        "tool_calls.function.arguments.done"
      ] as const
      for (const name of [...events, ...streamEvents]) runner.on(name, () => names.push(name))
      runner.on("content", (delta, snapshot) => contents.push([delta, snapshot]))
      const chunks: Array<unknown> = []
      for await (const chunk of runner) chunks.push(chunk)
      return {
        names,
        contents,
        chunks: chunks.length,
        content: await runner.finalContent(),
        messages: clone(runner.messages),
        bodies: server.requests.map((r) => r.json)
      }
    }
    const official = await run(OfficialOpenAI)
    const facade = await run(FacadeOpenAI as unknown as typeof OfficialOpenAI)
    expect(official.content).toBe("Cold and clear")
    expect(official.names).toEqual(expect.arrayContaining(["content.delta", "content.done", "tool_calls.function.arguments.done"]))
    expect(facade).toEqual(official)
  })
})
