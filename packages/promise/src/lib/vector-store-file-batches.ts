/**
 * The base of `client.vectorStores.fileBatches`: the official polling and upload helpers, over the core's `Polling`.
 */
import * as Polling from "@effect-openai/openai/helpers/Polling"
import type * as Uploads from "@effect-openai/openai/Uploads"
import { APIResource } from "../core/resource.js"
import { toCoreFile, type Uploadable } from "../core/uploads.js"
import type { FileBatchCreateParams, VectorStoreFileBatch } from "../generated/resources/vector-stores/file-batches.js"
import { type PollOptions, pollingOptions, settle } from "./polling.js"

export class FileBatchesHelpers extends APIResource {
  /** Attaches files to the vector store as one batch and waits for all of them to be processed. */
  createAndPoll(vectorStoreId: string, body: FileBatchCreateParams, options?: PollOptions): Promise<VectorStoreFileBatch> {
    return settle(this._client, Polling.createVectorStoreFileBatch(vectorStoreId, body, pollingOptions(options)), options)
  }

  /**
   * Waits for the file batch to be processed. It resolves even when files failed: check `file_counts.failed`.
   */
  poll(vectorStoreID: string, batchID: string, options?: PollOptions): Promise<VectorStoreFileBatch> {
    return settle(this._client, Polling.vectorStoreFileBatch(vectorStoreID, batchID, pollingOptions(options)), options)
  }

  /**
   * Uploads the files (purpose `assistants`), `maxConcurrency` at a time (default 5), then attaches them after
   * `fileIds` as one batch and waits for it to be processed.
   */
  uploadAndPoll(
    vectorStoreId: string,
    { files, fileIds }: { files: ReadonlyArray<Uploadable>; fileIds?: ReadonlyArray<string> | undefined },
    options?: PollOptions & { maxConcurrency?: number | undefined }
  ): Promise<VectorStoreFileBatch> {
    const params: Polling.UploadVectorStoreFileBatchParams = {
      files: (files ?? []).map((file) => toCoreFile(file) as Uploads.FileInput),
      ...(fileIds === undefined ? {} : { file_ids: fileIds })
    }
    const polling = { ...pollingOptions(options), concurrency: options?.maxConcurrency }
    return settle(this._client, Polling.uploadVectorStoreFileBatch(vectorStoreId, params, polling), options)
  }
}
