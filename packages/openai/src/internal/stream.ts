/**
 * Streaming operations: a request whose body is read as events (or bytes) through a `Pump`. The request is
 * retried per policy until its first event arrives; after that a failure reaches the consumer.
 *
 * Each stream is one channel: `Stream.unwrap` and `Stream.unwrapScoped` would add a step per element for
 * every layer (they concatenate streams), while `Channel.unwrap` and `Channel.ensuring` cost nothing per
 * element.
 */
import * as Channel from "effect/Channel"
import type * as Chunk from "effect/Chunk"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Runtime from "effect/Runtime"
import * as Stream from "effect/Stream"
import * as Tracer from "effect/Tracer"
import { OpenAIConfig, type Settings } from "../OpenAIConfig.js"
import type * as OpenAIError from "../OpenAIError.js"
import type { RequestSpec, ResponseMeta, StreamTerminal } from "../OpenAIRequest.js"
import { type ByteSource, byteSource, EffectSource, WebSource } from "./body.js"
import * as InternalErrors from "./errors.js"
import { Bytes, type Decoder, JsonEvents, type Origin, RawEvents } from "./events.js"
import type { Prepared } from "./prepare.js"
import { awaitFirst, type Deadlines, Pump, type PumpChannel, start, toChannel } from "./pump.js"
import { Meta } from "./response.js"
import { withRetries } from "./retry.js"
import type { Engine, Sent } from "./send.js"
import type { SseEvent } from "./sse.js"
import { annotateResponse, logGaveUp, logRank, makeSpan, tracedChannel } from "./telemetry.js"
import { bound, headerLimit, streamLimits, timeoutError } from "./timeouts.js"

/** `Stream.unwrap` without its per-element step. */
export const unwrap = <A, E, R, E2, R2>(
  effect: Effect.Effect<Stream.Stream<A, E, R>, E2, R2>
): Stream.Stream<A, E | E2, R | R2> => Stream.fromChannel(Channel.unwrap(Effect.map(effect, Stream.toChannel)))

/**
 * A pump's items as a stream whose pump is opened by `open` and closed when the stream ends, however it ends.
 * `open` reports each pump it starts through `track`, before waiting on it, so that an interruption at any
 * point still closes it.
 */
const pumped = <A, E, E2>(
  open: (track: (pump: Pump<A, E>) => void) => Effect.Effect<Pump<A, E>, E2>,
  onFailure?: (error: OpenAIError.OpenAIError | E) => Effect.Effect<void>
): Channel.Channel<Chunk.Chunk<A>, unknown, OpenAIError.OpenAIError | E | E2, unknown, void, unknown> =>
  Channel.suspend(() => {
    let current: Pump<A, E> | undefined
    const opened = open((pump) => {
      current = pump
    })
    return Channel.ensuring(
      Channel.flatMap(Channel.fromEffect(opened), (pump): PumpChannel<A, E> => toChannel(pump, onFailure)),
      Effect.sync(() => current?.close())
    )
  })

const bodyError = (prepared: Prepared) => (cause: unknown): OpenAIError.OpenAIError =>
  InternalErrors.fromCause(cause, prepared.method, prepared.urlForErrors)

const originOf = (sent: Sent): Origin => ({
  status: sent.response.status,
  requestId: sent.headers["x-request-id"],
  redact: sent.redactor.text
})

const deadlinesOf = (prepared: Prepared, start: number, first: Duration.Duration, idle: Duration.Duration): Deadlines => ({
  start,
  first,
  idle,
  onTimeout: (phase, limit) => timeoutError(prepared, phase, limit)
})

const sourceOf = (sent: Sent): Effect.Effect<ByteSource> =>
  Effect.map(Effect.runtime<never>(), (runtime) => byteSource(sent.response, runtime))

/** A response body's bytes as a stream, each wait bounded by `idle`. */
export const bodyStream = (
  prepared: Prepared,
  sent: Sent,
  idle: Duration.Duration
): Stream.Stream<Uint8Array, OpenAIError.OpenAIError> =>
  Stream.fromChannel(pumped((track) =>
    Effect.clockWith((clock) =>
      Effect.flatMap(sourceOf(sent), (source) =>
        Effect.tap(
          start(source, new Bytes(), deadlinesOf(prepared, clock.unsafeCurrentTimeMillis(), idle, idle), bodyError(prepared)),
          track
        ))
    )
  ))

