/**
 * The outbound queue of a Realtime session: JSON texts waiting for the socket, bounded by their number and by
 * their total size (in characters: bytes for ASCII, which base64 audio is). `offer` waits, first come first
 * served, while the queue is full; one text larger than the whole budget is let in alone. The writer `peek`s the
 * head, hands it to the socket, then `shift`s it, which admits waiting offers. No fiber per offer: waiting is a
 * callback.
 */
import * as Effect from "effect/Effect"

interface Waiter<E> {
  readonly text: string
  readonly resume: (effect: Effect.Effect<void, E>) => void
}

export class Outbound<E> {
  private items: Array<string> = []
  private bytes = 0
  private waiters: Array<Waiter<E>> = []
  private wake: (() => void) | undefined = undefined
  private closed: E | undefined = undefined

  constructor(readonly capacity: number, readonly maxBytes: number) {}

  /** Queues a text; waits while the queue is full; fails once the queue is closed. */
  offer(text: string): Effect.Effect<void, E> {
    return Effect.suspend(() => {
      if (this.closed !== undefined) return Effect.fail(this.closed)
      if (this.waiters.length === 0 && this.fits(text.length)) {
        this.push(text)
        return Effect.void
      }
      return Effect.async<void, E>((resume) => {
        const waiter: Waiter<E> = { text, resume }
        this.waiters.push(waiter)
        return Effect.sync(() => {
          const index = this.waiters.indexOf(waiter)
          if (index >= 0) this.waiters.splice(index, 1)
        })
      })
    })
  }

  /** The oldest queued text, waiting for one. */
  readonly peek: Effect.Effect<string> = Effect.suspend(() =>
    this.items.length > 0 ? Effect.succeed(this.items[0]!) : Effect.async<string>((resume) => {
      this.wake = () => resume(Effect.succeed(this.items[0]!))
      return Effect.sync(() => {
        this.wake = undefined
      })
    })
  )

  /** Drops the oldest text (the writer has handed it to the socket) and admits waiting offers. */
  shift(): void {
    const text = this.items.shift()
    if (text !== undefined) this.bytes -= text.length
    this.admit()
  }

  /** Takes every queued text and every waiting offer's (those offers succeed), in order: the queue is empty. */
  drain(): Array<string> {
    const out = this.items
    for (const waiter of this.waiters) {
      out.push(waiter.text)
      waiter.resume(Effect.void)
    }
    this.items = []
    this.bytes = 0
    this.waiters = []
    return out
  }

  /** Fails waiting and later offers with `error`; queued texts are dropped. */
  close(error: E): void {
    if (this.closed !== undefined) return
    this.closed = error
    this.items = []
    this.bytes = 0
    const waiters = this.waiters
    this.waiters = []
    for (const waiter of waiters) waiter.resume(Effect.fail(error))
  }

  /** The queued texts' number and total size, for tests and metrics. */
  get size(): { readonly count: number; readonly bytes: number } {
    return { count: this.items.length, bytes: this.bytes }
  }

  private fits(size: number): boolean {
    return this.items.length === 0 || (this.items.length < this.capacity && this.bytes + size <= this.maxBytes)
  }

  private push(text: string): void {
    this.items.push(text)
    this.bytes += text.length
    const wake = this.wake
    if (wake !== undefined) {
      this.wake = undefined
      wake()
    }
  }

  private admit(): void {
    while (this.waiters.length > 0 && this.fits(this.waiters[0]!.text.length)) {
      const waiter = this.waiters.shift()!
      this.push(waiter.text)
      waiter.resume(Effect.void)
    }
  }
}
