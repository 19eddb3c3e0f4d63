/**
 * A server-sent events decoder that follows the WHATWG event-stream rules:
 * `\n`, `\r\n` and `\r` line endings (mixed, and split across chunks), UTF-8 split across chunks (invalid bytes
 * become U+FFFD, as the spec's decoder does), multi-line `data`, comments, `event`/`id`/`retry` fields and a
 * leading BOM. Unlike the spec it also delivers a final event that lacks its blank line, since a server that
 * closes right after its last `data:` line still meant to send it.
 *
 * Work is linear in the input: each chunk is scanned once and a partial line is carried as a string rope.
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"

/** One dispatched event. `event` is `undefined` when the server sent no `event:` field. */
export interface SseEvent {
  readonly _tag: "Event"
  readonly event: string | undefined
  readonly data: string
  readonly id: string | undefined
  readonly retry: number | undefined
}

/** A comment line (`: keepalive`). Passed on so that timers can see the connection is alive. */
export interface SseComment {
  readonly _tag: "Comment"
  readonly text: string
}

export type SseItem = SseEvent | SseComment

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

export class SseDecoder {
  private readonly text = new TextDecoder("utf-8")
  private line = ""
  private skipLF = false
  private data = ""
  private hasData = false
  private eventType: string | undefined = undefined
  private lastId: string | undefined = undefined
  private retry: number | undefined = undefined

  constructor(readonly maxEventSize: number = Number.POSITIVE_INFINITY) {}

  /** Decodes one chunk, appending complete items to `out`. */
  push(bytes: Uint8Array, out: Array<SseItem>): void {
    this.feed(this.text.decode(bytes, { stream: true }), out)
  }

  /** Decodes already-decoded text (used by tests and by `end`). */
  feed(s: string, out: Array<SseItem>): void {
    const length = s.length
    let pos = 0
    if (length === 0) return
    if (this.skipLF) {
      // A CR ended the previous chunk; an LF starting this one belongs to the same line ending.
      this.skipLF = false
      if (s.charCodeAt(0) === 10) pos = 1
    }
    // Cached positions of the next CR and LF, so each is searched for at most once per occurrence: linear.
    let nextLF = -2
    let nextCR = -2
    while (pos < length) {
      if (nextLF !== -1 && nextLF < pos) nextLF = s.indexOf("\n", pos)
      if (nextCR !== -1 && nextCR < pos) nextCR = s.indexOf("\r", pos)
      let end: number
      if (nextLF === -1) end = nextCR
      else if (nextCR === -1) end = nextLF
      else end = nextLF < nextCR ? nextLF : nextCR
      if (end === -1) {
        this.line = this.line === "" ? s.slice(pos) : this.line + s.slice(pos)
        this.checkSize()
        return
      }
      const piece = s.slice(pos, end)
      const line = this.line === "" ? piece : this.line + piece
      this.line = ""
      if (s.charCodeAt(end) === 13) {
        if (end + 1 < length) {
          pos = s.charCodeAt(end + 1) === 10 ? end + 2 : end + 1
        } else {
          pos = end + 1
          this.skipLF = true
        }
      } else {
        pos = end + 1
      }
      this.processLine(line, out)
    }
  }

  /** Flushes the decoder at end of input: a partial line and a pending event are delivered. */
  end(out: Array<SseItem>): void {
    const rest = this.text.decode()
    if (rest !== "") this.feed(rest, out)
    if (this.line !== "") {
      const line = this.line
      this.line = ""
      this.processLine(line, out)
    }
    this.dispatch(out)
  }

  private checkSize(): void {
    if (this.line.length + this.data.length > this.maxEventSize + lineSlack) {
      throw new SseEventTooLargeError(this.maxEventSize)
    }
  }

  private processLine(line: string, out: Array<SseItem>): void {
    // Checked per complete line as well as per partial line, so the outcome does not depend on chunking.
    if (line.length + this.data.length > this.maxEventSize + lineSlack) {
      throw new SseEventTooLargeError(this.maxEventSize)
    }
    if (line.length === 0) {
      this.dispatch(out)
      return
    }
    if (line.charCodeAt(0) === 58 /* : */) {
      out.push({ _tag: "Comment", text: line.charCodeAt(1) === 32 ? line.slice(2) : line.slice(1) })
      return
    }
    const colon = line.indexOf(":")
    let field: string
    let value: string
    if (colon === -1) {
      field = line
      value = ""
    } else {
      field = line.slice(0, colon)
      value = line.charCodeAt(colon + 1) === 32 ? line.slice(colon + 2) : line.slice(colon + 1)
    }
    switch (field) {
      case "data":
        this.data = this.hasData ? this.data + "\n" + value : value
        this.hasData = true
        if (this.data.length > this.maxEventSize) throw new SseEventTooLargeError(this.maxEventSize)
        break
      case "event":
        this.eventType = value
        break
      case "id":
        if (!value.includes("\u0000")) this.lastId = value
        break
      case "retry":
        if (/^\d+$/.test(value)) this.retry = Number(value)
        break
    }
  }

  private dispatch(out: Array<SseItem>): void {
    if (!this.hasData) {
      this.eventType = undefined
      return
    }
    out.push({ _tag: "Event", event: this.eventType, data: this.data, id: this.lastId, retry: this.retry })
    this.data = ""
    this.hasData = false
    this.eventType = undefined
  }
}

/**
 * Runs decoder calls and returns the items they produced, or the size violation as a value (any other error
 * is rethrown: it is a defect).
 */
export const collect = (f: (out: Array<SseItem>) => void): Array<SseItem> | SseEventTooLargeError => {
  const out: Array<SseItem> = []
  try {
    f(out)
  } catch (error) {
    if (error instanceof SseEventTooLargeError) return error
    throw error
  }
  return out
}

/**
 * Decodes a byte stream into SSE items. `onTooLarge` turns the size violation into the caller's typed error.
 */
export const decodeStream = <E, R, E2>(
  bytes: Stream.Stream<Uint8Array, E, R>,
  maxEventSize: number,
  onTooLarge: (limit: number) => E2
): Stream.Stream<SseItem, E | E2, R> =>
  Stream.suspend(() => {
    const decoder = new SseDecoder(maxEventSize)
    const run = (f: (out: Array<SseItem>) => void): Effect.Effect<Chunk.Chunk<SseItem>, E2> =>
      Effect.suspend(() => {
        const out = collect(f)
        return out instanceof SseEventTooLargeError
          ? Effect.fail(onTooLarge(out.limit))
          : Effect.succeed(Chunk.unsafeFromArray(out))
      })
    return bytes.pipe(
      Stream.mapChunksEffect((chunk) =>
        run((out) => {
          for (const bytes of chunk) decoder.push(bytes, out)
        })
      ),
      Stream.concat(Stream.flattenChunks(Stream.fromEffect(Effect.suspend(() => run((out) => decoder.end(out))))))
    )
  })
