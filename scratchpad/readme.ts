import { Chat, Files, OpenAI, Responses } from "@effect-openai/openai"
import { Chunk, Console, Effect, Option, Stream } from "effect"

const answer = Effect.gen(function*() {
  const c = yield* Chat.Completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] })
  return c.choices[0]?.message.content ?? ""
}).pipe(Effect.catchTag("RateLimitError", (e) => Effect.succeed(`busy, request ${e.requestId}`)))

const text = Responses.createStream({ model: "gpt-4o-mini", input: "Hi" }).pipe( // `type` narrows
  Stream.filterMap((e) => e.type === "response.output_text.delta" ? Option.some(e.delta) : Option.none())
)

const ids = Files.listStream({ limit: 100 }).pipe(Stream.map((f) => f.id)) // every page, lazily

const program = Effect.gen(function*() {
  yield* Console.log(yield* answer)
  yield* Stream.runForEach(text, (delta) => Effect.sync(() => process.stdout.write(delta))) // as it arrives
  yield* Console.log(`\n${Chunk.join(yield* Stream.runCollect(ids), " ")}`)
})

Effect.runPromise(program.pipe(Effect.provide(OpenAI.layerConfig()))) // env: OPENAI_API_KEY, ...
