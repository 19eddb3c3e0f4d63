/**
 * File inputs for upload operations: bytes, `Blob`/`File`, a `fetch` `Response`, a `Stream<Uint8Array>` or an
 * async iterable (such as a Node `ReadStream`, named after its path). Everything becomes an {@link Uploadable}
 * with a safe file name. A path on disk is
 * `NodeUploads.fromPath`, at `@effect-openai/openai/node`.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Predicate from "effect/Predicate"
import * as Stream from "effect/Stream"
import { UploadError } from "./OpenAIError.js"

const TypeId: unique symbol = Symbol.for("@effect-openai/openai/Uploads/Uploadable")

/**
 * A file ready to be sent. `oneShot` sources (a stream or async iterable) can be read once, so a request
 * that carries one is never retried.
 *
 * @since 0.1.0
 * @category models
 */
export interface Uploadable {
  readonly [TypeId]: typeof TypeId
  readonly name: string
  readonly type: string
  readonly oneShot: boolean
  /** Bytes in memory, or a stream that reads the source from its start each time it runs. */
  readonly open: Effect.Effect<Uint8Array | Stream.Stream<Uint8Array, UploadError>, UploadError>
}

/**
 * Anything an upload operation accepts as a file. A `Response` is named after its URL; an async iterable (a Node
 * `fs.ReadStream`, a web `ReadableStream`, a generator of bytes or strings) after its `path` when it has one. A
 * file read from a stream or iterable is sent once: its request is not retried.
 *
 * @since 0.1.0
 * @category models
 */
export type FileInput = Uploadable | Uint8Array | ArrayBuffer | Blob | Response | AsyncIterable<Uint8Array | string>

const isResponse = (u: unknown): u is Response =>
  typeof Response !== "undefined" && u instanceof Response

const isAsyncIterable = (u: unknown): u is AsyncIterable<unknown> =>
  typeof u === "object" && u !== null && Symbol.asyncIterator in u

/**
 * @since 0.1.0
 * @category guards
 */
export const isUploadable = (u: unknown): u is Uploadable => Predicate.hasProperty(u, TypeId)

/**
 * @since 0.1.0
 * @category guards
 */
export const isFileInput = (u: unknown): u is FileInput =>
  isUploadable(u) || u instanceof Uint8Array || u instanceof ArrayBuffer ||
  (typeof Blob !== "undefined" && u instanceof Blob) || isResponse(u) || isAsyncIterable(u)

/**
 * Makes a file name safe for a `Content-Disposition` header: no directories, no control characters (so no
 * header injection through CR/LF), quotes escaped. An empty result becomes `file`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const sanitizeFileName = (name: string): string => {
  const base = name.split(/[\\/]/).pop() ?? ""
  // eslint-disable-next-line no-control-regex
  const cleaned = base.replace(/[\u0000-\u001f\u007f]/g, "").replace(/"/g, "%22").trim()
  return cleaned === "" || cleaned === "." || cleaned === ".." ? "file" : cleaned
}

const mimeTypes: Record<string, string> = {
  json: "application/json",
  jsonl: "application/jsonl",
  txt: "text/plain",
  md: "text/markdown",
  csv: "text/csv",
  html: "text/html",
  pdf: "application/pdf",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  mp3: "audio/mpeg",
  mp4: "audio/mp4",
  m4a: "audio/mp4",
  wav: "audio/wav",
  webm: "audio/webm",
  ogg: "audio/ogg",
  flac: "audio/flac"
}

/** Guesses a content type from the file name's extension. */
const guessType = (name: string): string => {
  const dot = name.lastIndexOf(".")
  return (dot === -1 ? undefined : mimeTypes[name.slice(dot + 1).toLowerCase()]) ?? "application/octet-stream"
}

