/**
 * Models: list, retrieve, delete (fine-tuned models).
 * Handwritten for the core runtime; the generated API replaces it with the spec's full types.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as Stream from "effect/Stream"
import * as Client from "../OpenAIClient.js"
import type { OpenAIError } from "../OpenAIError.js"
import * as Pagination from "../Pagination.js"
import { dataOnly } from "./internal.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Model {
  readonly id: string
  readonly object: "model"
  readonly created: number
  readonly owned_by: string
  readonly [key: string]: unknown
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ModelDeleted {
  readonly id: string
  readonly object: string
  readonly deleted: boolean
}

const listSpec = (options?: Client.RequestOptions): Client.RequestSpec => ({
  method: "GET",
  path: "/models",
  operation: "models.list",
  options
})

/**
 * List models (one page holds them all).
 *
 * @since 0.1.0
 * @category operations
 */
export const list = (
  options?: Client.RequestOptions
): Effect.Effect<Pagination.Page<Model>, OpenAIError, Client.OpenAIClient> =>
  Pagination.fetchPage<Model>(listSpec(options), "none")

/**
 * List models as a stream of items.
 *
 * @since 0.1.0
 * @category operations
 */
export const listStream = (options?: Client.RequestOptions): Stream.Stream<Model, OpenAIError, Client.OpenAIClient> =>
  Pagination.items<Model>(listSpec(options), "none")

/**
 * Retrieve model, with the response metadata.
 *
 * @since 0.1.0
 * @category operations
 */
export const retrieveWithResponse = (
  model: string,
  options?: Client.RequestOptions
): Effect.Effect<Client.WithResponse<Model>, OpenAIError, Client.OpenAIClient> =>
  Client.requestWithResponse<Model>({
    method: "GET",
    path: Client.path`/models/${model}`,
    operation: "models.retrieve",
    options
  })

/**
 * Retrieve model.
 *
 * @since 0.1.0
 * @category operations
 */
export const retrieve: (
  model: string,
  options?: Client.RequestOptions
) => Effect.Effect<Model, OpenAIError, Client.OpenAIClient> = dataOnly(retrieveWithResponse)

/**
 * Delete a fine-tuned model, with the response metadata.
 *
 * @since 0.1.0
 * @category operations
 */
export const delWithResponse = (
  model: string,
  options?: Client.RequestOptions
): Effect.Effect<Client.WithResponse<ModelDeleted>, OpenAIError, Client.OpenAIClient> =>
  Client.requestWithResponse<ModelDeleted>({
    method: "DELETE",
    path: Client.path`/models/${model}`,
    operation: "models.del",
    options
  })

/**
 * Delete a fine-tuned model.
 *
 * @since 0.1.0
 * @category operations
 */
export const del: (
  model: string,
  options?: Client.RequestOptions
) => Effect.Effect<ModelDeleted, OpenAIError, Client.OpenAIClient> = dataOnly(delWithResponse)