/**
 * Decodes a body the caller already has (a web body proxied from a server, a recording, any byte stream): the
 * decoder's rules apply, no time limits; a failure of a byte `Stream` passes through as it is, a failing web
 * body is `APIConnectionError`.
 */
export const decodeBytes = <A, E = never, R = never>(
  bytes: ReadableStream<Uint8Array> | Stream.Stream<Uint8Array, E, R>,
  decoder: () => Decoder<A>
): Stream.Stream<A, E | OpenAIError.OpenAIError, R> =>
  Stream.fromChannel(pumped<A, E | OpenAIError.OpenAIError, never>((track) =>
    Effect.flatMap(Effect.runtime<R>() as Effect.Effect<Runtime.Runtime<R>>, (runtime) => {
      const web = !(Stream.StreamTypeId in bytes)
      const source = web
        ? new WebSource(bytes as ReadableStream<Uint8Array>)
        : new EffectSource(bytes as Stream.Stream<Uint8Array, unknown>, runtime as Runtime.Runtime<never>)
      const bodyError = (cause: unknown): E | OpenAIError.OpenAIError =>
        web ? InternalErrors.fromCause(cause, "GET", "(a body being decoded)") : cause as E
      return Effect.tap(start(source, decoder(), undefined, bodyError), track)
    })
  )) as Stream.Stream<A, E | OpenAIError.OpenAIError, R>

/** The events of streaming operations, typed by their decoder. */
export const makeStreams = (engine: Engine) => {
  /** One attempt: headers within the header limit, then the body until its first item. */
  const open = <A>(
    prepared: Prepared,
    logLevel: number,
    settings: Settings,
    decoderOf: (origin: Origin, maxEventSize: number) => Decoder<A>,
    track: (pump: Pump<A>, meta: ResponseMeta) => void
  ): Effect.Effect<Pump<A>, OpenAIError.OpenAIError> =>
    Effect.clockWith((clock) => {
      const limits = streamLimits(prepared, settings)
      const started = clock.unsafeCurrentTimeMillis()
      const send = bound(engine.native, prepared, headerLimit(limits), (t) => engine.send(prepared, logLevel, t))
      return Effect.flatMap(send, (sent) => {
        const meta = new Meta(sent.response.status, sent.headers)
        return Effect.zipRight(
          annotateResponse(meta, undefined),
          Effect.flatMap(sourceOf(sent), (source) => {
            const decoder = decoderOf(originOf(sent), settings.maxEventSize)
            const deadlines = deadlinesOf(prepared, started, limits.first, limits.idle)
            return Effect.flatMap(
              Effect.tap(start(source, decoder, deadlines, bodyError(prepared)), (pump) => track(pump, meta)),
              awaitFirst
            )
          })
        )
      })
    })

  const events = <A>(
    spec: RequestSpec,
    decoderOf: (origin: Origin, maxEventSize: number) => Decoder<A>
  ): Stream.Stream<A, OpenAIError.OpenAIError> =>
    Stream.fromChannel(Channel.unwrap(Effect.map(engine.prepare(spec), (prepared) =>
      tracedChannel(
        prepared,
        spec,
        Channel.unwrap(Effect.map(OpenAIConfig, (settings) => {
          const logLevel = logRank[settings.logLevel]
          // Failures before the first event are logged by the retries; these came after it.
          const onFailure = logLevel >= logRank.warn
            ? (error: OpenAIError.OpenAIError) => logGaveUp(prepared, logLevel, error)
            : undefined
          return pumped(
            (track) => withRetries(prepared, logLevel, settings, open(prepared, logLevel, settings, decoderOf, track)),
            onFailure
          )
        }))
      ))))

  /**
   * A stream opened for a consumer outside Effect (the Promise facade): retried until its first item, then
   * handed over as an `Opened` the consumer polls. The span, when a tracer records one, ends when it closes.
   */
  const openPolled = <A>(
    spec: RequestSpec,
    decoderOf: (origin: Origin, maxEventSize: number) => Decoder<A>
  ): Effect.Effect<Opened<A>, OpenAIError.OpenAIError> =>
    Effect.flatMap(engine.prepare(spec), (prepared) =>
      Effect.flatMap(OpenAIConfig, (settings) =>
        Effect.flatMap(makeSpan(prepared, spec), (span) =>
          Effect.flatMap(Effect.zip(Effect.runtime<never>(), Effect.clock), ([runtime, clock]) => {
            const logLevel = logRank[settings.logLevel]
            const endSpan = (exit: Exit.Exit<unknown, unknown>) => span?.end(clock.unsafeCurrentTimeNanos(), exit)
            let current: Pump<A> | undefined
            let meta: ResponseMeta | undefined
            const attempt = open(prepared, logLevel, settings, decoderOf, (pump, m) => {
              current = pump
              meta = m
            })
            const retried = withRetries(prepared, logLevel, settings, attempt)
            const opened = span === undefined ? retried : Effect.provideService(retried, Tracer.ParentSpan, span)
            return Effect.map(
              Effect.onExit(opened, (exit) =>
                Exit.isSuccess(exit) ? Effect.void : Effect.sync(() => {
                  current?.close()
                  endSpan(exit)
                })),
              (pump) =>
                new Opened(pump, meta!, (failure) => {
                  endSpan(failure === undefined ? Exit.void : Exit.fail(failure))
                  if (failure !== undefined && logLevel >= logRank.warn) {
                    Runtime.runFork(runtime)(logGaveUp(prepared, logLevel, failure))
                  }
                })
            )
          }))))

  return {
    stream: <A>(
      spec: RequestSpec,
      terminal: StreamTerminal,
      options?: { readonly named?: boolean | undefined }
    ): Stream.Stream<A, OpenAIError.OpenAIError> =>
      events(spec, (origin, max) => new JsonEvents(terminal, origin, max, options?.named === true) as unknown as Decoder<A>),
    sse: (spec: RequestSpec): Stream.Stream<SseEvent, OpenAIError.OpenAIError> =>
      events(spec, (origin, max) => new RawEvents(origin, max)),
    open: <A>(spec: RequestSpec, decoding: Decoding): Effect.Effect<Opened<A>, OpenAIError.OpenAIError> =>
      openPolled(spec, (origin, max) => decoderFor(decoding, origin, max) as Decoder<A>)
  }
}

