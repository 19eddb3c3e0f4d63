/**
 * The resumable Responses stream behind `ResponseStream.resumable`: one run keeps the response id and the last
 * sequence number delivered; each connection's events pass through `admit` (a loop over the chunk, no effect per
 * event), and a connection that drops is followed by another one, after the schedule's delay, that asks for the
 * events after the last one delivered.
 *
 * Reconnecting is `Stream.catchAll` in tail position: the handler of a connection that failed is gone when the
 * next connection runs, so many reconnections add no step per event.
 */
import * as EffectChunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Schedule from "effect/Schedule"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as ScheduleIntervals from "effect/ScheduleIntervals"
import * as Stream from "effect/Stream"
import { OpenAIConfig } from "../OpenAIConfig.js"
import type { OpenAIClient } from "../OpenAIClient.js"
import * as OpenAIError from "../OpenAIError.js"
import type * as OpenAIRequest from "../OpenAIRequest.js"
import * as Responses from "../generated/resources/responses.js"
import type * as Types from "../generated/Types.js"
import { logRank } from "./telemetry.js"

type Event = Types.CreateResponseStreamEvent

/** What ends a connection in a way another connection can pick up after. */
export type Disconnection =
  | OpenAIError.APIConnectionError
  | OpenAIError.APIConnectionTimeoutError
  | OpenAIError.StreamTruncatedError

export type ResumableError = OpenAIError.RequestError | OpenAIError.StreamFailure | OpenAIError.ResumeNotAvailableError

export interface Reconnect {
  readonly responseId: string
  readonly startingAfter: number | undefined
  readonly attempt: number
  readonly delay: Duration.Duration
  readonly error: Disconnection
}

export type Source =
  | { readonly _tag: "Create"; readonly params: Omit<Types.CreateResponseParams, "stream"> }
  | {
    readonly _tag: "Attach"
    readonly responseId: string
    readonly startingAfter: number | undefined
    readonly include: ReadonlyArray<Types.IncludeEnum> | undefined
  }

export interface Settings {
  readonly schedule: Schedule.Schedule<unknown, Disconnection>
  readonly onReconnect: ((reconnect: Reconnect) => Effect.Effect<void>) | undefined
  readonly request: OpenAIRequest.RequestOptions
}

export const isDisconnection = (error: { readonly _tag: string }): error is Disconnection =>
  error._tag === "APIConnectionError" || error._tag === "APIConnectionTimeoutError" ||
  error._tag === "StreamTruncatedError"

/**
 * Whether a 400 to a streamed `GET /responses/{id}` refuses to stream that response. The API names the `stream`
 * parameter for a response not created in the background ("cannot be streamed because it was not created with
 * background=true"); an answer about a parameter the caller chose (`include`) is not a refusal to resume.
 */
export const isRefusal = (error: OpenAIError.BadRequestError): boolean => {
  const param = error.error?.param
  return param === undefined || param === "stream" || param === "starting_after"
}

const terminal: ReadonlySet<string> = new Set(["response.completed", "response.incomplete", "response.failed"])

const responseIdOf = (event: Event): string | undefined => {
  const response = (event as { readonly response?: unknown }).response
  if (typeof response !== "object" || response === null) return undefined
  const id = (response as { readonly id?: unknown }).id
  return typeof id === "string" && id !== "" ? id : undefined
}

/** The request options of a retrieve: no body fields, no idempotency key (it is a GET). */
const retrieveOptions = (options: OpenAIRequest.RequestOptions): OpenAIRequest.RequestOptions => {
  const { body: _body, idempotencyKey: _key, ...rest } = options
  return rest
}

class Run {
  private responseId: string | undefined
  /** The sequence number of the last event delivered; -1 before any. */
  private last: number
  private done = false
  private attempt = 0
  private scheduleState: unknown
  private readonly include: ReadonlyArray<Types.IncludeEnum> | undefined
  private readonly includeObfuscation: boolean | undefined
  private readonly getOptions: OpenAIRequest.RequestOptions

  constructor(private readonly source: Source, private readonly settings: Settings) {
    this.scheduleState = settings.schedule.initial
    this.getOptions = retrieveOptions(settings.request)
    if (source._tag === "Attach") {
      this.responseId = source.responseId
      this.last = source.startingAfter ?? -1
      this.include = source.include
      this.includeObfuscation = undefined
    } else {
      this.last = -1
      this.include = source.params.include ?? undefined
      this.includeObfuscation = source.params.stream_options?.include_obfuscation
    }
  }

