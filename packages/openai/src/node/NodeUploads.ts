/**
 * Uploads from the file system (Node).
 *
 * @since 0.1.0
 */
import * as Fs from "node:fs"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { UploadError } from "../OpenAIError.js"
import * as Uploads from "../Uploads.js"

const readError = (filePath: string) => (cause: unknown) =>
  new UploadError({
    message: `cannot read file ${filePath}: ${cause instanceof Error ? cause.message : String(cause)}`,
    cause
  })

/**
 * A file on disk. It is checked when the request is built (a missing file is an `UploadError`, sent
 * nowhere) and read as a stream, from the start on each attempt, so requests with it can be retried.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromPath = (
  filePath: string,
  options?: { readonly name?: string; readonly type?: string }
): Uploads.Uploadable =>
  Uploads.make(
    options?.name ?? filePath,
    options?.type,
    false,
    Effect.tryPromise({
      try: async () => {
        const stat = await Fs.promises.stat(filePath)
        if (!stat.isFile()) throw new Error("not a regular file")
      },
      catch: readError(filePath)
    }).pipe(
      Effect.as(
        Stream.fromAsyncIterable(
          { [Symbol.asyncIterator]: () => Fs.createReadStream(filePath)[Symbol.asyncIterator]() },
          readError(filePath)
        ) as Stream.Stream<Uint8Array, UploadError>
      )
    )
  )
