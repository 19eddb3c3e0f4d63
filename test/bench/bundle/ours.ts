// A chat-only program, as a bundler user writes it: `OpenAI.layer` picks the fetch transport in a browser build.
import { Chat, OpenAI } from "@effect-openai/openai"
import { Effect } from "effect"

Effect.runPromise(
  Chat.Completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] }).pipe(
    Effect.provide(OpenAI.layer({ apiKey: "sk-bundle" }))
  )
).then((c) => console.log(c.choices[0]?.message.content))
