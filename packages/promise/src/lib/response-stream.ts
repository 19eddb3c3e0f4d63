/**
 * The official `ResponseStream` (`client.responses.stream(params)`): the events of a streamed response, emitted by
 * type and accumulated to the final response by the core's response accumulator
 * (`@effect-openai/openai/helpers/ResponseStream`), over the same request and stream machinery as
 * `create({ stream: true })`. `{ response_id, starting_after }` resumes a response being generated: its events are
 * replayed from the start (so that the final response is whole) and those up to `starting_after` are not emitted.
 *
 * For each event: `event`, then the event under its own type; `response.output_text.delta` and
 * `response.function_call_arguments.delta` carry a `snapshot` (the text, or the arguments, so far). Then `end`, or
 * `error` (`abort`) and `end`.
 *
 * `resume` (not in the official SDK) makes the stream survive dropped connections: with the create parameters it
 * starts the response with `background: true`, with `{ response_id }` it attaches to one; when a connection drops,
 * goes idle (the request's `timeout`) or ends early, it reconnects with `starting_after` the last event delivered,
 * and each event is emitted once, in order. It is the Effect API's `ResponseStream.resumable`, run on the client's
 * runtime; a refusal to stream the response again is `ResumeNotAvailableError` (a `BadRequestError`).
 *
 * `finalResponse()` is the terminal event's response (`completed`, `incomplete` or `failed`: read its `status`),
 * with `output_text`. Without a terminal event it rejects with `StreamTruncatedError`, also for a readable stream
 * that ends early (where the official class would resolve the partial response): a partial response is never
 * given as the final one.
 */
import { responsesCreate, responsesRetrieve } from "@effect-openai/openai/generated/Operations"
import type * as T from "@effect-openai/openai/generated/Types"
import * as CoreResponse from "@effect-openai/openai/helpers/ResponseStream"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as EffectStream from "effect/Stream"
import type { ClientCore } from "../core/client.js"
import { APIConnectionError, APIError, APIUserAbortError, OpenAIError } from "../core/error.js"
import { Stream } from "../core/streaming.js"
import type {
  ParsedResponse,
  ResponseCreateParamsBase,
  ResponseStreamEvent,
  ResponseTextConfig,
  Tool
} from "../generated/resources/responses/responses.js"
import { call, coreOptions } from "../internal/call.js"
import { fromCore, fromResumeNotAvailable } from "../internal/errors.js"
import type { RequestOptions } from "../internal/request-options.js"
import { type Iterated, iterate } from "./event-iterator.js"
import { type BaseEvents, EventStream } from "./event-stream.js"
import { maybeParseResponse } from "./parse.js"

/** An output-text delta with the text of its content part so far. */
export type ResponseTextDeltaEvent = T.ResponseTextDeltaEvent & { readonly snapshot: string }

/** A function-call arguments delta with the arguments so far. */
export type ResponseFunctionCallArgumentsDeltaEvent = T.ResponseFunctionCallArgumentsDeltaEvent & { readonly snapshot: string }

/** An event as the helper emits it: deltas with their snapshot. */
export type ParsedResponseStreamEvent =
  | Exclude<T.ResponseStreamEvent, T.ResponseTextDeltaEvent | T.ResponseFunctionCallArgumentsDeltaEvent>
  | ResponseTextDeltaEvent
  | ResponseFunctionCallArgumentsDeltaEvent

/** One reconnection of a resumed stream, before its wait. */
export interface ResponseStreamReconnect {
  readonly responseId: string
  /** The `starting_after` the next request sends: the last event delivered (`null` before any). */
  readonly startingAfter: number | null
  /** 1 for the first reconnection after events came, counting up while none come. */
  readonly attempt: number
  /** The wait before reconnecting, in milliseconds. */
  readonly delay: number
  /** What ended the connection: dropped, idle (`APIConnectionTimeoutError`) or ended early (`StreamTruncatedError`). */
  readonly error: APIConnectionError
}

/** How a resumed stream reconnects. */
export interface ResponseStreamResumeOptions {
  /** Reconnections in a row without an event in between (default 5); then the stream fails with the last error. */
  readonly maxReconnects?: number | undefined
  /** The first wait in milliseconds, doubling each time (default 200). */
  readonly initialDelay?: number | undefined
  /** The longest wait in milliseconds (default 5000). */
  readonly maxDelay?: number | undefined
  /** Called for each reconnection, before its wait. */
  readonly onReconnect?: ((reconnect: ResponseStreamReconnect) => void) | undefined
}

/** `resume: true` (the default reconnection settings) or the settings. */
export type ResponseStreamResume = boolean | ResponseStreamResumeOptions

/**
 * The parameters of `responses.create`, streaming implied; with `resume`, the response is created with
 * `background: true` and the stream reconnects when its connection drops.
 */
export type ResponseCreateAndStreamParams = Omit<ResponseCreateParamsBase, "stream"> & {
  readonly stream?: true
  readonly resume?: ResponseStreamResume | undefined
}

