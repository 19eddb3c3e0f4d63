/**
 * Response bodies as plain pull sources that can be read synchronously when bytes are already buffered, so
 * that a stream pays one Effect step per delivery, not one per body chunk. A transport offers its own source
 * through `byteSourceId` (the Node transport does); a platform web response (`HttpClientResponse.fromWeb`, what
 * `FetchHttpClient` returns) is read through its web `ReadableStream`; any other response is read through its
 * `stream` by one fiber.
 */
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Cause from "effect/Cause"
import * as Channel from "effect/Channel"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Runtime from "effect/Runtime"
import * as Stream from "effect/Stream"
import { byteSourceId } from "./transport.js"

/**
 * A body being read. `read` returns bytes buffered now, `null` at the end of the body, or `undefined` when
 * nothing is buffered; then `wait` calls back once when `read` may return something else. A failure of the
 * body is kept in `failure` (and `read` returns `undefined`).
 */
export interface ByteSource {
  read(): Uint8Array | null | undefined
  wait(wake: () => void): void
  readonly failure: unknown
  /** Stops reading and releases the connection; a pending `wait` is dropped. Idempotent. */
  cancel(): void
}

/** A body with nothing in it. */
class EmptySource implements ByteSource {
  readonly failure: unknown = undefined
  read(): Uint8Array | null | undefined {
    return null
  }
  wait(wake: () => void): void {
    wake()
  }
  cancel(): void {}
}

/** A web `ReadableStream`: one `read()` in flight at most; its result is kept until taken. */
export class WebSource implements ByteSource {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>
  private pending = false
  private ready: Uint8Array | null | undefined = undefined
  private wake: (() => void) | undefined = undefined
  private cancelled = false
  failure: unknown = undefined

  /**
   * `owner` is the response the body belongs to, held while the body is read: the platform aborts the request
   * of a response that is garbage-collected. `abort` aborts the request itself (the platform's client keeps
   * one controller per request).
   */
  constructor(
    body: ReadableStream<Uint8Array>,
    readonly owner?: unknown,
    private readonly abort?: AbortController
  ) {
    this.reader = body.getReader()
  }

  private readonly onResult = (result: ReadableStreamReadResult<Uint8Array>): void => {
    this.pending = false
    if (this.cancelled) return
    this.ready = result.done ? null : result.value
    this.notify()
  }

  private readonly onError = (cause: unknown): void => {
    this.pending = false
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
    const ready = this.ready
    if (ready !== undefined) {
      if (ready !== null) this.ready = undefined
      return ready
    }
    if (!this.pending && this.failure === undefined && !this.cancelled) {
      this.pending = true
      this.reader.read().then(this.onResult, this.onError)
    }
    return undefined
  }

  wait(wake: () => void): void {
    if (this.ready !== undefined || this.failure !== undefined || this.cancelled) wake()
    else this.wake = wake
  }

  cancel(): void {
    if (this.cancelled) return
    this.cancelled = true
    this.wake = undefined
    if (this.ready !== null) this.reader.cancel().catch(() => {})
    this.abort?.abort()
  }
}

/**
 * Chunks handed over by a producer through callbacks, read in order: the base of the sources that are fed
 * rather than pulled. A subclass pushes chunks, finishes (with a failure or not), and reacts when a chunk is
 * taken (to let its producer go on) or when the source is cancelled.
 */
export abstract class ChunkQueue implements ByteSource {
  failure: unknown = undefined
  private chunks: Array<Uint8Array> = []
  /** The next chunk to hand out (an index, not `shift`: one producer chunk may hold millions of arrays). */
  private next = 0
  /** Bytes pushed and not yet taken. */
  protected buffered = 0
  protected ended = false
  protected cancelled = false
  private wake: (() => void) | undefined = undefined

  protected push(chunk: Uint8Array): void {
    if (chunk.length === 0) return
    this.chunks.push(chunk)
    this.buffered += chunk.length
  }

  /** Ends the source, with a failure when `failure` is given. */
  protected finish(failure?: unknown): void {
    if (this.cancelled) return
    if (failure !== undefined) this.failure = failure
    this.ended = true
    this.notify()
  }

  protected notify(): void {
    const wake = this.wake
    this.wake = undefined
    if (wake !== undefined) wake()
  }

  protected get empty(): boolean {
    return this.next === this.chunks.length
  }

  /** A chunk was taken. */
  protected abstract taken(): void

  /** The reader is gone: stop the producer and release the connection. */
  protected abstract release(): void

  read(): Uint8Array | null | undefined {
    if (this.next < this.chunks.length) {
      const chunk = this.chunks[this.next++]!
      this.buffered -= chunk.length
      if (this.next === this.chunks.length) {
        this.chunks.length = 0
        this.next = 0
      }
      this.taken()
      return chunk
    }
    if (this.failure !== undefined || this.cancelled) return undefined
    return this.ended ? null : undefined
  }

  wait(wake: () => void): void {
    if (!this.empty || this.ended || this.failure !== undefined || this.cancelled) wake()
    else this.wake = wake
  }

  cancel(): void {
    if (this.cancelled) return
    this.cancelled = true
    this.wake = undefined
    this.chunks.length = 0
    this.next = 0
    this.release()
  }
}

/**
 * Any other body: one fiber runs the response's `stream` and hands chunks over one upstream chunk at a time (it
 * waits until they are all taken before it pulls again).
 */
export class EffectSource extends ChunkQueue {
  private resumeProducer: (() => void) | undefined = undefined
  private fiber: Fiber.RuntimeFiber<void, unknown> | undefined = undefined

