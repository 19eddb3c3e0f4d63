/**
 * What a stream's bytes become: OpenAI's JSON events (with their rules for the end of a stream and for error
 * events), raw server-sent events, or the bytes themselves. Each is a `Decoder` the stream pump feeds.
 */
import { isRecord } from "effect/Predicate"
import * as OpenAIError from "../OpenAIError.js"
import type { StreamTerminal } from "../OpenAIRequest.js"
import * as InternalErrors from "./errors.js"
import { invalidJson } from "./response.js"
import { guard, SseDecoder, type SseEvent, type SseHandler } from "./sse.js"

/** Turns body bytes into items; failures and the end of the stream are read off its fields. */
export interface Decoder<A> {
  /** Items decoded and not yet taken. */
  out: Array<A>
  /** The data says the stream failed; items decoded before the failure are still delivered. */
  readonly failure: OpenAIError.OpenAIError | undefined
  /** The stream reached its terminal event: nothing more is read. */
  readonly done: boolean
  /** An item has been decoded: the first-event deadline no longer applies. */
  readonly seen: boolean
  push(bytes: Uint8Array): void
  /** The body ended. */
  end(): void
}

/** Where a stream's data came from, for its errors. */
export interface Origin {
  readonly status: number
  readonly requestId: string | undefined
  readonly redact: (text: string) => string
}

const requestSuffix = (origin: Origin): string => (origin.requestId === undefined ? "" : ` (request ${origin.requestId})`)

/** Shared by the two SSE decoders: the size limit becomes `ResponseDecodeError`. */
abstract class SseBase<A> implements Decoder<A>, SseHandler {
  out: Array<A> = []
  failure: OpenAIError.OpenAIError | undefined = undefined
  done = false
  seen = false
  private readonly sse: SseDecoder

  constructor(readonly origin: Origin, maxEventSize: number) {
    this.sse = new SseDecoder(this, maxEventSize)
  }

  abstract event(type: string | undefined, data: string, id: string | undefined, retry: number | undefined): void

  comment(): void {}

  protected fail(error: OpenAIError.OpenAIError): void {
    if (this.failure === undefined) this.failure = error
  }

  private tooLarge(limit: number): OpenAIError.ResponseDecodeError {
    return new OpenAIError.ResponseDecodeError({
      message: `a stream event exceeded the limit of ${limit} characters${requestSuffix(this.origin)}`,
      status: this.origin.status,
      requestId: this.origin.requestId,
      body: ""
    })
  }

  push(bytes: Uint8Array): void {
    const error = guard(() => this.sse.push(bytes))
    if (error !== undefined) this.fail(this.tooLarge(error.limit))
  }

  end(): void {
    const error = guard(() => this.sse.end())
    if (error !== undefined) this.fail(this.tooLarge(error.limit))
    this.ended()
  }

  protected ended(): void {}
}

/**
 * OpenAI's JSON events: `[DONE]` ends the stream, error events (flat, nested, or named `error`) fail it with
 * `StreamError`, invalid JSON is `ResponseDecodeError`, and a body that ends before the terminal event is
 * `StreamTruncatedError`. Nothing after a failure is delivered.
 */
export class JsonEvents extends SseBase<unknown> {
  private terminalSeen: boolean
  private count = 0
  private lastType: string | undefined = undefined

  constructor(
    readonly terminal: StreamTerminal,
    origin: Origin,
    maxEventSize: number,
    /** Events whose SSE name starts with `thread.` come as `{ event, data }` (how Assistants streams are read). */
    private readonly named = false
  ) {
    super(origin, maxEventSize)
    this.terminalSeen = terminal === "eof"
  }

  event(type: string | undefined, data: string): void {
    if (this.failure !== undefined || this.done) return
    this.seen = true
    if (data.startsWith("[DONE]")) {
      this.done = true
      this.terminalSeen = true
      return
    }
    let value: unknown
    try {
      value = JSON.parse(data)
    } catch (cause) {
      const what = `stream event ${this.count + 1}${type ? ` (${type})` : ""}`
      this.fail(invalidJson(what, this.origin.status, this.origin.requestId, data, cause, this.origin.redact))
      return
    }
    const record = isRecord(value) ? value : undefined
    const valueType = record !== undefined && typeof record.type === "string" ? record.type : type
    if (
      type === "error" || valueType === "error" ||
      (record !== undefined && isRecord(record.error) && record.object === undefined && record.type === undefined)
    ) {
      this.fail(this.streamError(data))
      return
    }
    this.count++
    this.lastType = valueType
    if (typeof this.terminal !== "string" && valueType !== undefined && this.terminal.has(valueType)) {
      this.terminalSeen = true
    }
    this.out.push(this.named && type !== undefined && type.startsWith("thread.") ? { event: type, data: value } : value)
  }

  private streamError(raw: string): OpenAIError.StreamError {
    const data = this.origin.redact(raw)
    const event = JSON.parse(data) as unknown
    const error = InternalErrors.decodeErrorObject(event)
    return new OpenAIError.StreamError({
      message: `stream error${error?.code === undefined ? "" : ` ${error.code}`}: ${error?.message ?? data.slice(0, 300)}${
        requestSuffix(this.origin)
      }`,
      code: error?.code,
      type: error?.type,
      param: error?.param,
      requestId: this.origin.requestId,
      event
    })
  }

  protected override ended(): void {
    if (this.terminalSeen) return
    this.fail(
      new OpenAIError.StreamTruncatedError({
        message: `stream ended after ${this.count} events without its terminal event${
          this.terminal === "done" ? " [DONE]" : ""
        }${requestSuffix(this.origin)}`,
        requestId: this.origin.requestId,
        eventsReceived: this.count,
        lastEventType: this.lastType
      })
    )
  }
}

/** Raw server-sent events; comments are dropped. */
export class RawEvents extends SseBase<SseEvent> {
  event(type: string | undefined, data: string, id: string | undefined, retry: number | undefined): void {
    if (this.failure !== undefined) return
    this.seen = true
    this.out.push({ _tag: "Event", event: type, data, id, retry })
  }
}

/** The body's bytes as they come. */
export class Bytes implements Decoder<Uint8Array> {
  out: Array<Uint8Array> = []
  readonly failure = undefined
  readonly done = false
  readonly seen = true
  push(bytes: Uint8Array): void {
    if (bytes.length > 0) this.out.push(bytes)
  }
  end(): void {}
}