/**
 * Resuming a response: its events from the start, those up to `starting_after` not emitted; with `resume`, the
 * stream also reconnects when its connection drops.
 */
export interface ResponseStreamByIdParams {
  readonly response_id: string
  readonly starting_after?: number | undefined
  readonly text?: ResponseTextConfig | undefined
  /** The tools of the original request, for parsing their calls. */
  readonly tools?: ReadonlyArray<Tool> | undefined
  readonly resume?: ResponseStreamResume | undefined
}

export type ResponseStreamParams = ResponseCreateAndStreamParams | ResponseStreamByIdParams

/** The parameters the stream keeps, to parse structured output and tool arguments. */
export type ResponseStreamingParams = Omit<ResponseCreateParamsBase, "stream"> & { readonly stream?: true }

type KnownEvent = T.ResponseStreamEvent

/** Listeners by event type. */
export type ResponseEvents =
  & BaseEvents
  & Omit<
    { [K in KnownEvent["type"]]: (event: Extract<KnownEvent, { readonly type: K }>) => void },
    "response.output_text.delta" | "response.function_call_arguments.delta" | "error"
  >
  & {
    /** Every event (that passes `starting_after`). */
    event: (event: ResponseStreamEvent) => void
    "response.output_text.delta": (event: ResponseTextDeltaEvent) => void
    "response.function_call_arguments.delta": (event: ResponseFunctionCallArgumentsDeltaEvent) => void
  }

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null

