/**
 * Handwritten adjustments of generated operations, named in the codegen config:
 * - `embeddingsBase64`: unless the caller picks `encoding_format`, vectors travel as base64 (a quarter of the
 *   JSON size) and are decoded to `number[]`, so the result looks as if `float` had been asked.
 * - `responseOutputText`: adds `output_text`, the joined text of every output message, as the official SDK does.
 */

import { isRecord } from "effect/Predicate"

export type HookName = "embeddingsBase64" | "responseOutputText"

/** Scratch memory for decoding vectors with `Buffer`: one allocation reused across vectors and calls. */
let scratch: Buffer | undefined

/**
 * Decodes a base64 vector of little-endian float32 values into numbers. With Node's `Buffer` the bytes are
 * written into reused scratch memory (512 vectors of 1,536 dimensions would otherwise allocate 512 buffers per
 * call); elsewhere (browsers, edge runtimes) `atob` is used.
 */
export const decodeBase64Vector = (base64: string): Array<number> => {
  let floats: Float32Array
  if (typeof Buffer !== "undefined") {
    const size = Math.ceil((base64.length * 3) / 4)
    if (scratch === undefined || scratch.length < size) scratch = Buffer.allocUnsafeSlow(Math.max(size, 8192)) // never pooled: aligned for Float32Array
    const written = scratch.write(base64, 0, "base64")
    floats = new Float32Array(scratch.buffer, scratch.byteOffset, written >>> 2)
  } else {
    const binary = atob(base64)
    const bytes = new Uint8Array(binary.length)
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
    floats = new Float32Array(bytes.buffer, 0, bytes.length >>> 2)
  }
  const count = floats.length
  const out = new Array<number>(count)
  for (let i = 0; i < count; i++) out[i] = floats[i]!
  return out
}

/** A response's `output_text`: the text of every `output_text` part of its output messages, joined. */
export const outputTextOf = (output: ReadonlyArray<unknown>): string => {
  let text = ""
  for (const item of output) {
    if (!isRecord(item) || item.type !== "message" || !Array.isArray(item.content)) continue
    for (const part of item.content) {
      if (isRecord(part) && part.type === "output_text" && typeof part.text === "string") text += part.text
    }
  }
  return text
}

export const prepareHook = (
  hook: HookName,
  params: object | undefined
): { readonly params: object | undefined; readonly state: boolean } => {
  if (hook === "embeddingsBase64" && params !== undefined && (params as { encoding_format?: unknown }).encoding_format === undefined) {
    return { params: { ...params, encoding_format: "base64" }, state: true }
  }
  return { params, state: false }
}

export const applyHook = (hook: HookName, data: unknown, state: boolean): unknown => {
  switch (hook) {
    case "embeddingsBase64": {
      if (!state || !isRecord(data) || !Array.isArray(data.data)) return data
      return {
        ...data,
        data: data.data.map((e: unknown) =>
          isRecord(e) && typeof e.embedding === "string" ? { ...e, embedding: decodeBase64Vector(e.embedding) } : e
        )
      }
    }
    case "responseOutputText": {
      if (!isRecord(data) || !Array.isArray(data.output)) return data
      return { ...data, output_text: outputTextOf(data.output) }
    }
  }
}
