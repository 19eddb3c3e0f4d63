/**
 * What a streamed response adds up to, over the events `Responses.createStream` (or `Responses.retrieveStream`,
 * to resume one) gives: the final response, the text as it comes, snapshots for interfaces, and event filters.
 *
 * ```ts
 * const stream = Responses.createStream({ model: "gpt-4o-mini", input: "Hi" })
 * const response = yield* ResponseStream.finalResponse(stream)      // with output_text, as Responses.create
 * const text = ResponseStream.text(stream)                          // Stream<string>
 * const calls = stream.pipe(ResponseStream.ofType("response.function_call_arguments.done"))
 * ```
 *
 * The final response is the terminal event's (`response.completed`, `response.incomplete` or `response.failed`:
 * a failed or incomplete response is a response, read its `status`), with the accumulated output when that event
 * carries none, and `output_text` computed as `Responses.create` computes it. Without a terminal event the stream
 * fails with `StreamTruncatedError`: a partial response is never given as the final one. Unknown events and
 * keepalives are passed over. Events are read as data: only known fields are taken, under fixed keys.
 *
 * A background response survives a dropped connection; `resumable` gives its events as one stream that reconnects
 * when the connection drops or goes idle, asking for the events after the last one delivered:
 *
 * ```ts
 * const events = ResponseStream.resumable({ model: "o3", input: "Write a long report" }) // background: true
 * const report = yield* ResponseStream.finalResponse(events)
 * const again = ResponseStream.resumable({ responseId: "resp_123", startingAfter: 41 }) // attach to one
 * ```
 *
 * @since 0.1.0
 */
import * as EffectChunk from "effect/Chunk"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import type { OpenAIClient } from "../OpenAIClient.js"
import type * as OpenAIError from "../OpenAIError.js"
import type * as OpenAIRequest from "../OpenAIRequest.js"
import type * as Types from "../generated/Types.js"
import { ResponseAccumulator } from "../internal/accumulate/response.js"
import { runInto, through } from "../internal/accumulate/stream.js"
import * as Resume from "../internal/resume.js"

/**
 * An event of a streamed response (known or not).
 *
 * @since 0.1.0
 * @category models
 */
export type Event = Types.CreateResponseStreamEvent

/**
 * The known events, to narrow by `type`.
 *
 * @since 0.1.0
 * @category models
 */
export type KnownEvent = Types.ResponseStreamEvent

/**
 * What adding events up can fail with, beyond the stream's own errors.
 *
 * @since 0.1.0
 * @category models
 */
export type AccumulateError = OpenAIError.StreamError | OpenAIError.StreamTruncatedError

/**
 * An event with the response as far as it has come, for interfaces.
 *
 * @since 0.1.0
 * @category models
 */
export interface Accumulated {
  readonly event: Event
  readonly snapshot: Types.Response | undefined
}

/**
 * The accumulator itself, for programs outside Effect: `push` each event (a text delta gives back the text of its
 * part so far), `snapshot()` for the response so far, `result()` at the end of the stream.
 *
 * @since 0.1.0
 * @category models
 */
export interface Accumulator {
  readonly failure: OpenAIError.StreamError | undefined
  /** Whether the terminal event has come. */
  readonly finished: boolean
  push(event: Event): string | undefined
  snapshot(): Types.Response | undefined
  result(): Either.Either<Types.Response, AccumulateError>
}

/**
 * A fresh accumulator.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeAccumulator = (): Accumulator => new ResponseAccumulator()

/**
 * The response a stream of events adds up to, once it has ended.
 *
 * @since 0.1.0
 * @category accumulating
 */
export const finalResponse = <E, R>(
  stream: Stream.Stream<Event, E, R>
): Effect.Effect<Types.Response, E | AccumulateError, R> => runInto(stream, makeAccumulator)

/**
 * The output text as it comes: the deltas of `response.output_text.delta`, empty ones left out.
 *
 * @since 0.1.0
 * @category accumulating
 */
