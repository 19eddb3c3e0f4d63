/**
 * Chat Completions: `POST /chat/completions`.
 * Handwritten for the core runtime; the generated API replaces it with the spec's full types.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as Stream from "effect/Stream"
import * as Client from "../OpenAIClient.js"
import type { OpenAIError } from "../OpenAIError.js"
import { dataOnly } from "./internal.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface ChatMessageParam {
  readonly role: "system" | "developer" | "user" | "assistant" | "tool" | (string & {})
  readonly content: string | ReadonlyArray<Readonly<Record<string, unknown>>> | null
  readonly name?: string
  readonly tool_call_id?: string
  readonly tool_calls?: ReadonlyArray<Readonly<Record<string, unknown>>>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface CreateParams {
  readonly model: string
  readonly messages: ReadonlyArray<ChatMessageParam>
  readonly [key: string]: unknown
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Usage {
  readonly prompt_tokens: number
  readonly completion_tokens: number
  readonly total_tokens: number
  readonly [key: string]: unknown
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ChatCompletion {
  readonly id: string
  readonly object: "chat.completion"
  readonly created: number
  readonly model: string
  readonly choices: ReadonlyArray<{
    readonly index: number
    readonly finish_reason: "stop" | "length" | "tool_calls" | "content_filter" | "function_call" | (string & {}) | null
    readonly message: {
      readonly role: "assistant"
      readonly content: string | null
      readonly refusal?: string | null
      readonly tool_calls?: ReadonlyArray<Readonly<Record<string, unknown>>>
      readonly [key: string]: unknown
    }
    readonly [key: string]: unknown
  }>
  readonly usage?: Usage
  readonly [key: string]: unknown
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ChatCompletionChunk {
  readonly id: string
  readonly object: "chat.completion.chunk"
  readonly created: number
  readonly model: string
  readonly choices: ReadonlyArray<{
    readonly index: number
    readonly delta: {
      readonly role?: string
      readonly content?: string | null
      readonly refusal?: string | null
      readonly tool_calls?: ReadonlyArray<Readonly<Record<string, unknown>>>
      readonly [key: string]: unknown
    }
    readonly finish_reason: string | null
    readonly [key: string]: unknown
  }>
  readonly usage?: Usage | null
  readonly [key: string]: unknown
}

/**
 * Create chat completion, with the response metadata.
 *
 * @since 0.1.0
 * @category operations
 */
export const createWithResponse = (
  params: CreateParams,
  options?: Client.RequestOptions
): Effect.Effect<Client.WithResponse<ChatCompletion>, OpenAIError, Client.OpenAIClient> =>
  Client.requestWithResponse<ChatCompletion>({
    method: "POST",
    path: "/chat/completions",
    operation: "chat.completions.create",
    body: Client.json({ ...params, stream: false }),
    options
  })

/**
 * Create chat completion.
 *
 * @since 0.1.0
 * @category operations
 */
export const create: (
  params: CreateParams,
  options?: Client.RequestOptions
) => Effect.Effect<ChatCompletion, OpenAIError, Client.OpenAIClient> = dataOnly(createWithResponse)

/**
 * Create chat completion, streamed: the chunks as they arrive. Ends at `[DONE]`; a stream cut before it fails
 * with `StreamTruncatedError`.
 *
 * @since 0.1.0
 * @category operations
 */
export const createStream = (
  params: CreateParams,
  options?: Client.RequestOptions
): Stream.Stream<ChatCompletionChunk, OpenAIError, Client.OpenAIClient> =>
  Client.stream<ChatCompletionChunk>({
    method: "POST",
    path: "/chat/completions",
    operation: "chat.completions.create",
    body: Client.json({ ...params, stream: true }),
    options
  }, "done")
