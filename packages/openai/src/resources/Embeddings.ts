/**
 * Embeddings: `POST /embeddings`. Unless the caller picks an `encoding_format`, vectors travel as base64
 * (a quarter of the JSON size) and are decoded to `number[]`, so the result looks as if `float` was asked.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Client from "../OpenAIClient.js"
import type { OpenAIError } from "../OpenAIError.js"
import { dataOnly } from "./internal.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface CreateParams {
  readonly model: string
  readonly input: string | ReadonlyArray<string> | ReadonlyArray<number> | ReadonlyArray<ReadonlyArray<number>>
  readonly encoding_format?: "float" | "base64"
  readonly dimensions?: number
  readonly user?: string
  readonly [key: string]: unknown
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Embedding {
  readonly object: "embedding"
  readonly index: number
  /** `number[]`, or the base64 text when `encoding_format: "base64"` was asked explicitly. */
  readonly embedding: Array<number> | string
}

/**
 * @since 0.1.0
 * @category models
 */
export interface CreateEmbeddingResponse {
  readonly object: "list"
  readonly model: string
  readonly data: ReadonlyArray<Embedding>
  readonly usage: { readonly prompt_tokens: number; readonly total_tokens: number }
}

/**
 * Decodes a base64 vector of little-endian float32 values into numbers.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeBase64Vector = (base64: string): Array<number> => {
  const bytes = Buffer.from(base64, "base64")
  const count = bytes.length >>> 2
  const floats = bytes.byteOffset % 4 === 0
    ? new Float32Array(bytes.buffer, bytes.byteOffset, count)
    : new Float32Array(new Uint8Array(bytes).buffer, 0, count)
  const out = new Array<number>(count)
  for (let i = 0; i < count; i++) out[i] = floats[i]!
  return out
}

/**
 * Create embeddings, with the response metadata.
 *
 * @since 0.1.0
 * @category operations
 */
export const createWithResponse = (
  params: CreateParams,
  options?: Client.RequestOptions
): Effect.Effect<Client.WithResponse<CreateEmbeddingResponse>, OpenAIError, Client.OpenAIClient> => {
  const decode = params.encoding_format === undefined
  return Effect.map(
    Client.requestWithResponse<CreateEmbeddingResponse>({
      method: "POST",
      path: "/embeddings",
      operation: "embeddings.create",
      body: Client.json(decode ? { ...params, encoding_format: "base64" } : params),
      options
    }),
    (r) =>
      decode
        ? {
          response: r.response,
          data: {
            ...r.data,
            data: r.data.data.map((e) =>
              typeof e.embedding === "string" ? { ...e, embedding: decodeBase64Vector(e.embedding) } : e
            )
          }
        }
        : r
  )
}

/**
 * Create embeddings.
 *
 * @since 0.1.0
 * @category operations
 */
export const create: (
  params: CreateParams,
  options?: Client.RequestOptions
) => Effect.Effect<CreateEmbeddingResponse, OpenAIError, Client.OpenAIClient> = dataOnly(createWithResponse)
