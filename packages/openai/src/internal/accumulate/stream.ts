/**
 * Streams through an accumulator: one channel step per batch of events (the pump hands them over in batches),
 * never a fiber or an effect per event. Items made before a failure in the same batch are still delivered.
 */
import * as Channel from "effect/Channel"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Stream from "effect/Stream"

/**
 * `stream`'s items through `make()`'s step, made fresh for each run: the step pushes what it makes to `out` and
 * returns a failure to end the stream with, or `undefined` to go on.
 */
export const through = <A, B, F, E, R>(
  stream: Stream.Stream<A, E, R>,
  make: () => (items: ReadonlyArray<A>, out: Array<B>) => F | undefined
): Stream.Stream<B, E | F, R> =>
  Stream.pipeThroughChannel(
    stream,
    Channel.suspend(() => {
      const step = make()
      const loop: Channel.Channel<Chunk.Chunk<B>, Chunk.Chunk<A>, E | F, E, unknown, unknown> = Channel.readWithCause({
        onInput: (input: Chunk.Chunk<A>) => {
          const out: Array<B> = []
          const failure = step(Chunk.toReadonlyArray(input), out)
          const written = out.length === 0 ? Channel.void : Channel.write(Chunk.unsafeFromArray(out))
          return Channel.zipRight(written, failure === undefined ? loop : Channel.fail(failure))
        },
        onFailure: Channel.failCause,
        onDone: () => Channel.void
      })
      return loop
    })
  )

/** What {@link runInto} drives: an accumulator that takes items, may fail, and gives a result at the end. */
export interface Accumulates<A, B, F> {
  readonly failure: F | undefined
  push(item: A): unknown
  result(): Either.Either<B, F>
}

/** Runs `stream` into a fresh accumulator, stopping at its first failure; the result is read off it at the end. */
export const runInto = <A, B, F, E, R>(
  stream: Stream.Stream<A, E, R>,
  make: () => Accumulates<A, B, F>
): Effect.Effect<B, E | F, R> =>
  Effect.suspend(() => {
    const acc = make()
    return Effect.flatMap(
      Stream.runForEachChunk(stream, (chunk) => {
        const items = Chunk.toReadonlyArray(chunk)
        for (let i = 0; i < items.length; i++) acc.push(items[i]!)
        const failure = acc.failure
        return failure === undefined ? Effect.void : Effect.fail(failure)
      }),
      () => Either.match(acc.result(), { onLeft: Effect.fail, onRight: Effect.succeed })
    )
  })
