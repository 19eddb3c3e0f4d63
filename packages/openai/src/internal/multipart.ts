/**
 * A `multipart/form-data` encoder. Fields use bracket style (`key[]`, `key[sub]`); files are any
 * `Uploads.FileInput`. When every part is in memory the body is one `Uint8Array` with a known length;
 * otherwise it is a stream that reads each file from its start on every run.
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { UploadError } from "../OpenAIError.js"
import * as Uploads from "../Uploads.js"

export interface EncodedMultipart {
  readonly contentType: string
  readonly body: Uint8Array | Stream.Stream<Uint8Array, UploadError>
  /** Whether the body can be sent only once (a one-shot file source). */
  readonly oneShot: boolean
}

const encoder = new TextEncoder()
const CRLF = encoder.encode("\r\n")

const randomBoundary = (): string => {
  const bytes = new Uint8Array(12)
  globalThis.crypto.getRandomValues(bytes)
  let hex = ""
  for (const b of bytes) hex += b.toString(16).padStart(2, "0")
  return `----effect-openai-${hex}`
}

/** Field names are ours or the caller's keys; quotes and line breaks are escaped as browsers do. */
const escapeName = (name: string): string => name.replace(/\r/g, "%0D").replace(/\n/g, "%0A").replace(/"/g, "%22")

type Part =
  | { readonly _tag: "Text"; readonly name: string; readonly value: string; readonly type?: string }
  | { readonly _tag: "File"; readonly name: string; readonly file: Uploads.Uploadable }

const collectParts = (
  fields: Readonly<Record<string, unknown>>,
  partTypes: Readonly<Record<string, string>>
): Array<Part> => {
  const parts: Array<Part> = []
  const add = (name: string, value: unknown): void => {
    if (value === undefined || value === null) return
    if (Uploads.isFileInput(value)) {
      parts.push({ _tag: "File", name, file: Uploads.fromInput(value) })
    } else if (Array.isArray(value)) {
      for (const item of value) add(`${name}[]`, item)
    } else if (typeof value === "object" && !(value instanceof Date)) {
      for (const [key, item] of Object.entries(value)) add(`${name}[${key}]`, item)
    } else {
      parts.push({ _tag: "Text", name, value: value instanceof Date ? value.toISOString() : String(value) })
    }
  }
  for (const [name, value] of Object.entries(fields)) {
    const type = partTypes[name]
    if (type === undefined || value === undefined || value === null || Uploads.isFileInput(value)) add(name, value)
    else {
      // a part of its own type: JSON as one JSON document, anything else as its text
      const json = /[/+]json\b/.test(type)
      parts.push({ _tag: "Text", name, value: json ? JSON.stringify(value) : String(value), type })
    }
  }
  return parts
}

/** Joins byte chunks into one array. */
export const concatBytes = (chunks: ReadonlyArray<Uint8Array>): Uint8Array => {
  let size = 0
  for (const c of chunks) size += c.length
  const out = new Uint8Array(size)
  let offset = 0
  for (const c of chunks) {
    out.set(c, offset)
    offset += c.length
  }
  return out
}

/** Encodes `fields` as a multipart body. Files are opened here, so a missing file fails before sending. */
export const encode = (
  fields: Readonly<Record<string, unknown>>,
  boundary: string = randomBoundary(),
  partTypes: Readonly<Record<string, string>> = {}
): Effect.Effect<EncodedMultipart, UploadError> =>
  Effect.gen(function*() {
    const parts = collectParts(fields, partTypes)
    const pieces: Array<Uint8Array | Stream.Stream<Uint8Array, UploadError>> = []
    let oneShot = false
    for (const part of parts) {
      if (part._tag === "Text") {
        const type = part.type === undefined ? "" : `Content-Type: ${part.type.replace(/[\r\n]/g, "")}\r\n`
        pieces.push(
          encoder.encode(
            `--${boundary}\r\nContent-Disposition: form-data; name="${escapeName(part.name)}"\r\n${type}\r\n${part.value}`
          ),
          CRLF
        )
      } else {
        const file = part.file
        oneShot ||= file.oneShot
        pieces.push(
          encoder.encode(
            `--${boundary}\r\nContent-Disposition: form-data; name="${escapeName(part.name)}"; filename="${file.name}"\r\n` +
              `Content-Type: ${file.type.replace(/[\r\n]/g, "")}\r\n\r\n`
          ),
          yield* file.open,
          CRLF
        )
      }
    }
    pieces.push(encoder.encode(`--${boundary}--\r\n`))
    const contentType = `multipart/form-data; boundary=${boundary}`
    if (pieces.every((p): p is Uint8Array => p instanceof Uint8Array)) {
      return { contentType, body: concatBytes(pieces), oneShot }
    }
    const body = Stream.flatten(
      Stream.fromIterable(pieces.map((p) => (p instanceof Uint8Array ? Stream.fromChunk(Chunk.of(p)) : p)))
    )
    return { contentType, body, oneShot }
  })