export class ResponseStream<ParsedT = null> extends EventStream<ResponseEvents>
  implements AsyncIterable<ResponseStreamEvent>
{
  #params: ResponseStreamingParams | null
  #acc: CoreResponse.Accumulator | undefined = undefined
  #final: ParsedResponse<ParsedT> | undefined = undefined
  /** Event types someone listened for: only their delta payloads (with a snapshot) are built. */
  readonly #wanted = new Set<PropertyKey>()
  readonly #sinks: Array<(event: ResponseStreamEvent) => void> = []

  constructor(params: ResponseStreamingParams | null) {
    super()
    this.#params = params
  }

  /** Starts a streamed response, or resumes one by its id; what `client.responses.stream` returns. */
  static createResponse<ParsedT>(client: ClientCore, params: ResponseStreamParams, options?: RequestOptions): ResponseStream<ParsedT> {
    // resuming, the text format and tools to parse by are given with the id
    const parsing = "response_id" in params ? { text: params.text, tools: params.tools } as ResponseStreamingParams : params
    const runner = new ResponseStream<ParsedT>(parsing)
    runner._run(() => runner._createOrRetrieveResponse(client, params, options))
    return runner
  }

  /** Reads a stream `toReadableStream()` made (in another process, a browser), as if it were streamed here. */
  static fromReadableStream(stream: ReadableStream): ResponseStream<null> {
    const runner = new ResponseStream(null)
    runner._run(() => runner._fromReadableStream(stream))
    return runner
  }

  override on<E extends keyof ResponseEvents>(event: E, listener: ResponseEvents[E]): this {
    this.#wanted.add(event)
    return super.on(event, listener)
  }

  override once<E extends keyof ResponseEvents>(event: E, listener: ResponseEvents[E]): this {
    this.#wanted.add(event)
    return super.once(event, listener)
  }

  protected async _createOrRetrieveResponse(
    client: ClientCore,
    params: ResponseStreamParams,
    options?: RequestOptions
  ): Promise<ParsedResponse<ParsedT>> {
    this._listenForAbort(options?.signal)
    this.#acc = CoreResponse.makeAccumulator()
    if (params.resume !== undefined && params.resume !== false) {
      return this.#resumed(client, params, params.resume === true ? {} : params.resume, options)
    }
    const signal = { ...options, signal: this.controller.signal }
    let stream: Stream<ResponseStreamEvent>
    let startingAfter: number | undefined
    if ("response_id" in params) {
      stream = await call(client, responsesRetrieve, params.response_id, { stream: true }, signal)
      startingAfter = params.starting_after ?? undefined
    } else {
      const { resume: _resume, ...body } = params
      stream = await call(client, responsesCreate, undefined, { ...body, stream: true }, signal)
    }
    this._connected()
    for await (const event of stream) this.#addEvent(event, startingAfter)
    if (this.controller.signal.aborted) throw new APIUserAbortError()
    return this.#endRequest()
  }

  /** The core's resumable stream, run on the client's runtime; its events go where a connection's would. */
  async #resumed(
    client: ClientCore,
    params: ResponseStreamParams,
    resume: ResponseStreamResumeOptions,
    options: RequestOptions | undefined
  ): Promise<ParsedResponse<ParsedT>> {
    let from: CoreResponse.ResumableParams | CoreResponse.ResumeFrom
    let startingAfter: number | undefined
    if ("response_id" in params) {
      // from the start, as without `resume`, so that the final response is whole
      from = { responseId: params.response_id }
      startingAfter = params.starting_after ?? undefined
    } else {
      const { resume: _resume, stream: _stream, ...body } = params
      from = body as unknown as CoreResponse.ResumableParams
    }
    const notify = resume.onReconnect
    const events = CoreResponse.resumable(from, {
      ...coreOptions(options),
      reconnect: CoreResponse.reconnectSchedule({
        maxReconnects: resume.maxReconnects,
        initialDelay: resume.initialDelay === undefined ? undefined : Duration.millis(resume.initialDelay),
        maxDelay: resume.maxDelay === undefined ? undefined : Duration.millis(resume.maxDelay)
      }),
      onReconnect: notify === undefined ? undefined : (reconnect) =>
        Effect.sync(() =>
          notify({
            responseId: reconnect.responseId,
            startingAfter: reconnect.startingAfter ?? null,
            attempt: reconnect.attempt,
            delay: Duration.toMillis(reconnect.delay),
            error: fromCore(reconnect.error) as APIConnectionError
          })
        )
    })
    let connected = false
    const run = EffectStream.runForEachChunk(events, (chunk) =>
      Effect.sync(() => {
        if (!connected) {
          connected = true
          this._connected()
        }
        for (const event of chunk) this.#addEvent(event as ResponseStreamEvent, startingAfter)
      })).pipe(Effect.catchTag("ResumeNotAvailableError", (error) => Effect.die(fromResumeNotAvailable(error))))
    await new Promise<void>((resolve, reject) =>
      client._runtime.run(run, { signal: this.controller.signal, fetchOptions: options?.fetchOptions }, resolve, reject)
    )
    if (this.controller.signal.aborted) throw new APIUserAbortError()
    return this.#endRequest()
  }

  protected async _fromReadableStream(readable: ReadableStream, options?: RequestOptions): Promise<ParsedResponse<ParsedT>> {
    this._listenForAbort(options?.signal)
    this.#acc = CoreResponse.makeAccumulator()
    this._connected()
    const stream = Stream.fromReadableStream<ResponseStreamEvent>(readable, this.controller)
    for await (const event of stream) this.#addEvent(event, undefined)
    if (this.controller.signal.aborted) throw new APIUserAbortError()
    return this.#endRequest()
  }

  #addEvent(event: ResponseStreamEvent, startingAfter: number | undefined): void {
    if (this.ended) return
    if (isObject(event) && (event.type as string) === "error") {
      const record = event as Record<string, unknown>
      const error = isObject(record.error) ? record.error : record
      throw new APIError(undefined, error, typeof record.message === "string" ? record.message : undefined, undefined)
    }
    const acc = this.#acc!
    const snapshot = acc.push(event)
    if (acc.failure !== undefined) throw fromCore(acc.failure)
    if (startingAfter !== undefined && !((event as { sequence_number?: number }).sequence_number! > startingAfter)) return
    for (let i = 0; i < this.#sinks.length; i++) this.#sinks[i]!(event)
    this._emit("event", event)
    const type = event.type
    if (type === "response.output_text.delta" || type === "response.function_call_arguments.delta") {
      // the delta events are emitted with their snapshot when the item is what they say (a message's text, a call)
      if (snapshot !== undefined && this.#wanted.has(type)) this._emit(type, { ...event, snapshot } as never)
    } else if ((type as string) !== "error") {
      this._emit(type as Exclude<KnownEvent["type"], "error">, event as never)
    }
  }

  #endRequest(): ParsedResponse<ParsedT> {
    const acc = this.#acc
    if (acc === undefined) throw new OpenAIError("request ended without sending any events")
    this.#acc = undefined
    const result = acc.result()
    if (result._tag === "Left") throw fromCore(result.left)
    // structured outputs (`lib/parse.ts`): `output_parsed`, `parsed` and `parsed_arguments` by the params
    return this.#final = maybeParseResponse<ParsedT>(result.right, this.#params)
  }

  /** The events, as they come; leaving the loop early aborts the request. */
  [Symbol.asyncIterator](): AsyncIterator<ResponseStreamEvent> {
    return iterate<ResponseStreamEvent>(this as unknown as Iterated, (push) => {
      this.#sinks.push(push)
      return () => {
        const at = this.#sinks.indexOf(push)
        if (at >= 0) this.#sinks.splice(at, 1)
      }
    })
  }

  /** The events as newline-delimited JSON, for `ResponseStream.fromReadableStream` on the other side. */
  toReadableStream(): ReadableStream {
    return new Stream(() => this[Symbol.asyncIterator](), this.controller).toReadableStream()
  }

  /**
   * The final response, once the stream has ended (`incomplete` and `failed` responses too: read `status`); rejects
   * with what ended the stream otherwise.
   */
  async finalResponse(): Promise<ParsedResponse<ParsedT>> {
    await this.done()
    const response = this.#final
    if (response === undefined) throw new OpenAIError("stream ended without producing a Response")
    return response
  }
}

/** `client.responses.stream(body, options)`. */
export const streamResponse = <ParsedT = null>(
  client: ClientCore,
  body: ResponseStreamParams,
  options?: RequestOptions
): ResponseStream<ParsedT> => ResponseStream.createResponse<ParsedT>(client, body, options)
