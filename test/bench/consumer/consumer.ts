// A small consumer program: what a user writes with chat completions and responses. Its typecheck time is the
// figure in docs/compile-cost.md.
import { Chat, OpenAI, Responses } from "@effect-openai/openai"
import { Effect, Stream } from "effect"

const chat = Effect.gen(function*() {
  const c = yield* Chat.Completions.create({
    model: "gpt-4o-mini",
    messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }],
    temperature: 0.2
  })
  return c.choices[0]?.message.content ?? ""
}).pipe(Effect.catchTag("RateLimitError", (e) => Effect.succeed(`busy ${e.requestId}`)))

const streamed = Chat.Completions.createStream({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] }).pipe(
  Stream.map((chunk) => chunk.choices[0]?.delta.content ?? ""),
  Stream.mkString
)

const response = Effect.gen(function*() {
  const r = yield* Responses.create({ model: "gpt-4o-mini", input: "Hi", instructions: "Be brief." })
  return r.output.length
})

const events = Responses.createStream({ model: "gpt-4o-mini", input: "Hi" }).pipe(
  Stream.filter((e) => e.type === "response.output_text.delta"),
  Stream.runCount
)

export const program = Effect.all([chat, streamed, response, events]).pipe(Effect.provide(OpenAI.layerConfig()))