/**
 * An upload from its parts: a file name (sanitized), a content type (guessed from the name when not given),
 * whether it can be read only once, and the effect that opens its content (run on every attempt).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (name: string, type: string | undefined, oneShot: boolean, open: Uploadable["open"]): Uploadable => {
  const safe = sanitizeFileName(name)
  return { [TypeId]: TypeId, name: safe, type: type ?? guessType(safe), oneShot, open }
}

const readError = (what: string) => (cause: unknown) =>
  new UploadError({ message: `cannot read ${what}: ${cause instanceof Error ? cause.message : String(cause)}`, cause })

/**
 * Wraps bytes, a `Blob`/`File`, a `Stream<Uint8Array>` or an async iterable of bytes as a named file.
 * A `File` keeps its own name unless one is given.
 *
 * @since 0.1.0
 * @category constructors
 */
export const toFile = (
  value: Uint8Array | ArrayBuffer | Blob | Stream.Stream<Uint8Array, unknown> | AsyncIterable<Uint8Array>,
  name?: string,
  options?: { readonly type?: string }
): Uploadable => {
  if (value instanceof Uint8Array) return make(name ?? "file", options?.type, false, Effect.succeed(value))
  if (value instanceof ArrayBuffer) {
    return make(name ?? "file", options?.type, false, Effect.succeed(new Uint8Array(value)))
  }
  if (typeof Blob !== "undefined" && value instanceof Blob) {
    const own = (value as { name?: unknown }).name
    const fileName = name ?? (typeof own === "string" && own !== "" ? own : "file")
    return make(
      fileName,
      options?.type ?? (value.type === "" ? undefined : value.type),
      false,
      Effect.succeed(
        Stream.fromReadableStream({ evaluate: () => value.stream(), onError: readError(`blob ${fileName}`) })
      )
    )
  }
  if (Stream.StreamTypeId in value) {
    const stream = (value as Stream.Stream<Uint8Array, unknown>).pipe(Stream.mapError(readError("upload stream")))
    return make(name ?? "file", options?.type, true, Effect.succeed(stream))
  }
  const iterable = value as AsyncIterable<Uint8Array>
  return make(
    name ?? "file",
    options?.type,
    true,
    Effect.succeed(Stream.fromAsyncIterable(iterable, readError("upload iterable")))
  )
}

const encoder = new TextEncoder()

/** Chunks of an iterable as bytes: strings are UTF-8. */
const asBytes = (source: AsyncIterable<unknown>): AsyncIterable<Uint8Array> => ({
  async *[Symbol.asyncIterator]() {
    for await (const chunk of source) {
      if (chunk instanceof Uint8Array) yield chunk
      else if (typeof chunk === "string") yield encoder.encode(chunk)
      else if (ArrayBuffer.isView(chunk)) yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)
      else if (chunk instanceof ArrayBuffer) yield new Uint8Array(chunk)
      else throw new TypeError(`an upload stream gave a chunk of type ${typeof chunk}`)
    }
  }
})

const lastSegment = (path: string): string | undefined => {
  const name = path.split(/[\\/]/).pop()
  return name === undefined || name === "" ? undefined : name
}

const nameFromUrl = (url: string): string | undefined => {
  try {
    const name = lastSegment(new URL(url).pathname)
    return name === undefined ? undefined : decodeURIComponent(name)
  } catch {
    return undefined
  }
}

/**
 * Turns any accepted input into an {@link Uploadable}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromInput = (input: FileInput): Uploadable => {
  if (isUploadable(input)) return input
  if (isResponse(input)) {
    const name = nameFromUrl(input.url) ?? "file"
    const type = input.headers.get("content-type") ?? undefined
    const options = type === undefined ? {} : { type }
    return input.body === null
      ? toFile(new Uint8Array(0), name, options)
      : toFile(Stream.fromReadableStream({ evaluate: () => input.body!, onError: readError(`response ${name}`) }), name, options)
  }
  if (isAsyncIterable(input) && !(input instanceof Uint8Array)) {
    const path = (input as { path?: unknown }).path
    const name = typeof path === "string" || path instanceof URL ? lastSegment(String(path)) : undefined
    return toFile(asBytes(input), name ?? "file")
  }
  return toFile(input as Uint8Array | ArrayBuffer | Blob)
}