/**
 * A body the caller already has, opened for polling: the decoder's rules apply, no time limits, no retries. A
 * failure of the body is `APIConnectionError`.
 */
export const openBody = <A>(
  body: ReadableStream<Uint8Array>,
  decoding: Decoding,
  status = 200,
  headers: Readonly<Record<string, string>> = {}
): Opened<A> => {
  const meta = new Meta(status, headers)
  const origin: Origin = { status, requestId: meta.requestId, redact: (text) => text }
  const pump = new Pump<A>(
    new WebSource(body),
    decoderFor(decoding, origin, 64 * 1024 * 1024) as Decoder<A>,
    Effect.runSync(Effect.clock),
    (cause) => InternalErrors.fromCause(cause, "GET", "(a body being decoded)")
  )
  return new Opened(pump, meta, () => {})
}

/**
 * What an opened stream's items are: JSON events (ended as `terminal` says; with `named`, events whose SSE name
 * starts with `thread.` come as `{ event, data }`, as Assistants streams are read), raw events, or bytes.
 */
export type Decoding =
  | { readonly _tag: "Json"; readonly terminal: StreamTerminal; readonly named?: boolean | undefined }
  | { readonly _tag: "Sse" }
  | { readonly _tag: "Bytes" }

const decoderFor = (decoding: Decoding, origin: Origin, max: number): Decoder<unknown> => {
  switch (decoding._tag) {
    case "Json":
      return new JsonEvents(decoding.terminal, origin, max, decoding.named === true)
    case "Sse":
      return new RawEvents(origin, max)
    case "Bytes":
      return new Bytes()
  }
}

/**
 * A stream read by polling, for consumers outside Effect: `poll` takes the items ready now; when it gives none,
 * `failure` or `finished` say why, or `wait` calls back once there is more. `close` releases the connection
 * (it is called for you when the stream fails or finishes) and ends the operation's span.
 */
export class Opened<A> {
  private ended = false
  constructor(
    private readonly pump: Pump<A>,
    readonly response: ResponseMeta,
    private readonly onEnd: (failure: OpenAIError.OpenAIError | undefined) => void
  ) {}

  poll(): Array<A> | undefined {
    const items = this.pump.poll()
    if (items === undefined && (this.pump.failure !== undefined || this.pump.finished)) this.close()
    return items
  }

  get failure(): OpenAIError.OpenAIError | undefined {
    return this.pump.failure
  }

  get finished(): boolean {
    return this.pump.finished
  }

  wait(ready: () => void): void {
    this.pump.await(ready)
  }

  close(): void {
    if (this.ended) return
    this.ended = true
    this.pump.close()
    this.onEnd(this.pump.failure)
  }
}
