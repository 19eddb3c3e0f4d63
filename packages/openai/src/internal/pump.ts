/**
 * The stream pipeline's engine. A `Pump` reads a body source synchronously while bytes are buffered and decodes them
 * into items; only when nothing is buffered does the consumer suspend, once, until the decoder has items again.
 * So a stream costs one Effect step per delivery whatever the chunking, and no fiber, race or `interruptWhen`
 * per pull. Time limits are deadlines moved by activity, checked by one watchdog fiber per stream (on the
 * fiber's `Clock`, so `TestClock` drives it) that fails the stream and aborts the request when one passes.
 */
import * as Channel from "effect/Channel"
import * as Chunk from "effect/Chunk"
import type * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import type * as OpenAIError from "../OpenAIError.js"
import type { ByteSource } from "./body.js"
import type { Decoder } from "./events.js"

/** `E` is what a failure of the body becomes (the client's `APIConnectionError`, or a caller's own error). */
export class Pump<A, E = OpenAIError.OpenAIError> {
  failure: OpenAIError.OpenAIError | E | undefined = undefined
  finished = false
  /** When bytes last arrived, or the consumer last started to wait: the idle deadline counts from here. */
  lastActivity: number
  /** The consumer is waiting for items. */
  waiting = false
  private ready: (() => void) | undefined = undefined
  private closed = false
  watchdog: Fiber.RuntimeFiber<void> | undefined = undefined

  constructor(
    readonly source: ByteSource,
    readonly decoder: Decoder<A>,
    private readonly clock: Clock.Clock,
    /** Turns a failure of the body (the connection dropped) into our error. */
    private readonly bodyError: (cause: unknown) => E
  ) {
    this.lastActivity = clock.unsafeCurrentTimeMillis()
  }

  /** Items ready now, if any; otherwise see `failure` and `finished`, or `await` more. */
  poll(): Array<A> | undefined {
    const decoder = this.decoder
    if (decoder.out.length === 0 && this.failure === undefined && !this.finished) this.fill()
    if (decoder.out.length === 0) return undefined
    const items = decoder.out
    decoder.out = []
    return items
  }

  /** Reads and decodes what the source has buffered, until items come out or the source has nothing more. */
  private fill(): void {
    const { decoder, source } = this
    for (;;) {
      const bytes = source.read()
      if (bytes === undefined) {
        if (source.failure !== undefined) this.stop(this.bodyError(source.failure))
        return
      }
      this.lastActivity = this.clock.unsafeCurrentTimeMillis()
      if (bytes === null) {
        decoder.end()
        this.finished = true
      } else {
        decoder.push(bytes)
      }
      if (decoder.failure !== undefined) this.stop(decoder.failure)
      else if (decoder.done || this.finished) this.stop(undefined)
      if (this.failure !== undefined || this.finished || decoder.out.length > 0) return
    }
  }

  /** Ends reading: with a failure, or (undefined) at the end. The connection is released. */
  private stop(failure: OpenAIError.OpenAIError | E | undefined): void {
    if (failure !== undefined) this.failure ??= failure
    else this.finished = true
    this.close()
  }

  /** Reads what is buffered without taking it: whether items are ready, or the stream has failed or finished. */
  primed(): boolean {
    if (this.decoder.out.length === 0 && this.failure === undefined && !this.finished) this.fill()
    return this.decoder.out.length > 0 || this.failure !== undefined || this.finished
  }

  private resume: ((effect: Effect.Effect<Array<A> | undefined>) => void) | undefined = undefined
  private readonly deliver = (): void => {
    const resume = this.resume!
    this.resume = undefined
    resume(Effect.succeed(this.poll()))
  }

  /** `await` for an Effect's resume function, which gets what `poll` gives then (no closure per wait). */
  awaitResume(resume: (effect: Effect.Effect<Array<A> | undefined>) => void): void {
    this.resume = resume
    this.await(this.deliver)
  }

  /** Calls `ready` once `poll` has items, or the stream has failed or finished. */
  await(ready: () => void): void {
    this.waiting = true
    this.lastActivity = this.clock.unsafeCurrentTimeMillis()
    this.ready = ready
    this.source.wait(this.onWake)
  }

  private readonly onWake = (): void => {
    if (this.ready === undefined) return
    if (this.decoder.out.length === 0 && this.failure === undefined && !this.finished) this.fill()
    if (this.decoder.out.length > 0 || this.failure !== undefined || this.finished) this.notify()
    else this.source.wait(this.onWake)
  }

  private notify(): void {
    const ready = this.ready
    this.ready = undefined
    this.waiting = false
    if (ready !== undefined) ready()
  }

  /** A deadline passed while the consumer waited: fail with `error` and abort the request. */
  expire(error: OpenAIError.OpenAIError): void {
    if (this.failure !== undefined || this.finished) return
    this.failure = error
    this.close()
    this.notify()
  }

  /** Releases the connection and stops the watchdog. Idempotent. */
  close(): void {
    if (this.closed) return
    this.closed = true
    this.source.cancel()
    const watchdog = this.watchdog
    if (watchdog !== undefined) watchdog.unsafeInterruptAsFork(watchdog.id())
  }

  get isClosed(): boolean {
    return this.closed
  }
}

/** Deadlines of a pump: the first item by `start + first`, then each wait at most `idle` after activity. */
export interface Deadlines {
  readonly start: number
  readonly first: Duration.Duration
  readonly idle: Duration.Duration
  readonly onTimeout: (phase: "first-event" | "idle", limit: Duration.Duration) => OpenAIError.OpenAIError
}