  constructor(
    private readonly stream: Stream.Stream<Uint8Array, unknown>,
    private readonly runtime: Runtime.Runtime<never>
  ) {
    super()
  }

  private start(): void {
    // The runtime may come from an uninterruptible region (a stream being opened): this fiber must stay
    // interruptible, or cancelling it would wait forever.
    const fiber = Runtime.runFork(this.runtime)(Effect.interruptible(
      Stream.runForEachChunk(this.stream, (chunk) =>
        Effect.async<void>((resume) => {
          for (const bytes of chunk) this.push(bytes)
          if (this.empty) return resume(Effect.void)
          this.resumeProducer = () => resume(Effect.void)
          this.notify()
        }))
    ))
    this.fiber = fiber
    fiber.addObserver((exit) => this.finish(exit._tag === "Failure" ? Cause.squash(exit.cause) : undefined))
  }

  override read(): Uint8Array | null | undefined {
    if (this.fiber === undefined && !this.cancelled) this.start()
    return super.read()
  }

  protected taken(): void {
    if (!this.empty) return
    const resume = this.resumeProducer
    this.resumeProducer = undefined
    if (resume !== undefined) resume()
  }

  protected release(): void {
    if (this.fiber !== undefined) this.fiber.unsafeInterruptAsFork(this.fiber.id())
  }
}

interface PlatformShape {
  /** `HttpClientResponse.fromWeb` keeps the web `Response` here. */
  readonly source?: unknown
  /** Clients made with `HttpClient.make` wrap each response, with the controller that aborts its request. */
  readonly original?: PlatformShape
  readonly controller?: unknown
}

/**
 * The platform's web responses (what `FetchHttpClient` and any client made with `HttpClient.make` over
 * `fromWeb` return) keep the web `Response` they wrap; reading its body directly spares a stream step per
 * chunk. If a platform release stops keeping it there, responses are read through `stream` instead (slower,
 * same behaviour); a test watches the shape.
 */
const webSource = (response: HttpClientResponse.HttpClientResponse): ByteSource | undefined => {
  if (typeof Response === "undefined") return undefined
  const outer = response as PlatformShape
  const wrapped = outer.original !== undefined && outer.controller instanceof AbortController
  const inner = wrapped ? outer.original! : outer
  const source = inner.source
  if (!(source instanceof Response) || source.bodyUsed) return undefined
  if (source.body === null) return new EmptySource()
  return new WebSource(source.body, response, wrapped ? outer.controller as AbortController : undefined)
}

/** The fastest way to read this response's body. */
export const byteSource = (
  response: HttpClientResponse.HttpClientResponse,
  runtime: Runtime.Runtime<never>
): ByteSource => {
  const own = (response as { readonly [byteSourceId]?: () => ByteSource })[byteSourceId]
  if (typeof own === "function") return own.call(response)
  return webSource(response) ?? new EffectSource(response.stream, runtime)
}

/**
 * Reads up to `cap` bytes of a body, then stops reading it (the connection is released): an error body of any
 * size costs at most `cap` bytes of memory.
 */
export const readCapped = (source: ByteSource, cap: number): Effect.Effect<Uint8Array> =>
  Effect.async<Uint8Array>((resume) => {
    const parts: Array<Uint8Array> = []
    let size = 0
    const finish = () => {
      source.cancel()
      const out = new Uint8Array(Math.min(size, cap))
      let offset = 0
      for (const part of parts) {
        const n = Math.min(part.length, out.length - offset)
        out.set(n === part.length ? part : part.subarray(0, n), offset)
        offset += n
      }
      resume(Effect.succeed(out))
    }
    const step = (): void => {
      for (;;) {
        const bytes = source.read()
        if (bytes === undefined) {
          if (source.failure !== undefined) return finish()
          return source.wait(step)
        }
        if (bytes === null) return finish()
        parts.push(bytes)
        size += bytes.length
        if (size >= cap) return finish()
      }
    }
    step()
    return Effect.sync(() => source.cancel())
  })

/**
 * A body source as a `Stream` of its chunks: everything buffered goes out as one chunk; the stream waits only
 * when nothing is. Ending the stream early, or interrupting it, cancels the source.
 */
export const toStream = <E>(
  acquire: () => ByteSource,
  onError: (cause: unknown) => E
): Stream.Stream<Uint8Array, E> =>
  Stream.suspend(() => {
    const source = acquire()
    let ended = false
    // No canceller (it would cost an interruption handler per wait): `ensuring` below cancels the source.
    const wait = Effect.async<void>((resume) => source.wait(() => resume(Effect.void)))
    const loop: Channel.Channel<Chunk.Chunk<Uint8Array>, unknown, E, unknown, void, unknown> = Channel.suspend(() => {
      let chunks: Array<Uint8Array> | undefined
      for (;;) {
        const bytes = ended ? null : source.read()
        if (bytes === null) ended = true
        if (bytes === undefined || bytes === null) break
        ;(chunks ??= []).push(bytes)
      }
      if (chunks !== undefined) return Channel.zipRight(Channel.write(Chunk.unsafeFromArray(chunks)), loop)
      if (source.failure !== undefined) return Channel.fail(onError(source.failure))
      if (ended) return Channel.void
      return Channel.flatMap(Channel.fromEffect(wait), () => loop)
    })
    return Stream.ensuring(Stream.fromChannel(loop), Effect.sync(() => source.cancel()))
  })