export const text = <E, R>(stream: Stream.Stream<Event, E, R>): Stream.Stream<string, E, R> =>
  Stream.mapChunks(stream, (events) => {
    const out: Array<string> = []
    for (const event of events) {
      if (event.type === "response.output_text.delta" && typeof event.delta === "string" && event.delta !== "") {
        out.push(event.delta)
      }
    }
    return out.length === 0 ? EffectChunk.empty() : EffectChunk.unsafeFromArray(out)
  })

/**
 * Each event with the response as far as it has come (a new snapshot per event: for interfaces that render it
 * growing). An `error` event that reaches it fails the stream with `StreamError`.
 *
 * @since 0.1.0
 * @category accumulating
 */
export const accumulate = <E, R>(
  stream: Stream.Stream<Event, E, R>
): Stream.Stream<Accumulated, E | OpenAIError.StreamError, R> =>
  through(stream, () => {
    const acc = new ResponseAccumulator()
    return (events: ReadonlyArray<Event>, out: Array<Accumulated>) => {
      for (let i = 0; i < events.length; i++) {
        const event = events[i]!
        acc.push(event)
        if (acc.failure !== undefined) return acc.failure
        out.push({ event, snapshot: acc.snapshot() })
      }
      return undefined
    }
  })

/**
 * The events of the given types, narrowed to them.
 *
 * ```ts
 * stream.pipe(ResponseStream.ofType("response.output_item.done", "response.completed"))
 * ```
 *
 * @since 0.1.0
 * @category filtering
 */
export const ofType: {
  <T extends KnownEvent["type"]>(
    ...types: readonly [T, ...Array<T>]
  ): <E, R>(stream: Stream.Stream<Event, E, R>) => Stream.Stream<Extract<KnownEvent, { readonly type: T }>, E, R>
} = <T extends KnownEvent["type"]>(...types: readonly [T, ...Array<T>]) => {
  const wanted: ReadonlySet<string> = new Set(types)
  return <E, R>(stream: Stream.Stream<Event, E, R>) =>
    Stream.filter(stream, (event): event is Extract<KnownEvent, { readonly type: T }> => wanted.has(event.type))
}

/**
 * What ends a connection of a resumable stream in a way a new connection can pick up after: the connection dropped
 * (`APIConnectionError`), no event came in time (`APIConnectionTimeoutError`, phase `idle` or `first-event`), or the
 * body ended before the terminal event (`StreamTruncatedError`). The reconnect schedule's input.
 *
 * @since 0.1.0
 * @category resuming
 */
export type Disconnection = Resume.Disconnection

/**
 * What a resumable stream can fail with: the errors of any streamed request, and `ResumeNotAvailableError` when the
 * API refuses to stream the response again.
 *
 * @since 0.1.0
 * @category resuming
 */
export type ResumableError = Resume.ResumableError

/**
 * An existing response to attach to: its events after `startingAfter` (a `sequence_number`), or all of them.
 * `include` is sent with every request, as `Responses.retrieve` takes it.
 *
 * @since 0.1.0
 * @category resuming
 */
export interface ResumeFrom {
  readonly responseId: string
  readonly startingAfter?: number | undefined
  readonly include?: ReadonlyArray<Types.IncludeEnum> | undefined
}

/**
 * The parameters of a new response to stream resumably: those of `Responses.createStream`. `background: true` is
 * sent whatever `background` says (a response that is not in the background ends with its connection).
 *
 * @since 0.1.0
 * @category resuming
 */
export type ResumableParams = Omit<Types.CreateResponseParams, "stream">

/**
 * One reconnection, as `onReconnect` is told before its wait: the connection `error` that ended the previous one,
 * the `attempt` (1 for the first reconnection after events came, counting up while none come), the `delay` the
 * schedule chose, and the `startingAfter` the next request sends (`undefined` when nothing was delivered yet).
 *
 * @since 0.1.0
 * @category resuming
 */
export type Reconnect = Resume.Reconnect