/** The implementation of Effect's default clock, told apart from a test clock, whose sleeps must stay its own. */
const DefaultClock = Effect.runSync(Effect.clock).constructor

/**
 * A sleep of the watchdog. On the default clock its timer does not keep the process alive: a stream being read
 * holds its socket, and a stream nobody reads any more (a response handed over and dropped) should not hold the
 * process open for its idle limit.
 */
const guardSleep = (clock: Clock.Clock, millis: number): Effect.Effect<void> =>
  clock.constructor !== DefaultClock
    ? clock.sleep(Duration.millis(millis))
    : Effect.async<void>((resume) => {
      const timer = setTimeout(() => resume(Effect.void), millis)
      ;(timer as { unref?: () => void }).unref?.()
      return Effect.sync(() => clearTimeout(timer))
    })

/**
 * The watchdog: sleeps until the next deadline, and fails the pump when it has passed while the consumer
 * waits. It never sleeps past one idle period, since the first item may arrive meanwhile and switch the
 * deadline to the idle one. Time the consumer spends between pulls does not count (a busy consumer is not a
 * stalled server).
 */
export const watch = <A, E>(pump: Pump<A, E>, clock: Clock.Clock, deadlines: Deadlines): Effect.Effect<void> => {
  const firstMillis = Duration.toMillis(deadlines.first)
  const idleMillis = Duration.toMillis(deadlines.idle)
  const tick = (): Effect.Effect<void> => {
    if (pump.isClosed) return Effect.void
    const now = clock.unsafeCurrentTimeMillis()
    const seen = pump.decoder.seen
    const due = seen ? pump.lastActivity + idleMillis : deadlines.start + firstMillis
    if (now >= due && (pump.waiting || !seen)) {
      pump.expire(seen ? deadlines.onTimeout("idle", deadlines.idle) : deadlines.onTimeout("first-event", deadlines.first))
      return Effect.void
    }
    const delay = now >= due ? idleMillis : Math.min(due - now, idleMillis)
    return Effect.flatMap(guardSleep(clock, delay), tick)
  }
  return Effect.suspend(tick)
}

/**
 * Waits until the pump has items (and takes them), or has failed or finished. No canceller: with one, every
 * wait would pay for an interruption handler; an interrupted consumer's pump is closed by the finalizer of
 * the channel that owns it.
 */
export const ready = <A, E>(pump: Pump<A, E>): Effect.Effect<Array<A> | undefined> =>
  Effect.async<Array<A> | undefined>((resume) => pump.awaitResume(resume))

/**
 * Starts a pump on `source`: its watchdog runs from now until the pump closes. The caller closes the pump
 * (a scope finalizer, or a failed open).
 */
export const start = <A, E>(
  source: ByteSource,
  decoder: Decoder<A>,
  deadlines: Deadlines | undefined,
  bodyError: (cause: unknown) => E
): Effect.Effect<Pump<A, E>> =>
  Effect.clockWith((clock) => {
    const pump = new Pump(source, decoder, clock, bodyError)
    if (deadlines === undefined) return Effect.succeed(pump)
    // Forked from a stream being opened, which may be uninterruptible: the watchdog itself must stay interruptible.
    return Effect.map(Effect.forkDaemon(Effect.interruptible(watch(pump, clock, deadlines))), (fiber) => {
      pump.watchdog = fiber
      return pump
    })
  })

/**
 * Waits for the pump's first items (left in the pump), or its end; a failure before any item fails here and
 * closes the pump, so that the request can be retried. (An interruption is handled by the pump's owner.)
 */
export const awaitFirst = <A, E>(pump: Pump<A, E>): Effect.Effect<Pump<A, E>, OpenAIError.OpenAIError | E> => {
  const settle = (): Effect.Effect<Pump<A, E>, OpenAIError.OpenAIError | E> => {
    if (pump.decoder.out.length > 0 || pump.failure === undefined) return Effect.succeed(pump)
    pump.close()
    return Effect.fail(pump.failure)
  }
  return Effect.suspend(() =>
    pump.primed()
      ? settle()
      : Effect.flatMap(Effect.async<void>((resume) => pump.await(() => resume(Effect.void))), settle)
  )
}

/** A channel of a pump's items. */
export type PumpChannel<A, E> = Channel.Channel<Chunk.Chunk<A>, unknown, OpenAIError.OpenAIError | E, unknown, void, unknown>

/**
 * The pump's items as a plain channel loop, one write per delivery. `onFailure` runs before a failure is
 * passed on (for a log line).
 */
export const toChannel = <A, E>(
  pump: Pump<A, E>,
  onFailure?: (error: OpenAIError.OpenAIError | E) => Effect.Effect<void>
): PumpChannel<A, E> => {
  const emit = (items: Array<A> | undefined): PumpChannel<A, E> =>
    items === undefined ? loop : Channel.zipRight(Channel.write(Chunk.unsafeFromArray(items)), loop)
  // Built once: a channel is a description, run again at every wait.
  const waitThenEmit: PumpChannel<A, E> = Channel.flatMap(Channel.fromEffect(ready(pump)), emit)
  const loop: PumpChannel<A, E> = Channel.suspend(() => {
    const items = pump.poll()
    if (items !== undefined) return emit(items)
    const failure = pump.failure
    if (failure !== undefined) {
      return onFailure === undefined ? Channel.fail(failure) : Channel.zipRight(Channel.fromEffect(onFailure(failure)), Channel.fail(failure))
    }
    return pump.finished ? Channel.void : waitThenEmit
  })
  return loop
}
