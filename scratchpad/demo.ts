/**
 * The README's demo. With OPENAI_API_KEY set it calls the real API; without it, a built-in local mock server.
 * It shows a completion, a streamed answer printed as it arrives, a paginated listing, a typed error, a structured
 * output decoded by a Schema, and a tool the model calls.
 */
import { Chat, Files, Models, OpenAI, Pagination, Responses, StructuredOutput, ToolLoop } from "@effect-openai/openai"
import { Cause, Console, Effect, Option, Schema, Stream } from "effect"
import { startMockServer } from "./mock-server.js"

const live = (process.env.OPENAI_API_KEY ?? "") !== ""
const model = process.env.OPENAI_MODEL ?? "gpt-4o-mini"

const write = (text: string) => Effect.sync(() => process.stdout.write(text))

const program = Effect.gen(function*() {
  yield* Console.log(live ? "Calling the OpenAI API (OPENAI_API_KEY is set).\n" : "No OPENAI_API_KEY: using the local mock server.\n")

  // 1. A completion, with its response metadata.
  const { data: completion, response } = yield* Chat.Completions.createWithResponse({
    model,
    messages: [{ role: "user", content: "In one sentence: why use Effect for API clients?" }]
  })
  yield* Console.log(`1. Completion (request ${response.requestId ?? "?"}):\n   ${completion.choices[0]?.message.content ?? ""}\n`)

  // 2. A streamed answer from the Responses API, each text delta printed as it arrives.
  yield* write("2. Streamed:\n   ")
  yield* Responses.createStream({ model, input: "In one sentence: what does streaming an answer give you?" }).pipe(
    Stream.filterMap((e) => e.type === "response.output_text.delta" ? Option.some(e.delta) : Option.none()),
    Stream.runForEach(write),
    // a failure is then reported on a line of its own
    Effect.ensuring(Console.log("\n"))
  )

  // 3. A listing, a page at a time: each page is fetched only when the stream pulls it.
  const first = live ? yield* Models.list() : yield* Files.list({ limit: 10 })
  yield* Console.log(`3. Listing ${live ? "models" : "files, 10 per page"}, a line per page:`)
  yield* Pagination.pages<{ readonly id: string }>(first).pipe(
    Stream.take(5),
    Stream.zipWithIndex,
    Stream.runForEach(([page, i]) =>
      Console.log(`   page ${i + 1}: ${page.data.length} items (${page.data[0]?.id ?? "-"} … ${page.data.at(-1)?.id ?? "-"})`)
    )
  )

  // 4. A typed error, caught by its tag.
  const outcome = yield* Models.retrieve("no-such-model").pipe(
    Effect.map((m) => `found ${m.id}?!`),
    Effect.catchTag("NotFoundError", (e) => Effect.succeed(`${e._tag}: ${e.message}`))
  )
  yield* Console.log(`\n4. Typed error, caught with catchTag:\n   ${outcome}`)

  // 5. A structured output: the answer is decoded by the same Schema the request's strict JSON Schema came from.
  const City = Schema.Struct({
    name: Schema.String,
    country: Schema.String,
    population: Schema.Int,
    nickname: Schema.optional(Schema.String)
  })
  const structured = yield* StructuredOutput.createChatCompletion({
    model,
    messages: [{ role: "user", content: "Describe Lisbon." }],
    response_format: StructuredOutput.responseFormat(City, { name: "city" })
  })
  const city = structured.choices[0]?.message.parsed
  yield* Console.log(`\n5. Structured output (decoded by a Schema):\n   ${JSON.stringify(city)}`)

  // 6. A tool call: the model asks for the tool, the loop runs its handler and sends the result back.
  const weather = ToolLoop.tool({
    name: "get_weather",
    description: "The current weather in a city",
    parameters: Schema.Struct({ city: Schema.String }),
    handler: ({ city }) => Effect.succeed({ city, sky: "clear", celsius: 21 })
  })
  const loop = yield* ToolLoop.chat({ model, messages: [{ role: "user", content: "What is the weather in Lisbon?" }] }, [weather])
  const calls = loop.messages.flatMap((m) => m.role === "assistant" && m.tool_calls ? m.tool_calls : [])
  yield* Console.log(
    `\n6. A tool call (${calls.map((c) => c.type === "function" ? `${c.function.name}(${c.function.arguments})` : c.type).join(", ")}), then the answer:\n   ${loop.completion.choices[0]?.message.content ?? ""}`
  )
})

const main = Effect.gen(function*() {
  if (!live) {
    // OpenAI.layerConfig() reads where to send requests from the environment, so the mock needs no other wiring.
    const mock = yield* Effect.acquireRelease(Effect.promise(() => startMockServer()), (m) => Effect.promise(() => m.close()))
    process.env.OPENAI_BASE_URL = mock.url
    process.env.OPENAI_API_KEY = "sk-demo"
  }
  // The demo reports a failure itself; the client's warning about it would print it twice. OPENAI_LOG still wins.
  process.env.OPENAI_LOG ||= "error"
  return yield* Effect.provide(program, OpenAI.layerConfig())
})

// A failure is reported as `Tag: message` (the message names the request id); anything else is a bug, shown whole.
Effect.scoped(main).pipe(
  Effect.catchAllCause((cause) => {
    process.exitCode = 1
    return Option.match(Cause.failureOption(cause), {
      onSome: (error) => Console.error(`${error._tag}: ${error.message}`),
      onNone: () => Console.error(Cause.pretty(cause))
    })
  }),
  Effect.runPromise
)
