/**
 * The README's demo. With OPENAI_API_KEY set it calls the real API; without it, a built-in local mock server.
 * It shows a completion, a streamed answer printed as it arrives, a paginated listing, and a typed error.
 */
import { Chat, Files, Models, OpenAI } from "@effect-openai/openai"
import { Console, Effect, Layer, Redacted, Stream } from "effect"
import { startMockServer } from "./mock-server.js"

const live = process.env.OPENAI_API_KEY !== undefined && process.env.OPENAI_API_KEY !== ""
const model = process.env.OPENAI_MODEL ?? "gpt-4o-mini"

const program = Effect.gen(function*() {
  yield* Console.log(live ? "Calling the OpenAI API (OPENAI_API_KEY is set).\n" : "No OPENAI_API_KEY: using the local mock server.\n")

  // 1. A completion, with its response metadata.
  const { data: completion, response } = yield* Chat.Completions.createWithResponse({
    model,
    messages: [{ role: "user", content: "In one sentence: why use Effect for API clients?" }]
  })
  yield* Console.log(`1. Completion (request ${response.requestId ?? "?"}):\n   ${completion.choices[0]?.message.content}\n`)

  // 2. A streamed answer, printed as it arrives.
  process.stdout.write("2. Streamed: ")
  yield* Chat.Completions.createStream({
    model,
    messages: [{ role: "user", content: "Say something short about streams." }]
  }).pipe(
    Stream.map((chunk) => chunk.choices[0]?.delta.content ?? ""),
    Stream.runForEach((text) => Effect.sync(() => process.stdout.write(text)))
  )
  yield* Console.log("\n")

  // 3. A paginated listing: every item across pages, fetched lazily as the stream is pulled.
  const listing = live
    ? Models.listStream().pipe(Stream.map((m) => m.id), Stream.take(5))
    : Files.listStream({ limit: 10 }).pipe(Stream.map((f) => `${f.id} ${f.filename}`))
  const items = yield* Stream.runCollect(listing)
  yield* Console.log(`3. Listing (${items.length} items${live ? ", first 5 models" : " over 3 pages of 10"}):`)
  for (const item of items) yield* Console.log(`   ${item}`)

  // 4. A typed error, caught by its tag.
  const outcome = yield* Models.retrieve("no-such-model").pipe(
    Effect.map((m) => `found ${m.id}?!`),
    Effect.catchTag("NotFoundError", (e) => Effect.succeed(`NotFoundError ${e.status}: ${e.error?.message ?? e.message}`))
  )
  yield* Console.log(`\n4. Typed error: ${outcome}`)
})

const main = Effect.gen(function*() {
  if (live) return yield* Effect.provide(program, OpenAI.layerConfig())
  const mock = yield* Effect.acquireRelease(Effect.promise(() => startMockServer()), (m) => Effect.promise(() => m.close()))
  return yield* Effect.provide(program, Layer.fresh(OpenAI.layer({ apiKey: Redacted.make("sk-demo"), baseURL: mock.url })))
})

Effect.runPromise(Effect.scoped(main)).catch((error) => {
  console.error(error)
  process.exitCode = 1
})
