/**
 * A server-sent events decoder that follows the WHATWG event-stream rules:
 * `\n`, `\r\n` and `\r` line endings (mixed, and split across chunks), UTF-8 split across chunks (invalid bytes
 * become U+FFFD, as the spec's decoder does), multi-line `data`, comments, `event`/`id`/`retry` fields and a
 * leading BOM. Unlike the spec it also delivers a final event that lacks its blank line, since a server that
 * closes right after its last `data:` line still meant to send it.
 *
 * Work is linear in the input: each chunk is scanned once and a partial line is carried as a string rope.
 * Events go straight to a handler as strings: the decoder allocates nothing per event beyond the data itself.
 */
import { Utf8Decoder } from "./utf8.js"

/** Receives what the decoder finds. */
export interface SseHandler {
  /** One dispatched event; `type` is `undefined` when the server sent no `event:` field. */
  event(type: string | undefined, data: string, id: string | undefined, retry: number | undefined): void
  /** A comment line (`: keepalive`). */
  comment(text: string): void
}

/** One dispatched event, as {@link SseCollector} and the raw `sse` stream give it. */
export interface SseEvent {
  readonly _tag: "Event"
  readonly event: string | undefined
  readonly data: string
  readonly id: string | undefined
  readonly retry: number | undefined
}

/** A comment line, as {@link SseCollector} gives it. */
export interface SseComment {
  readonly _tag: "Comment"
  readonly text: string
}

export type SseItem = SseEvent | SseComment

/** A handler that keeps everything as items, in order (tests, and the raw `sse` stream). */
export class SseCollector implements SseHandler {
  items: Array<SseItem> = []
  constructor(readonly comments: boolean = true) {}
  event(type: string | undefined, data: string, id: string | undefined, retry: number | undefined): void {
    this.items.push({ _tag: "Event", event: type, data, id, retry })
  }
  comment(text: string): void {
    if (this.comments) this.items.push({ _tag: "Comment", text })
  }
  take(): Array<SseItem> {
    const items = this.items
    this.items = []
    return items
  }
}

/**
 * Room for a field name and colon beyond the data limit, so that `data: <exactly limit chars>` is accepted.
 */
const lineSlack = 64

/**
 * Raised when an event's data grows past the limit (in UTF-16 units), or a line (with the data before it)
 * grows past the limit plus a little room for its field name; the outcome does not depend on chunking.
 */
export class SseEventTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`server-sent event larger than the limit of ${limit} characters`)
  }
}

const LF = 10
const CR = 13
const COLON = 58
const SPACE = 32

export class SseDecoder {
  private readonly text = new Utf8Decoder()
  private line = ""
  private skipLF = false
  private data = ""
  private hasData = false
  private eventType: string | undefined = undefined
  private lastId: string | undefined = undefined
  private retry: number | undefined = undefined

  constructor(
    private readonly handler: SseHandler,
    readonly maxEventSize: number = Number.POSITIVE_INFINITY
  ) {}

  /** Decodes one chunk of bytes. Throws {@link SseEventTooLargeError} past the size limit. */
  push(bytes: Uint8Array): void {
    this.feed(this.text.decode(bytes))
  }

  /** Decodes already-decoded text. */
  feed(s: string): void {
    const length = s.length
    let pos = 0
    if (length === 0) return
    if (this.skipLF) {
      // A CR ended the previous chunk; an LF starting this one belongs to the same line ending.
      this.skipLF = false
      if (s.charCodeAt(0) === LF) pos = 1
    }
    // Cached positions of the next CR and LF, so each is searched for at most once per occurrence: linear.
    let nextLF = -2
    let nextCR = -2
    while (pos < length) {
      if (nextLF !== -1 && nextLF < pos) nextLF = s.indexOf("\n", pos)
      if (nextCR !== -1 && nextCR < pos) nextCR = s.indexOf("\r", pos)
      const end = nextLF === -1 ? nextCR : nextCR === -1 || nextLF < nextCR ? nextLF : nextCR
      if (end === -1) {
        this.line = this.line === "" ? s.slice(pos) : this.line + s.slice(pos)
        if (this.line.length + this.data.length > this.maxEventSize + lineSlack) this.tooLarge()
        return
      }
      if (this.line === "") {
        this.processLine(s, pos, end)
      } else {
        const line = this.line + s.slice(pos, end)
        this.line = ""
        this.processLine(line, 0, line.length)
      }
      if (s.charCodeAt(end) === CR) {
        if (end + 1 < length) {
          pos = s.charCodeAt(end + 1) === LF ? end + 2 : end + 1
        } else {
          pos = end + 1
          this.skipLF = true
        }
      } else {
        pos = end + 1
      }
    }
  }

  /** Flushes the decoder at end of input: a partial line and a pending event are delivered. */
  end(): void {
    const rest = this.text.end()
    if (rest !== "") this.feed(rest)
    if (this.line !== "") {
      const line = this.line
      this.line = ""
      this.processLine(line, 0, line.length)
    }
    this.dispatch()
  }

  private tooLarge(): never {
    throw new SseEventTooLargeError(this.maxEventSize)
  }

  /** Handles the line `s[start, end)`. */
  private processLine(s: string, start: number, end: number): void {
    const length = end - start
    // Checked per complete line as well as per partial line, so the outcome does not depend on chunking.
    if (length + this.data.length > this.maxEventSize + lineSlack) this.tooLarge()
    if (length === 0) {
      this.dispatch()
      return
    }
    if (s.charCodeAt(start) === COLON) {
      this.handler.comment(s.slice(s.charCodeAt(start + 1) === SPACE ? start + 2 : start + 1, end))
      return
    }
    let colon = s.indexOf(":", start)
    if (colon >= end) colon = -1
    const fieldEnd = colon === -1 ? end : colon
    const valueStart = colon === -1 ? end : s.charCodeAt(colon + 1) === SPACE && colon + 1 < end ? colon + 2 : colon + 1
    switch (fieldEnd - start) {
      case 4:
        if (s.startsWith("data", start)) {
          const value = s.slice(valueStart, end)
          this.data = this.hasData ? this.data + "\n" + value : value
          this.hasData = true
          if (this.data.length > this.maxEventSize) this.tooLarge()
        }
        break
      case 5:
        if (s.startsWith("event", start)) this.eventType = s.slice(valueStart, end)
        else if (s.startsWith("retry", start)) {
          const value = s.slice(valueStart, end)
          if (/^\d+$/.test(value)) this.retry = Number(value)
        }
        break
      case 2:
        if (s.startsWith("id", start)) {
          const value = s.slice(valueStart, end)
          if (!value.includes("\u0000")) this.lastId = value
        }
        break
    }
  }

  private dispatch(): void {
    if (!this.hasData) {
      this.eventType = undefined
      return
    }
    const data = this.data
    const type = this.eventType
    this.data = ""
    this.hasData = false
    this.eventType = undefined
    this.handler.event(type, data, this.lastId, this.retry)
  }
}

/**
 * Runs decoder calls and returns the size violation as a value (any other error is rethrown: it is a defect).
 */
export const guard = (f: () => void): SseEventTooLargeError | undefined => {
  try {
    f()
  } catch (error) {
    if (error instanceof SseEventTooLargeError) return error
    throw error
  }
  return undefined
}
