/**
 * Handwritten adjustments of generated operations, named in the codegen config:
 * - `embeddingsBase64`: unless the caller picks `encoding_format`, vectors travel as base64 (a quarter of the
 *   JSON size) and are decoded to `number[]`, so the result looks as if `float` had been asked.
 * - `responseOutputText`: adds `output_text`, the joined text of every output message, as the official SDK does.
 */

export type HookName = "embeddingsBase64" | "responseOutputText"

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** Base64 to bytes: Node's `Buffer` where there is one (fast), `atob` elsewhere (browsers, edge runtimes). */
const base64Bytes = (base64: string): Uint8Array => {
  if (typeof Buffer !== "undefined") return Buffer.from(base64, "base64")
  const binary = atob(base64)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

/** Decodes a base64 vector of little-endian float32 values into numbers. */
export const decodeBase64Vector = (base64: string): Array<number> => {
  const bytes = base64Bytes(base64)
  const count = bytes.length >>> 2
  const floats = bytes.byteOffset % 4 === 0
    ? new Float32Array(bytes.buffer, bytes.byteOffset, count)
    : new Float32Array(new Uint8Array(bytes).buffer, 0, count)
  const out = new Array<number>(count)
  for (let i = 0; i < count; i++) out[i] = floats[i]!
  return out
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
      let text = ""
      for (const item of data.output) {
        if (!isRecord(item) || item.type !== "message" || !Array.isArray(item.content)) continue
        for (const part of item.content) {
          if (isRecord(part) && part.type === "output_text" && typeof part.text === "string") text += part.text
        }
      }
      return { ...data, output_text: text }
    }
  }
}
