/**
 * A stream of events: `for await` over it, `controller.abort()` to stop it, `tee()` to read it twice,
 * `toReadableStream()` to hand it on. Events come from the core's stream pump, polled directly: no Effect
 * fiber, no web stream and no async generator between the socket and the loop.
 */
import type { Decoding, Opened } from "@effect-openai/openai/OpenAIClient"
import * as OpenAIStream from "@effect-openai/openai/OpenAIStream"
import { fromCore } from "../internal/errors.js"

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true })
const done = <A>(): Promise<IteratorResult<A>> => Promise.resolve(DONE)

class Failure {
  constructor(readonly error: unknown) {}
}

/**
 * Reads an opened core stream. `next()` hands out what the pump has buffered without waiting, and waits (once,
 * with one promise) only when nothing is buffered. An abort ends the iteration; a failure rejects with the
 * official error class.
 */
class Polled<A> implements AsyncIterator<A> {
  private items: Array<A> | undefined = undefined
  private index = 0
  private ended = false
  private pending: ((result: IteratorResult<A>) => void) | undefined = undefined

  constructor(private readonly opened: Opened<A>, private readonly signal: AbortSignal) {
    if (signal.aborted) this.end()
    else signal.addEventListener("abort", this.onAbort, { once: true })
  }

  private readonly onAbort = (): void => {
    this.end()
    const pending = this.pending
    this.pending = undefined
    pending?.(DONE)
  }

  private end(): void {
    if (this.ended) return
    this.ended = true
    this.items = undefined
    this.signal.removeEventListener("abort", this.onAbort)
    this.opened.close()
  }

  next(): Promise<IteratorResult<A>> {
    const items = this.items
    if (items !== undefined && this.index < items.length) {
      return Promise.resolve({ value: items[this.index++]!, done: false })
    }
    const step = this.step()
    if (step === undefined) return new Promise(this.waitFor)
    return step instanceof Failure ? Promise.reject(step.error) : Promise.resolve(step)
  }

  /** The next result if it is known now: an item, the end, or a failure; `undefined` means wait. */
  private step(): IteratorResult<A> | Failure | undefined {
    if (this.ended) return DONE
    const batch = this.opened.poll()
    if (batch !== undefined) {
      this.items = batch
      this.index = 1
      return { value: batch[0]!, done: false }
    }
    const failure = this.opened.failure
    if (failure !== undefined) {
      this.end()
      return new Failure(fromCore(failure, this.opened.response.headers))
    }
    if (this.opened.finished) {
      this.end()
      return DONE
    }
    return undefined
  }

  private readonly waitFor = (
    resolve: (result: IteratorResult<A>) => void,
    reject: (error: unknown) => void
  ): void => {
    this.pending = resolve
    this.opened.wait(() => {
      if (this.pending === undefined) return
      this.pending = undefined
      const step = this.step()
      if (step === undefined) this.waitFor(resolve, reject)
      else if (step instanceof Failure) reject(step.error)
      else resolve(step)
    })
  }

  return(): Promise<IteratorResult<A>> {
    this.end()
    return done()
  }
}

const lines = async function*(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder()
  let buffer = ""
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true })
    let newline: number
    while ((newline = buffer.indexOf("\n")) !== -1) {
      yield buffer.slice(0, newline)
      buffer = buffer.slice(newline + 1)
    }
  }
  buffer += decoder.decode()
  if (buffer !== "") yield buffer
}

export class Stream<Item> implements AsyncIterable<Item> {
  controller: AbortController
  #iterator: () => AsyncIterator<Item>
  #consumed = false

  constructor(iterator: () => AsyncIterator<Item>, controller: AbortController, _client?: unknown) {
    this.#iterator = iterator
    this.controller = controller
  }

  /** A stream over an opened core stream; `controller.abort()` closes its connection. @internal */
  static fromOpened<Item>(opened: Opened<Item>, controller: AbortController): Stream<Item> {
    return new Stream(() => new Polled(opened, controller.signal), controller)
  }

  /**
   * The events of a server-sent events response: JSON data, `[DONE]` ends, an error event throws `APIError`,
   * `thread.*` events come as `{ event, data }`.
   */
  static fromSSEResponse<Item>(response: Response, controller: AbortController, _client?: unknown): Stream<Item> {
    if (response.body === null) {
      controller.abort()
      throw new TypeError("Attempted to iterate over a response with no body")
    }
    const headers: Record<string, string> = {}
    response.headers.forEach((value, key) => (headers[key] = value))
    const decoding: Decoding = { _tag: "Json", terminal: "eof", named: true }
    return Stream.fromOpened(OpenAIStream.open<Item>(response.body, decoding, response.status, headers), controller)
  }

  /** The inverse of `toReadableStream()`: newline-delimited JSON, one item per line. */
  static fromReadableStream<Item>(readableStream: ReadableStream, controller: AbortController, _client?: unknown): Stream<Item> {
    return new Stream(async function*() {
      for await (const line of lines(readableStream)) {
        if (controller.signal.aborted) return
        if (line.trim() !== "") yield JSON.parse(line) as Item
      }
    }, controller)
  }

  [Symbol.asyncIterator](): AsyncIterator<Item> {
    if (this.#consumed) throw new Error("Cannot iterate over a consumed stream, use `.tee()` to split the stream.")
    this.#consumed = true
    return this.#iterator()
  }

  /** Two streams that each see every event; events are kept until both have read them. */
  tee(): [Stream<Item>, Stream<Item>] {
    const source = this[Symbol.asyncIterator]()
    const queues: [Array<Promise<IteratorResult<Item>>>, Array<Promise<IteratorResult<Item>>>] = [[], []]
    const branch = (own: 0 | 1): AsyncIterator<Item> => ({
      next: () => {
        const queue = queues[own]
        if (queue.length === 0) {
          const result = source.next()
          queues[own === 0 ? 1 : 0].push(result)
          return result
        }
        return queue.shift()!
      }
    })
    return [new Stream(() => branch(0), this.controller), new Stream(() => branch(1), this.controller)]
  }

  /** The events as newline-delimited JSON bytes, e.g. to send on to a browser. */
  toReadableStream(): ReadableStream {
    let iterator: AsyncIterator<Item> | undefined
    const encoder = new TextEncoder()
    return new ReadableStream({
      start: () => {
        iterator = this[Symbol.asyncIterator]()
      },
      pull: async (controller) => {
        try {
          const { value, done } = await iterator!.next()
          if (done) controller.close()
          else controller.enqueue(encoder.encode(JSON.stringify(value) + "\n"))
        } catch (error) {
          controller.error(error)
        }
      },
      cancel: async () => {
        await iterator?.return?.()
      }
    })
  }
}
