import { FetchHttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { OpenAI, OpenAIConfig } from "@effect-openai/openai"

/** The transports every transport suite runs against: the default one and the platform's two. */
export const transports = [
  ["default (UndiciTransport)", undefined],
  ["fetch", FetchHttpClient.layer],
  ["platform undici", NodeHttpClient.layerUndici]
] as const

/** Retries fast enough for a test over a real socket. */
export const fastRetries = OpenAIConfig.backoff({ initialDelay: "5 millis", maxDelay: "20 millis" })

/** A layer for one transport: `layer(url, options)` reaches a loopback server with fast retries. */
export const layerFor = (httpClient: OpenAI.Options["httpClient"]) => (url: string, options: OpenAI.Options = {}) =>
  OpenAI.layer({ baseURL: url, retrySchedule: fastRetries, httpClient, ...options, apiKey: "sk-loopback" })

/** The chat request the stream tests send. */
export const chatParams = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content: "Hi" }] }

/** A chat completion chunk carrying `content`. */
export const chunk = (content: string) => ({
  id: "c1",
  object: "chat.completion.chunk",
  created: 1,
  model: "gpt-4o-mini",
  choices: [{ index: 0, delta: { content }, finish_reason: null }]
})

/** Events as SSE text, ended by `[DONE]` unless `done` is false. */
export const sseText = (events: ReadonlyArray<unknown>, done = true) =>
  events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join("") + (done ? "data: [DONE]\n\n" : "")
