/**
 * A Node `Readable` (an undici response body) as a body source. Chunks are taken from `data` events as the
 * socket gives them (reading with `read()` would concatenate whatever Node has buffered into a new buffer);
 * past a small budget of unread bytes the body is paused, so a slow consumer holds the socket back.
 */
import type { Readable } from "node:stream"
import { ChunkQueue } from "../internal/body.js"

/** Unread bytes held before the body is paused: about one socket read. */
const budget = 64 * 1024

export class NodeSource extends ChunkQueue {
  private paused = false

  constructor(private readonly body: Readable, private readonly abort: () => void) {
    super()
    body.on("data", (chunk: Uint8Array) => {
      this.push(chunk)
      if (this.buffered >= budget && !this.paused) {
        this.paused = true
        body.pause()
      }
      this.notify()
    })
    body.on("end", () => this.finish())
    body.on("error", (cause: unknown) => this.finish(cause))
  }

  protected taken(): void {
    if (this.paused && this.buffered < budget) {
      this.paused = false
      this.body.resume()
    }
  }

  protected release(): void {
    if (!this.ended) this.abort()
  }
}
