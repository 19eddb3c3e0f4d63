/**
 * Files: upload, list, retrieve, delete, and download content.
 * Handwritten for the core runtime; the generated API replaces it with the spec's full types.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as Stream from "effect/Stream"
import * as Client from "../OpenAIClient.js"
import type { OpenAIError } from "../OpenAIError.js"
import * as Pagination from "../Pagination.js"
import type { FileInput } from "../Uploads.js"
import { dataOnly } from "./internal.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface FileObject {
  readonly id: string
  readonly object: "file"
  readonly bytes: number
  readonly created_at: number
  readonly filename: string
  readonly purpose: string
  readonly status?: string
  readonly [key: string]: unknown
}

/**
 * @since 0.1.0
 * @category models
 */
export interface CreateParams {
  readonly file: FileInput
  readonly purpose: "assistants" | "batch" | "fine-tune" | "vision" | "user_data" | "evals" | (string & {})
  readonly expires_after?: { readonly anchor: "created_at"; readonly seconds: number }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ListParams {
  readonly after?: string
  readonly limit?: number
  readonly order?: "asc" | "desc"
  readonly purpose?: string
}

/**
 * @since 0.1.0
 * @category models
 */
export interface FileDeleted {
  readonly id: string
  readonly object: "file"
  readonly deleted: boolean
}

/**
 * Upload file, with the response metadata. The file goes as multipart; a stream source is sent once, unretried.
 *
 * @since 0.1.0
 * @category operations
 */
export const createWithResponse = (
  params: CreateParams,
  options?: Client.RequestOptions
): Effect.Effect<Client.WithResponse<FileObject>, OpenAIError, Client.OpenAIClient> =>
  Client.requestWithResponse<FileObject>({
    method: "POST",
    path: "/files",
    operation: "files.create",
    body: Client.multipart({ ...params }),
    options
  })

/**
 * Upload file.
 *
 * @since 0.1.0
 * @category operations
 */
export const create: (
  params: CreateParams,
  options?: Client.RequestOptions
) => Effect.Effect<FileObject, OpenAIError, Client.OpenAIClient> = dataOnly(createWithResponse)

const listSpec = (params: ListParams, options?: Client.RequestOptions): Client.RequestSpec => ({
  method: "GET",
  path: "/files",
  operation: "files.list",
  query: { ...params },
  options
})

/**
 * List files: the first page; see `Pagination.nextPage` and `Pagination.pages`.
 *
 * @since 0.1.0
 * @category operations
 */
export const list = (
  params: ListParams = {},
  options?: Client.RequestOptions
): Effect.Effect<Pagination.Page<FileObject>, OpenAIError, Client.OpenAIClient> =>
  Pagination.fetchPage<FileObject>(listSpec(params, options), "after")

/**
 * List files: every file across pages, fetched as the stream is pulled.
 *
 * @since 0.1.0
 * @category operations
 */
export const listStream = (
  params: ListParams = {},
  options?: Client.RequestOptions
): Stream.Stream<FileObject, OpenAIError, Client.OpenAIClient> =>
  Pagination.items<FileObject>(listSpec(params, options), "after")

/**
 * Retrieve file, with the response metadata.
 *
 * @since 0.1.0
 * @category operations
 */
export const retrieveWithResponse = (
  fileId: string,
  options?: Client.RequestOptions
): Effect.Effect<Client.WithResponse<FileObject>, OpenAIError, Client.OpenAIClient> =>
  Client.requestWithResponse<FileObject>({
    method: "GET",
    path: Client.path`/files/${fileId}`,
    operation: "files.retrieve",
    options
  })

/**
 * Retrieve file.
 *
 * @since 0.1.0
 * @category operations
 */
export const retrieve: (
  fileId: string,
  options?: Client.RequestOptions
) => Effect.Effect<FileObject, OpenAIError, Client.OpenAIClient> = dataOnly(retrieveWithResponse)

/**
 * Delete file, with the response metadata.
 *
 * @since 0.1.0
 * @category operations
 */
export const delWithResponse = (
  fileId: string,
  options?: Client.RequestOptions
): Effect.Effect<Client.WithResponse<FileDeleted>, OpenAIError, Client.OpenAIClient> =>
  Client.requestWithResponse<FileDeleted>({
    method: "DELETE",
    path: Client.path`/files/${fileId}`,
    operation: "files.del",
    options
  })

/**
 * Delete file.
 *
 * @since 0.1.0
 * @category operations
 */
export const del: (
  fileId: string,
  options?: Client.RequestOptions
) => Effect.Effect<FileDeleted, OpenAIError, Client.OpenAIClient> = dataOnly(delWithResponse)

/**
 * Retrieve file content, with the response metadata; the body streams as it arrives.
 *
 * @since 0.1.0
 * @category operations
 */
export const contentWithResponse = (
  fileId: string,
  options?: Client.RequestOptions
): Effect.Effect<Client.WithResponse<Stream.Stream<Uint8Array, OpenAIError>>, OpenAIError, Client.OpenAIClient> =>
  Client.binaryWithResponse({
    method: "GET",
    path: Client.path`/files/${fileId}/content`,
    operation: "files.content",
    headers: { accept: "application/octet-stream" },
    options
  })

/**
 * Retrieve file content as a byte stream.
 *
 * @since 0.1.0
 * @category operations
 */
export const content = (
  fileId: string,
  options?: Client.RequestOptions
): Stream.Stream<Uint8Array, OpenAIError, Client.OpenAIClient> =>
  Client.binary({
    method: "GET",
    path: Client.path`/files/${fileId}/content`,
    operation: "files.content",
    headers: { accept: "application/octet-stream" },
    options
  })
