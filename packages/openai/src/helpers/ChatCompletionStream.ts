/**
 * What a streamed chat completion adds up to, over the chunks `Chat.Completions.createStream` gives (or any
 * stream of them, such as `OpenAIStream.chatCompletions` over a body you proxied): the final completion, the text
 * as it comes, and snapshots for interfaces that show the answer growing.
 *
 * ```ts
 * const stream = Chat.Completions.createStream({ model: "gpt-4o-mini", messages })
 * const completion = yield* ChatCompletionStream.finalCompletion(stream)
 * const text = ChatCompletionStream.content(stream)                  // Stream<string>, the deltas of choice 0
 * ```
 *
 * The final completion needs the whole stream: `[DONE]` (the stream fails with `StreamTruncatedError` without it)
 * and a `finish_reason` on every choice (`StreamTruncatedError` otherwise). A partial answer is never given as the
 * final one. Tool calls are joined by their index (their id, type and name from their first delta, their arguments
 * concatenated), logprobs concatenated, usage taken from the usage chunk. Chunks are read as data: only the fields
 * the completion has are taken, a key such as `__proto__` in a chunk is never a property name, and at most 128
 * choices and 128 tool calls per choice are accepted (more distinct indexes, or an index that is not a
 * non-negative integer, fail with `ResponseDecodeError`; a sparse index such as 10^9 is one entry, not an array).
 *
 * The work per chunk is a few field updates: no fiber, no effect and no object per chunk unless snapshots are
 * asked for ({@link accumulate}).
 *
 * @since 0.1.0
 */
import * as EffectChunk from "effect/Chunk"
import type * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import * as Stream from "effect/Stream"
import type * as OpenAIError from "../OpenAIError.js"
import type * as Types from "../generated/Types.js"
import { ChatAccumulator, maxChoices, maxToolCalls, type Snapshot } from "../internal/accumulate/chat.js"
import { runInto, through } from "../internal/accumulate/stream.js"

export type {
  /**
   * The audio of an assistant message as far as it has come.
   *
   * @since 0.1.0
   * @category models
   */
  AudioSnapshot,
  /**
   * A completion as far as its chunks have come: choices sorted by index, each message with the text, refusal,
   * tool calls (with their `index`) and logprobs received so far, `finish_reason` `null` until it finishes.
   *
   * @since 0.1.0
   * @category models
   */
  Snapshot,
  /**
   * A tool call as far as it has come; `id` is `""` until the server sends one.
   *
   * @since 0.1.0
   * @category models
   */
  ToolCallSnapshot
} from "../internal/accumulate/chat.js"

/**
 * One chunk of a streamed chat completion.
 *
 * @since 0.1.0
 * @category models
 */
export type Chunk = Types.CreateChatCompletionStreamResponse

/**
 * A chat completion, as `Chat.Completions.create` gives it.
 *
 * @since 0.1.0
 * @category models
 */
export type ChatCompletion = Types.CreateChatCompletionResponse

/**
 * What adding chunks up can fail with, beyond the stream's own errors: chunks that break the limits above
 * (`ResponseDecodeError`) and an answer that did not finish (`StreamTruncatedError`).
 *
 * @since 0.1.0
 * @category models
 */
export type AccumulateError = OpenAIError.ResponseDecodeError | OpenAIError.StreamTruncatedError

/**
 * A chunk with the completion as far as it has come, for interfaces.
 *
 * @since 0.1.0
 * @category models
 */
export interface Accumulated {
  readonly chunk: Chunk
  readonly snapshot: Snapshot
}

/**
 * The accumulator itself, for programs outside Effect that have chunks one at a time: `push` each, read `failure`
 * after any, `snapshot()` for the completion so far, `result()` at the end of the stream.
 *
 * @since 0.1.0
 * @category models
 */
export interface Accumulator {
  /** Why the chunks cannot add up to a completion; chunks after it are ignored. */
  readonly failure: OpenAIError.ResponseDecodeError | undefined
  /** Chunks taken so far. */
  readonly chunks: number
  push(chunk: Chunk): void
  /** A choice as far as it has come, by its index (read without building a snapshot: for events per chunk). */
  choice(index: number): ChoiceView | undefined
  /** The completion so far, a new object each call; `undefined` before the first chunk. */
  snapshot(): Snapshot | undefined
  /** The final completion, once the stream has ended. */
  result(): Either.Either<ChatCompletion, AccumulateError>
}