  start(): Stream.Stream<Event, ResumableError, OpenAIClient> {
    const source = this.source
    return this.connection(
      source._tag === "Create"
        ? Responses.createStream({ ...source.params, background: true }, this.settings.request)
        : this.retrieve()
    )
  }

  /** The events after the last one delivered (all of them before any), as a new connection. */
  private retrieve(): Stream.Stream<Event, ResumableError, OpenAIClient> {
    const responseId = this.responseId!
    const startingAfter = this.last >= 0 ? this.last : undefined
    const params: Types.GetResponseParams = {
      ...(startingAfter === undefined ? {} : { starting_after: startingAfter }),
      ...(this.include === undefined ? {} : { include: this.include }),
      ...(this.includeObfuscation === undefined ? {} : { include_obfuscation: this.includeObfuscation })
    }
    return Stream.mapError(
      Responses.retrieveStream(responseId, params, this.getOptions),
      (error): ResumableError =>
        error._tag === "BadRequestError" && isRefusal(error)
          ? new OpenAIError.ResumeNotAvailableError({
            message: `response ${responseId} cannot be streamed again: ${error.error?.message ?? error.message}`,
            responseId,
            startingAfter,
            cause: error
          })
          : error
    )
  }

  private connection(
    events: Stream.Stream<Event, ResumableError, OpenAIClient>
  ): Stream.Stream<Event, ResumableError, OpenAIClient> {
    return Stream.catchAll(Stream.mapChunks(events, this.admit), (error) => this.afterFailure(error))
  }

  /** Drops events already delivered, notes the last one and the response id; progress restarts the schedule. */
  private readonly admit = (chunk: EffectChunk.Chunk<Event>): EffectChunk.Chunk<Event> => {
    const events = EffectChunk.toReadonlyArray(chunk)
    let out: Array<Event> | undefined
    let admitted = 0
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!
      const sequence = (event as { readonly sequence_number?: unknown }).sequence_number
      if (this.done || (typeof sequence === "number" && sequence <= this.last)) {
        out ??= events.slice(0, i)
        continue
      }
      if (typeof sequence === "number") this.last = sequence
      if (this.responseId === undefined) this.responseId = responseIdOf(event)
      if (terminal.has(event.type)) this.done = true
      admitted++
      out?.push(event)
    }
    if (admitted > 0 && this.attempt > 0) {
      this.attempt = 0
      this.scheduleState = this.settings.schedule.initial
    }
    return out === undefined ? chunk : EffectChunk.unsafeFromArray(out)
  }

  private afterFailure(error: ResumableError): Stream.Stream<Event, ResumableError, OpenAIClient> {
    // A connection that breaks after the terminal event has delivered everything.
    if (this.done) return Stream.empty
    const responseId = this.responseId
    if (responseId === undefined || !isDisconnection(error)) return Stream.fail(error)
    return Stream.unwrap(Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.flatMap(this.settings.schedule.step(now, error, this.scheduleState), ([state, , decision]) => {
        if (ScheduleDecision.isDone(decision)) return Effect.succeed(Stream.fail(error))
        this.scheduleState = state
        this.attempt++
        const delay = Duration.millis(Math.max(0, ScheduleIntervals.start(decision.intervals) - now))
        const reconnect: Reconnect = {
          responseId,
          startingAfter: this.last >= 0 ? this.last : undefined,
          attempt: this.attempt,
          delay,
          error
        }
        const onReconnect = this.settings.onReconnect
        return logReconnect(reconnect).pipe(
          Effect.zipRight(onReconnect === undefined ? Effect.void : onReconnect(reconnect)),
          Effect.zipRight(Effect.sleep(delay)),
          Effect.as(this.connection(this.retrieve()))
        )
      })))
  }
}

/** At the client's `info` level (as retries are), each reconnection. */
const logReconnect = (reconnect: Reconnect): Effect.Effect<void> =>
  Effect.flatMap(OpenAIConfig, (settings) =>
    logRank[settings.logLevel] >= logRank.info
      ? Effect.logInfo("openai resuming response stream").pipe(Effect.annotateLogs({
        responseId: reconnect.responseId,
        startingAfter: reconnect.startingAfter,
        attempt: reconnect.attempt,
        error: reconnect.error._tag,
        delayMillis: Duration.toMillis(reconnect.delay)
      }))
      : Effect.void)

export const resumable = (source: Source, settings: Settings): Stream.Stream<Event, ResumableError, OpenAIClient> =>
  Stream.suspend(() => new Run(source, settings).start())
