/**
 * Decoding a stream you already have: a server-sent events body that your server proxied to a browser, a
 * recording, any byte stream, turned into the same typed events the streaming operations give, with the same
 * rules (error events fail with `StreamError`, a body that ends before its terminal event fails with
 * `StreamTruncatedError`, unknown event types pass through).
 *
 * ```ts
 * const text = OpenAIStream.responses(await fetch("/api/answer")).pipe(
 *   Stream.filterMap((e) => e.type === "response.output_text.delta" ? Option.some(e.delta) : Option.none())
 * )
 * ```
 *
 * @since 0.1.0
 */
import * as Stream from "effect/Stream"
import type * as OpenAIError from "./OpenAIError.js"
import type { StreamTerminal } from "./OpenAIRequest.js"
import { knownEventTypes } from "./generated/EventTypes.js"
import type * as Types from "./generated/Types.js"
import { JsonEvents, RawEvents } from "./internal/events.js"
import type { SseEvent } from "./internal/sse.js"
import { decodeBytes, type Decoding, type Opened, openBody } from "./internal/stream.js"

/**
 * A body to decode: a web `Response` (its body is read), a web `ReadableStream`, or a `Stream` of bytes (whose
 * failure passes through as it is).
 *
 * @since 0.1.0
 * @category models
 */
export type Body<E = never, R = never> = Response | ReadableStream<Uint8Array> | Stream.Stream<Uint8Array, E, R>

/**
 * What decoding can fail with: a body that breaks off is `APIConnectionError`, data that cannot be read is
 * `ResponseDecodeError`, and the stream rules add `StreamError` and `StreamTruncatedError`.
 *
 * @since 0.1.0
 * @category models
 */
export type DecodeError = OpenAIError.APIConnectionError | OpenAIError.ResponseDecodeError | OpenAIError.StreamFailure

/**
 * Options of the decoders.
 *
 * @since 0.1.0
 * @category models
 */
export interface DecodeOptions {
  /** Largest event accepted, in characters (default 64 Mi). */
  readonly maxEventSize?: number | undefined
}

const origin = { status: 200, requestId: undefined, redact: (text: string) => text }

const bytesOf = <E, R>(body: Body<E, R>): ReadableStream<Uint8Array> | Stream.Stream<Uint8Array, E, R> => {
  if (typeof Response !== "undefined" && body instanceof Response) {
    return body.body ?? Stream.empty
  }
  return body as ReadableStream<Uint8Array> | Stream.Stream<Uint8Array, E, R>
}

const maxOf = (options: DecodeOptions | undefined): number => options?.maxEventSize ?? 64 * 1024 * 1024

/**
 * OpenAI's JSON events from a body, ending as `terminal` says: `"done"` needs `[DONE]` (Chat Completions), a set of
 * event types needs one of them (Responses), `"eof"` accepts the end of the body.
 *
 * @since 0.1.0
 * @category decoding
 */
export const json = <A = unknown, E = never, R = never>(
  body: Body<E, R>,
  terminal: StreamTerminal,
  options?: DecodeOptions
): Stream.Stream<A, E | DecodeError, R> =>
  decodeBytes(bytesOf(body), () => new JsonEvents(terminal, origin, maxOf(options))) as Stream.Stream<A, E | DecodeError, R>

/**
 * The events of a streamed chat completion (`Chat.Completions.createStream`'s), from a body.
 *
 * @since 0.1.0
 * @category decoding
 */
export const chatCompletions = <E = never, R = never>(
  body: Body<E, R>,
  options?: DecodeOptions
): Stream.Stream<Types.CreateChatCompletionStreamResponse, E | DecodeError, R> => json(body, "done", options)

const responseTerminals: ReadonlySet<string> = new Set(["response.completed", "response.incomplete", "response.failed"])

/**
 * The events of a streamed response (`Responses.createStream`'s), from a body.
 *
 * @since 0.1.0
 * @category decoding
 */
export const responses = <E = never, R = never>(
  body: Body<E, R>,
  options?: DecodeOptions
): Stream.Stream<Types.CreateResponseStreamEvent, E | DecodeError, R> => json(body, responseTerminals, options)

/**
 * Raw server-sent events (`event`, `data`, `id`, `retry`; comments dropped), without OpenAI's rules.
 *
 * @since 0.1.0
 * @category decoding
 */
export const sse = <E = never, R = never>(
  body: Body<E, R>,
  options?: DecodeOptions
): Stream.Stream<SseEvent, E | OpenAIError.APIConnectionError | OpenAIError.ResponseDecodeError, R> =>
  decodeBytes(bytesOf(body), () => new RawEvents(origin, maxOf(options))) as Stream.Stream<
    SseEvent,
    E | OpenAIError.APIConnectionError | OpenAIError.ResponseDecodeError,
    R
  >

/**
 * Whether a stream event is of a type this version of the library does not know (a newer API sent it). Its
 * `type` (a named event's `event`, in Assistants runs) is then a plain string at run time, to compare as such.
 *
 * @since 0.1.0
 * @category guards
 */
export const isUnknownEvent = <Event extends { readonly type: string } | { readonly event: string }>(
  event: Event
): event is Extract<Event, Types.UnknownStreamEvent | Types.UnknownNamedStreamEvent> =>
  !knownEventTypes.has("type" in event ? event.type : event.event)

/**
 * A body you already have, opened for polling outside Effect (as `OpenAIClient`'s `open` gives streams): the
 * decoder's rules apply, no time limits. `decoding` says what the items are.
 *
 * @since 0.1.0
 * @category decoding
 */
export const open: <A = unknown>(
  body: ReadableStream<Uint8Array>,
  decoding: Decoding,
  status?: number,
  headers?: Readonly<Record<string, string>>
) => Opened<A> = openBody
