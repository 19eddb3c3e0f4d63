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
 * @since 0.1.0
 */
import * as EffectChunk from "effect/Chunk"
import type * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import * as Stream from "effect/Stream"
import type * as OpenAIError from "../OpenAIError.js"
import type * as Types from "../generated/Types.js"
import { ResponseAccumulator } from "../internal/accumulate/response.js"
import { runInto, through } from "../internal/accumulate/stream.js"

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
