/**
 * The base of `client.vectorStores.files`: the official polling and upload helpers, over the core's `Polling`.
 */
import * as Polling from "@effect-openai/openai/helpers/Polling"
import * as Files from "@effect-openai/openai/generated/resources/files"
import * as VectorStoreFiles from "@effect-openai/openai/generated/resources/vectorStores/files"
import type * as Uploads from "@effect-openai/openai/Uploads"
import * as Effect from "effect/Effect"
import { APIResource } from "../core/resource.js"
import { toCoreFile, type Uploadable } from "../core/uploads.js"
import type { FileCreateParams, VectorStoreFile } from "../generated/resources/vector-stores/files.js"
import { coreOptions } from "../internal/call.js"
import type { RequestOptions } from "../internal/request-options.js"
import { type PollOptions, pollingOptions, settle } from "./polling.js"

export class VectorStoreFilesHelpers extends APIResource {
  /** Attaches a file to the vector store and waits for it to be processed. */
  createAndPoll(vectorStoreId: string, body: FileCreateParams, options?: PollOptions): Promise<VectorStoreFile> {
    return settle(this._client, Polling.createVectorStoreFile(vectorStoreId, body, pollingOptions(options)), options)
  }

  /**
   * Waits for the vector store file to be processed. It resolves whatever status the file ends in: check `status`
   * and `last_error`.
   */
  poll(vectorStoreID: string, fileID: string, options?: PollOptions): Promise<VectorStoreFile> {
    return settle(this._client, Polling.vectorStoreFile(vectorStoreID, fileID, pollingOptions(options)), options)
  }

  /** Uploads a file (purpose `assistants`) and attaches it to the vector store, without waiting for processing. */
  upload(vectorStoreId: string, file: Uploadable, options?: RequestOptions): Promise<VectorStoreFile> {
    const request = coreOptions(options)
    const uploaded = Files.create({ file: toCoreFile(file) as Uploads.FileInput, purpose: "assistants" }, request)
    return settle(
      this._client,
      Effect.flatMap(uploaded, (created) => VectorStoreFiles.create(vectorStoreId, { file_id: created.id }, request)),
      options
    )
  }

  /** Uploads a file (purpose `assistants`), attaches it to the vector store and waits for it to be processed. */
  uploadAndPoll(vectorStoreId: string, file: Uploadable, options?: PollOptions): Promise<VectorStoreFile> {
    const params = { file: toCoreFile(file) as Uploads.FileInput }
    return settle(this._client, Polling.uploadVectorStoreFile(vectorStoreId, params, pollingOptions(options)), options)
  }
}
