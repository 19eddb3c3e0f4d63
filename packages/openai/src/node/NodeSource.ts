/**
 * A Node `Readable` (an undici response body) as a body source. Chunks are taken from `data` events as the
 * socket gives them (reading with `read()` would concatenate whatever Node has buffered into a new buffer);
 * past a small budget of unread bytes the body is paused, so a slow consumer holds the socket back.
 */
import type { Readable } from "node:stream"
import type { ByteSource } from "../internal/body.js"

/** Unread bytes held before the body is paused: about one socket read. */
const budget = 64 * 1024

export class NodeSource implements ByteSource {
  failure: unknown = undefined
  private chunks: Array<Uint8Array> = []
  private next = 0
  private buffered = 0
  private ended = false
  private paused = false
  private wake: (() => void) | undefined = undefined
  private cancelled = false

  constructor(private readonly body: Readable, private readonly abort: () => void) {
    body.on("data", this.onData)
    body.on("end", this.onEnd)
    body.on("error", this.onError)
  }

  private readonly onData = (chunk: Uint8Array): void => {
    this.chunks.push(chunk)
    this.buffered += chunk.length
    if (this.buffered >= budget && !this.paused) {
      this.paused = true
      this.body.pause()
    }
    this.notify()
  }

  private readonly onEnd = (): void => {
    this.ended = true
    this.notify()
  }

  private readonly onError = (cause: unknown): void => {
    if (this.cancelled) return
    this.failure = cause
    this.notify()
  }

  private notify(): void {
    const wake = this.wake
    this.wake = undefined
    if (wake !== undefined) wake()
  }

  read(): Uint8Array | null | undefined {
    if (this.next < this.chunks.length) {
      const chunk = this.chunks[this.next]!
      this.next++
      this.buffered -= chunk.length
      if (this.next === this.chunks.length) {
        this.chunks.length = 0
        this.next = 0
      }
      if (this.paused && this.buffered < budget) {
        this.paused = false
        this.body.resume()
      }
      return chunk
    }
    if (this.failure !== undefined || this.cancelled) return undefined
    return this.ended ? null : undefined
  }

  wait(wake: () => void): void {
    if (this.next < this.chunks.length || this.ended || this.failure !== undefined) wake()
    else this.wake = wake
  }

  cancel(): void {
    if (this.cancelled) return
    this.cancelled = true
    this.wake = undefined
    this.chunks.length = 0
    this.next = 0
    if (!this.ended) this.abort()
  }
}
