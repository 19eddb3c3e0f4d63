// A chat-only program, as a bundler user writes it: the client over fetch, no Node transport.
import { FetchHttpClient } from "@effect/platform"
import { Chat, OpenAIAuth, OpenAIClient } from "@effect-openai/openai"
import { Effect, Layer } from "effect"

const layer = OpenAIClient.layer().pipe(
  Layer.provide(Layer.merge(FetchHttpClient.layer, OpenAIAuth.layerApiKey({ apiKey: "sk-bundle" })))
)

Effect.runPromise(
  Chat.Completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] }).pipe(Effect.provide(layer))
).then((c) => console.log(c.choices[0]?.message.content))
