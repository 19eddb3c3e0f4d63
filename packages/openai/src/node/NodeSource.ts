/**
 * A Node `Readable` (an undici response body) as a body source: `read()` takes what Node has buffered, so a
 * stream reads synchronously until the buffer is empty, and Node's own buffer limit holds the socket back.
 */
import type { Readable } from "node:stream"
import type { ByteSource } from "../internal/body.js"

export class NodeSource implements ByteSource {
  failure: unknown = undefined
  private wake: (() => void) | undefined = undefined
  private cancelled = false

  constructor(private readonly body: Readable, private readonly abort: () => void) {
    body.on("readable", this.onEvent)
    body.on("end", this.onEvent)
    body.on("error", this.onError)
  }

  private readonly onEvent = (): void => {
    const wake = this.wake
    this.wake = undefined
    if (wake !== undefined) wake()
  }

  private readonly onError = (cause: unknown): void => {
    if (this.cancelled) return
    this.failure = cause
    this.onEvent()
  }

  read(): Uint8Array | null | undefined {
    if (this.failure !== undefined || this.cancelled) return undefined
    const chunk = this.body.read() as Uint8Array | null
    if (chunk !== null) return chunk
    return this.body.readableEnded ? null : undefined
  }

  wait(wake: () => void): void {
    if (this.failure !== undefined || this.body.readableEnded || this.body.readableLength > 0) wake()
    else this.wake = wake
  }

  cancel(): void {
    if (this.cancelled) return
    this.cancelled = true
    this.wake = undefined
    if (!this.body.readableEnded) this.abort()
  }
}
