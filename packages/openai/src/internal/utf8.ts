/**
 * Streaming UTF-8 to string. Where the runtime has Node's `Buffer` (a global, not an import), its native slice is
 * used with a carry for a sequence split across chunks: about half the cost of `TextDecoder` per small chunk,
 * which is what a stream of one event per chunk pays. Elsewhere `TextDecoder` in stream mode does the work.
 * Both turn invalid bytes into U+FFFD.
 */

interface NodeBufferStatics {
  readonly prototype: { readonly utf8Slice: (this: Uint8Array, start: number, end: number) => string }
}

const nodeSlice: ((bytes: Uint8Array, start: number, end: number) => string) | undefined = (() => {
  const B = (globalThis as { readonly Buffer?: NodeBufferStatics }).Buffer
  const slice = B?.prototype.utf8Slice
  return typeof slice === "function" ? (bytes, start, end) => slice.call(bytes, start, end) : undefined
})()

/** How many bytes at the end of `bytes` begin a sequence that the next chunk completes (0 to 3). */
const incompleteTail = (bytes: Uint8Array): number => {
  const length = bytes.length
  // A sequence is at most 4 bytes: look back at most 3 for its lead byte.
  for (let back = 1; back <= 3 && back <= length; back++) {
    const byte = bytes[length - back]!
    if ((byte & 0xc0) === 0x80) continue // a continuation byte: keep looking for the lead
    const need = byte >= 0xf0 && byte <= 0xf4 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc2 && byte < 0xe0 ? 2 : 1
    return need > back ? back : 0
  }
  return 0
}

export class Utf8Decoder {
  private readonly fallback = nodeSlice === undefined ? new TextDecoder("utf-8") : undefined
  private carry: Uint8Array | undefined = undefined
  private bomChecked = false

  decode(chunk: Uint8Array): string {
    if (this.fallback !== undefined) return this.fallback.decode(chunk, { stream: true })
    let bytes = chunk
    if (this.carry !== undefined) {
      bytes = new Uint8Array(this.carry.length + chunk.length)
      bytes.set(this.carry, 0)
      bytes.set(chunk, this.carry.length)
      this.carry = undefined
    }
    if (bytes.length === 0) return ""
    let start = 0
    if (!this.bomChecked) {
      if (bytes.length < 3 && bytes[0] === 0xef && (bytes.length === 1 || bytes[1] === 0xbb)) {
        this.carry = bytes.slice()
        return ""
      }
      this.bomChecked = true
      if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3
    }
    const tail = incompleteTail(bytes)
    const end = bytes.length - tail
    if (tail > 0) this.carry = bytes.slice(end)
    return start < end ? nodeSlice!(bytes, start, end) : ""
  }

  /** What is left at the end of input: an unfinished sequence becomes U+FFFD. */
  end(): string {
    if (this.fallback !== undefined) return this.fallback.decode()
    const carry = this.carry
    this.carry = undefined
    return carry === undefined || carry.length === 0 ? "" : nodeSlice!(carry, 0, carry.length)
  }
}
