import { Effect } from "effect"
import * as OpenAITest from "../src/OpenAITest.js"

/** The chat request most tests send. */
export const chatParams = { model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] } as const

/** A chat completion answering `chatParams`. */
export const completion = {
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 1,
  model: "gpt-4o-mini",
  choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content: "Hello" } }],
  usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 }
} as const

/** How many requests the test layer has received so far. */
export const requestCount = Effect.map(OpenAITest.requests, (all) => all.length)