/**
 * Options of a resumable stream: those of every request it makes (`streamIdleTimeout` is how long a silent
 * connection is kept before reconnecting; `maxRetries` and the retry schedule apply to each request until its
 * first event), and its own.
 *
 * @since 0.1.0
 * @category resuming
 */
export interface ResumableOptions extends OpenAIRequest.RequestOptions {
  /**
   * When to reconnect, and after how long; its input is the {@link Disconnection}. It restarts once a connection has
   * delivered an event, so it bounds reconnections in a row without progress. Default {@link reconnectSchedule}().
   */
  readonly reconnect?: Schedule.Schedule<unknown, Disconnection> | undefined
  /** Called for each reconnection, before its wait (the client also logs it at its `info` level). */
  readonly onReconnect?: ((reconnect: Reconnect) => Effect.Effect<void>) | undefined
}

/**
 * Options of {@link reconnectSchedule}.
 *
 * @since 0.1.0
 * @category resuming
 */
export interface ReconnectScheduleOptions {
  /** Reconnections in a row without an event in between. Default 5. */
  readonly maxReconnects?: number | undefined
  /** The first delay; it doubles each time. Default 200 ms. */
  readonly initialDelay?: Duration.DurationInput | undefined
  /** The longest delay. Default 5 s. */
  readonly maxDelay?: Duration.DurationInput | undefined
}

/**
 * The default reconnect schedule: a few quick reconnections, the delay doubling from `initialDelay` up to
 * `maxDelay`, each scaled by a random factor in 0.75..1, at most `maxReconnects` in a row.
 *
 * @since 0.1.0
 * @category resuming
 */
export const reconnectSchedule = (options: ReconnectScheduleOptions = {}): Schedule.Schedule<unknown, Disconnection> =>
  Schedule.exponential(options.initialDelay ?? "200 millis", 2).pipe(
    Schedule.union(Schedule.spaced(options.maxDelay ?? "5 seconds")),
    Schedule.jitteredWith({ min: 0.75, max: 1 }),
    Schedule.intersect(Schedule.recurs(options.maxReconnects ?? 5))
  )

/** Built on first use, so that a bundle without `resumable` leaves it out. */
let defaultSchedule: Schedule.Schedule<unknown, Disconnection> | undefined

/**
 * The events of a background response as one stream that survives dropped connections. Given parameters, it
 * starts the response with `background: true`; given `{ responseId, startingAfter? }`, it attaches to an existing
 * one. When a connection drops, goes idle or ends early (a {@link Disconnection}), it waits as `reconnect` says and
 * asks `GET /responses/{id}?stream=true&starting_after=<last>`, for as long as the schedule allows; events are
 * delivered once each, in order (repeats are dropped by `sequence_number`), until the terminal event
 * (`response.completed`, `response.incomplete` or `response.failed`). An `error` event fails it with `StreamError`.
 *
 * - A drop before the response id is known (no event yet) cannot be resumed: the stream fails with it.
 * - The API refuses to stream a response not created with `background: true`, or too old: that 400 is
 *   `ResumeNotAvailableError` (a 400 naming another parameter, such as `include`, stays `BadRequestError`).
 * - A schedule that runs out fails the stream with the last connection error.
 * - Interrupting the consumer stops reconnecting and closes the connection; the response goes on in the background
 *   (`Responses.cancel(responseId)` stops it).
 *
 * @since 0.1.0
 * @category resuming
 */
export const resumable = (
  from: ResumableParams | ResumeFrom,
  options: ResumableOptions = {}
): Stream.Stream<Event, ResumableError, OpenAIClient> => {
  const { onReconnect, reconnect, ...request } = options
  const source: Resume.Source = "responseId" in from && typeof from.responseId === "string"
    ? { _tag: "Attach", responseId: from.responseId, startingAfter: from.startingAfter, include: from.include }
    : { _tag: "Create", params: from as ResumableParams }
  const schedule = reconnect ?? (defaultSchedule ??= reconnectSchedule())
  return Resume.resumable(source, { schedule, onReconnect, request })
}
