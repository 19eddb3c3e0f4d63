/**
 * Responses: `POST /responses` and friends.
 * Handwritten for the core runtime; the generated API replaces it with the spec's full types.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type * as Stream from "effect/Stream"
import * as Client from "../OpenAIClient.js"
import type { OpenAIError } from "../OpenAIError.js"
import { dataOnly } from "./internal.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface CreateParams {
  readonly model: string
  readonly input?: string | ReadonlyArray<Readonly<Record<string, unknown>>>
  readonly instructions?: string
  readonly [key: string]: unknown
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Response {
  readonly id: string
  readonly object: "response"
  readonly status?: "completed" | "failed" | "in_progress" | "cancelled" | "queued" | "incomplete" | (string & {})
  readonly model: string
  readonly output: ReadonlyArray<Readonly<Record<string, unknown>>>
  /** The concatenated text of every output message, as the official SDK computes it. */
  readonly output_text?: string
  readonly usage?: {
    readonly input_tokens: number
    readonly output_tokens: number
    readonly total_tokens: number
    readonly [key: string]: unknown
  }
  readonly [key: string]: unknown
}

/**
 * An event of a streamed response. Known types are listed; any other type passes through unchanged.
 *
 * @since 0.1.0
 * @category models
 */
export type StreamEvent =
  | { readonly type: "response.output_text.delta"; readonly delta: string; readonly item_id: string; readonly output_index: number; readonly content_index: number; readonly sequence_number: number; readonly [key: string]: unknown }
  | { readonly type: "response.created" | "response.in_progress" | "response.completed" | "response.incomplete" | "response.failed"; readonly response: Response; readonly sequence_number: number; readonly [key: string]: unknown }
  | { readonly type: string & {}; readonly [key: string]: unknown }

/** Event types that end a response stream. */
const terminal: ReadonlySet<string> = new Set(["response.completed", "response.incomplete", "response.failed"])

/** Adds `output_text`, the joined text of output messages. */
const withOutputText = (response: Response): Response => {
  let text = ""
  for (const item of response.output) {
    if (item.type !== "message" || !Array.isArray(item.content)) continue
    for (const part of item.content as ReadonlyArray<Record<string, unknown>>) {
      if (part.type === "output_text" && typeof part.text === "string") text += part.text
    }
  }
  return { ...response, output_text: text }
}

/**
 * Create a model response, with the response metadata.
 *
 * @since 0.1.0
 * @category operations
 */
export const createWithResponse = (
  params: CreateParams,
  options?: Client.RequestOptions
): Effect.Effect<Client.WithResponse<Response>, OpenAIError, Client.OpenAIClient> =>
  Effect.map(
    Client.requestWithResponse<Response>({
      method: "POST",
      path: "/responses",
      operation: "responses.create",
      body: Client.json({ ...params, stream: false }),
      options
    }),
    (r) => ({ data: withOutputText(r.data), response: r.response })
  )

/**
 * Create a model response.
 *
 * @since 0.1.0
 * @category operations
 */
export const create: (
  params: CreateParams,
  options?: Client.RequestOptions
) => Effect.Effect<Response, OpenAIError, Client.OpenAIClient> = dataOnly(createWithResponse)

/**
 * Create a model response, streamed: every event as it arrives, unknown types included. Ends after
 * `response.completed`, `response.incomplete` or `response.failed`; a stream cut before one of them fails with
 * `StreamTruncatedError`, an `error` event with `StreamError`.
 *
 * @since 0.1.0
 * @category operations
 */
export const createStream = (
  params: CreateParams,
  options?: Client.RequestOptions
): Stream.Stream<StreamEvent, OpenAIError, Client.OpenAIClient> =>
  Client.stream<StreamEvent>({
    method: "POST",
    path: "/responses",
    operation: "responses.create",
    body: Client.json({ ...params, stream: true }),
    options
  }, terminal)

/**
 * Get a model response, with the response metadata.
 *
 * @since 0.1.0
 * @category operations
 */
export const retrieveWithResponse = (
  responseId: string,
  options?: Client.RequestOptions
): Effect.Effect<Client.WithResponse<Response>, OpenAIError, Client.OpenAIClient> =>
  Effect.map(
    Client.requestWithResponse<Response>({
      method: "GET",
      path: Client.path`/responses/${responseId}`,
      operation: "responses.retrieve",
      options
    }),
    (r) => ({ data: withOutputText(r.data), response: r.response })
  )

/**
 * Get a model response.
 *
 * @since 0.1.0
 * @category operations
 */
export const retrieve: (
  responseId: string,
  options?: Client.RequestOptions
) => Effect.Effect<Response, OpenAIError, Client.OpenAIClient> = dataOnly(retrieveWithResponse)
