/**
 * Files for upload parameters, in every form the official SDK takes: `File`, `Blob`, a `fetch` `Response`, a Node
 * `fs.ReadStream` (any async iterable of bytes), bytes, and what `toFile` returns. They are handed to the core's
 * multipart encoder, which streams them; a file read from a stream can be sent once, so its request is not
 * retried.
 */
import * as CoreError from "@effect-openai/openai/OpenAIError"
import * as Uploads from "@effect-openai/openai/Uploads"
import * as Effect from "effect/Effect"

/** Anything an upload parameter accepts. */
export type Uploadable = File | Response | FsReadStreamLike | BlobLike | Uploads.Uploadable

/** What `toFile` turns into a `File`. */
export type ToFileInput =
  | FileLike
  | BlobLike
  | Response
  | FsReadStreamLike
  | AsyncIterable<BlobLikePart>
  | ArrayBuffer
  | ArrayBufferView
  | string
  | Iterable<BlobLikePart>

type BlobLikePart = string | ArrayBuffer | ArrayBufferView | BlobLike

/** A `Blob`, structurally. */
export interface BlobLike {
  readonly size: number
  readonly type: string
  text(): Promise<string>
  slice(start?: number, end?: number): BlobLike
  arrayBuffer(): Promise<ArrayBuffer>
}

/** A `File`, structurally. */
export interface FileLike extends BlobLike {
  readonly name: string
  readonly lastModified: number
}

/** A Node `fs.ReadStream`, structurally: an async iterable of bytes with a `path`. */
export interface FsReadStreamLike extends AsyncIterable<any> {
  readonly path: string | { toString(): string }
}

const isBlobLike = (u: unknown): u is BlobLike =>
  typeof u === "object" && u !== null && typeof (u as BlobLike).size === "number" &&
  typeof (u as BlobLike).type === "string" && typeof (u as BlobLike).arrayBuffer === "function" &&
  typeof (u as BlobLike).slice === "function"

const isResponseLike = (u: unknown): u is Response =>
  typeof u === "object" && u !== null && typeof (u as Response).url === "string" && typeof (u as Response).blob === "function"

const isFsReadStream = (u: unknown): u is FsReadStreamLike =>
  typeof u === "object" && u !== null && "path" in u && Symbol.asyncIterator in u

const isAsyncIterable = (u: unknown): u is AsyncIterable<unknown> =>
  typeof u === "object" && u !== null && Symbol.asyncIterator in u

const baseName = (path: string): string => path.split(/[\\/]/).pop() || "file"

const nameFromUrl = (url: string): string | undefined => {
  try {
    const name = baseName(new URL(url).pathname)
    return name === "" ? undefined : decodeURIComponent(name)
  } catch {
    return undefined
  }
}

/** Bytes of one part of an iterable, as they come. */
const bytesOf = async (part: unknown): Promise<Uint8Array> => {
  if (part instanceof Uint8Array) return part
  if (typeof part === "string") return new TextEncoder().encode(part)
  if (part instanceof ArrayBuffer) return new Uint8Array(part)
  if (ArrayBuffer.isView(part)) return new Uint8Array(part.buffer, part.byteOffset, part.byteLength)
  if (isBlobLike(part)) return new Uint8Array(await part.arrayBuffer())
  throw new TypeError(`cannot upload a part of type ${typeof part}`)
}

/** A web stream's chunks (not every runtime makes `ReadableStream` async iterable). */
const readerIterable = (body: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> => ({
  async *[Symbol.asyncIterator]() {
    const reader = body.getReader()
    try {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) return
        yield value
      }
    } finally {
      reader.releaseLock()
    }
  }
})

const byteIterable = (source: AsyncIterable<unknown>): AsyncIterable<Uint8Array> => ({
  async *[Symbol.asyncIterator]() {
    for await (const part of source) yield await bytesOf(part)
  }
})

/**
 * A value of an upload parameter as the core takes it. The core takes bytes, `Blob`s, `Response`s and async
 * iterables (a Node `fs.ReadStream` named after its path) itself; what is left here is the official SDK's looser
 * forms: objects shaped like a `Blob` or a `Response` without being one, and the name `unknown_file` it gives a
 * stream that has none. Values that are not files (strings, numbers, objects) pass through as they are.
 */
export const toCoreFile = (value: unknown): unknown => {
  if (Uploads.isFileInput(value) && !isAsyncIterable(value)) return value
  if (isResponseLike(value)) {
    const name = nameFromUrl(value.url) ?? "file"
    const type = value.headers.get("content-type") ?? undefined
    if (value.body === null) return Uploads.toFile(new Uint8Array(0), name, type === undefined ? {} : { type })
    return Uploads.toFile(readerIterable(value.body), name, type === undefined ? {} : { type })
  }
  if (isFsReadStream(value)) return value
  if (isBlobLike(value)) {
    // A Blob-like object that is not a `Blob`: read on each attempt, as a Blob can be.
    const name = (value as Partial<FileLike>).name
    return Uploads.make(
      name ?? "file",
      value.type === "" ? undefined : value.type,
      false,
      Effect.tryPromise({
        try: () => value.arrayBuffer().then((buffer) => new Uint8Array(buffer)),
        catch: (cause) => new CoreError.UploadError({ message: `cannot read ${name ?? "the file"}: ${String(cause)}`, cause })
      })
    )
  }
  // Any other stream of bytes (an async generator, a web `ReadableStream`): a file without a name, as the official
  // SDK reads it.
  if (isAsyncIterable(value)) return Uploads.toFile(byteIterable(value), "unknown_file")
  return value
}

/** Every field of a multipart body with its files converted (arrays of files too). */
export const toCoreFields = (params: Record<string, unknown>): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const key in params) {
    const value = params[key]
    out[key] = Array.isArray(value) ? value.map(toCoreFile) : toCoreFile(value)
  }
  return out
}

const collect = async (value: ToFileInput): Promise<Array<Uint8Array>> => {
  if (typeof value === "string" || value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return [await bytesOf(value)]
  if (isBlobLike(value)) return [new Uint8Array(await value.arrayBuffer())]
  if (isResponseLike(value)) return [new Uint8Array(await value.arrayBuffer())]
  const parts: Array<Uint8Array> = []
  if (isAsyncIterable(value)) {
    for await (const part of value) parts.push(await bytesOf(part))
    return parts
  }
  for (const part of value as Iterable<unknown>) parts.push(await bytesOf(part))
  return parts
}

/**
 * A `File` from bytes, a `Blob`, a `Response`, a stream or an iterable, read whole. The name comes from `name`,
 * else from the value (a `File`'s name, a stream's path, a response's URL).
 */
export const toFile = async (
  value: ToFileInput | PromiseLike<ToFileInput>,
  name?: string | null | undefined,
  options?: FilePropertyBag | undefined
): Promise<File> => {
  const input = await value
  const own = typeof input === "object" && input !== null
    ? (input as Partial<FileLike>).name ?? (isFsReadStream(input) ? baseName(String(input.path)) : undefined) ??
      (isResponseLike(input) ? nameFromUrl(input.url) : undefined)
    : undefined
  const type = options?.type ?? (isBlobLike(input) && input.type !== "" ? input.type : undefined)
  const parts = await collect(input)
  return new File(parts as Array<BlobPart>, name ?? own ?? "unknown_file", type === undefined ? options ?? {} : { ...options, type })
}
