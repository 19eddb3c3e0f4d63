/**
 * The examples of docs/helpers.md, runnable: `npx -y pnpm@10 scratch scratchpad/helpers.ts` (against the local mock
 * server unless OPENAI_API_KEY is set). Each section prints one line; test/helpers-docs.test.ts runs it and checks
 * that every example of the guide is part of this file.
 */
import {
  Chat,
  ChatCompletionStream,
  OpenAI,
  ResponseItems,
  Responses,
  ResponseStream,
  StructuredOutput,
  ToolLoop
} from "@effect-openai/openai"
import OpenAIClient from "@effect-openai/promise"
import { zodFunction, zodResponseFormat } from "@effect-openai/promise/helpers/zod"
import { Console, Effect, Schema, Stream } from "effect"
import { z } from "zod"

const model = process.env.OPENAI_MODEL ?? "gpt-4o-mini"

// --- Effect API ---------------------------------------------------------------------------------------------

// Stream accumulators: the text as it arrives, and the final value of the whole stream.
const streamed = Effect.gen(function*() {
  const chunks = Chat.Completions.createStream({ model, messages: [{ role: "user", content: "Why stream?" }] })
  const final = yield* ChatCompletionStream.finalCompletion(chunks)
  const words = yield* Stream.runCollect(
    ResponseStream.text(Responses.createStream({ model, input: "Why stream?" }))
  )
  return { content: final.choices[0]?.message.content, deltas: words.length }
})

// Structured outputs: a strict JSON Schema from a Schema, the answer decoded by the same Schema.
const City = Schema.Struct({
  name: Schema.String,
  country: Schema.String,
  population: Schema.Int,
  nickname: Schema.optional(Schema.String)
})

const structured = Effect.gen(function*() {
  const completion = yield* StructuredOutput.createChatCompletion({
    model,
    messages: [{ role: "user", content: "Describe Lisbon." }],
    response_format: StructuredOutput.responseFormat(City, { name: "city" })
  })
  const city = completion.choices[0]?.message.parsed // typed as City's Type
  return city
}).pipe(
  Effect.catchTag("RefusalError", (e) => Effect.succeed(`refused: ${e.refusal}`))
)

// Tool loops: the model calls the tool, the loop runs the handler and sends the result back, until an answer.
const getWeather = ToolLoop.tool({
  name: "get_weather",
  description: "The current weather in a city",
  parameters: Schema.Struct({ city: Schema.String }),
  handler: ({ city }) => Effect.succeed({ city, sky: "clear", celsius: 21 })
})

const toolLoop = Effect.gen(function*() {
  const result = yield* ToolLoop.chat(
    { model, messages: [{ role: "user", content: "What is the weather in Lisbon?" }] },
    [getWeather],
    { maxRounds: 5, concurrency: 4 }
  )
  return result.completion.choices[0]?.message.content
})

// Every step of a loop, for logs and UIs.
const steps = ToolLoop.chatSteps(
  { model, messages: [{ role: "user", content: "What is the weather in Lisbon?" }] },
  [getWeather]
).pipe(
  Stream.map((step) => step._tag),
  Stream.runCollect
)

// Input items: a response's output, replayed as the next request's input.
const followUp = Effect.gen(function*() {
  const first = yield* Responses.create({ model, input: "Name a city." })
  const next = yield* Responses.create({
    model,
    input: [...ResponseItems.toResponseInputItems(first), { role: "user", content: "And its country?" }]
  })
  return next.output_text
})

// --- Promise facade -------------------------------------------------------------------------------------------

const facade = async () => {
  const client = new OpenAIClient()

  // A chat stream with the official events.
  let deltas = 0
  const stream = client.chat.completions.stream({ model, messages: [{ role: "user", content: "Why stream?" }] })
    .on("content.delta", () => deltas++)
  const content = await stream.finalContent()

  // Structured output with a Zod schema.
  const CityZ = z.object({ name: z.string(), country: z.string(), population: z.number().int() })
  const parsed = await client.chat.completions.parse({
    model,
    messages: [{ role: "user", content: "Describe Lisbon." }],
    response_format: zodResponseFormat(CityZ, "city")
  })

  // A tool loop with the official runner.
  const runner = client.chat.completions.runTools({
    model,
    messages: [{ role: "user", content: "What is the weather in Lisbon?" }],
    tools: [
      zodFunction({
        name: "get_weather",
        parameters: z.object({ city: z.string() }),
        function: ({ city }) => ({ city, sky: "clear", celsius: 21 })
      })
    ]
  })
  const answer = await runner.finalContent()

  return { content, deltas, parsed: parsed.choices[0]?.message.parsed, answer }
}

// --- run ------------------------------------------------------------------------------------------------------

const program = Effect.gen(function*() {
  const s = yield* streamed
  yield* Console.log(`effect stream: ${s.deltas > 1 ? "several deltas" : "one delta"}; final: ${s.content}`)
  yield* Console.log(`effect structured: ${JSON.stringify(yield* structured)}`)
  yield* Console.log(`effect tool loop: ${yield* toolLoop}`)
  yield* Console.log(`effect steps: ${[...(yield* steps)].join(" ")}`)
  yield* Console.log(`effect follow-up: ${yield* followUp}`)
  const f = yield* Effect.promise(facade)
  yield* Console.log(`promise stream: ${f.deltas > 1 ? "several deltas" : "one delta"}; final: ${f.content}`)
  yield* Console.log(`promise parsed: ${JSON.stringify(f.parsed)}`)
  yield* Console.log(`promise runTools: ${f.answer}`)
})

Effect.runPromise(program.pipe(Effect.provide(OpenAI.layerConfig())))