/**
 * A choice of an {@link Accumulator} as far as it has come. Its arrays are the accumulator's own: read them, do
 * not change them.
 *
 * @since 0.1.0
 * @category models
 */
export interface ChoiceView {
  readonly index: number
  readonly role: string | undefined
  /** The content so far: `null` until a content delta comes. */
  readonly content: string | null
  /** The refusal so far: `null` until a non-empty refusal delta comes. */
  readonly refusal: string | null
  /** The finish reason the chunks gave, `null` until one does. */
  readonly finishReason: string | null
  readonly logprobs: {
    readonly content: ReadonlyArray<Types.ChatCompletionTokenLogprob> | null
    readonly refusal: ReadonlyArray<Types.ChatCompletionTokenLogprob> | null
  } | null
  /** The legacy `function_call`, when the chunks had one. */
  readonly functionCall: { readonly name: string; readonly arguments: string } | undefined
  /** Its tool calls, sorted by index. */
  readonly toolCalls: ReadonlyArray<ToolCallView>
  toolCall(index: number): ToolCallView | undefined
}

/**
 * A tool call of a {@link ChoiceView} as far as it has come: `arguments` is a custom tool's input.
 *
 * @since 0.1.0
 * @category models
 */
export interface ToolCallView {
  readonly index: number
  /** `""` until the server sends it. */
  readonly id: string
  readonly type: "function" | "custom" | undefined
  readonly name: string
  readonly arguments: string
}

/**
 * A fresh accumulator.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeAccumulator = (): Accumulator => new ChatAccumulator()

/**
 * The most choices, and tool calls per choice, a stream may have.
 *
 * @since 0.1.0
 * @category constants
 */
export const limits: { readonly choices: number; readonly toolCalls: number } = { choices: maxChoices, toolCalls: maxToolCalls }

/**
 * The completion a stream of chunks adds up to, once it has ended.
 *
 * @since 0.1.0
 * @category accumulating
 */
export const finalCompletion = <E, R>(
  stream: Stream.Stream<Chunk, E, R>
): Effect.Effect<ChatCompletion, E | AccumulateError, R> => runInto(stream, makeAccumulator)

/**
 * The text of one choice (the first, index 0, unless told) as it comes: its content deltas, empty ones left out.
 * The stream's own failures pass through, so a stream cut short still fails at its end.
 *
 * @since 0.1.0
 * @category accumulating
 */
export const content = <E, R>(
  stream: Stream.Stream<Chunk, E, R>,
  options?: { readonly choice?: number | undefined }
): Stream.Stream<string, E, R> => {
  const wanted = options?.choice ?? 0
  return Stream.mapChunks(stream, (chunks) => {
    const out: Array<string> = []
    for (const chunk of chunks) {
      const choices = chunk.choices as unknown
      if (!Array.isArray(choices)) continue
      for (const choice of choices as Chunk["choices"]) {
        const text = choice?.index === wanted ? choice.delta?.content : undefined
        if (typeof text === "string" && text !== "") out.push(text)
      }
    }
    return out.length === 0 ? EffectChunk.empty() : EffectChunk.unsafeFromArray(out)
  })
}

/**
 * Each chunk with the completion as far as it has come (a new snapshot per chunk, sharing its strings: for
 * interfaces that render the answer growing). Fails with `ResponseDecodeError` when chunks break the limits; the
 * stream's own failures pass through.
 *
 * @since 0.1.0
 * @category accumulating
 */
export const accumulate = <E, R>(
  stream: Stream.Stream<Chunk, E, R>
): Stream.Stream<Accumulated, E | OpenAIError.ResponseDecodeError, R> =>
  through(stream, () => {
    const acc = new ChatAccumulator()
    return (chunks: ReadonlyArray<Chunk>, out: Array<Accumulated>) => {
      for (let i = 0; i < chunks.length; i++) {
        const chunk = chunks[i]!
        acc.push(chunk)
        if (acc.failure !== undefined) return acc.failure
        out.push({ chunk, snapshot: acc.snapshot()! })
      }
      return undefined
    }
  })
