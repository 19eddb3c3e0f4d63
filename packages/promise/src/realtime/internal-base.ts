/**
 * What the two Realtime classes share, as the official `openai/realtime/internal-base` has it: the error class
 * (`OpenAIRealtimeError`) and the typed emitter they extend (`OpenAIRealtimeEmitter`: `on`, `once`, `off`,
 * `emitted`, listeners by server event type, `event` for every event, `error` for failures). The connection both
 * are, the core's session run on the client's runtime, is `internal/realtime.ts`.
 *
 * Failures reach `error` listeners as an `OpenAIRealtimeError`; with no `error` listener they surface as an unhandled
 * rejection, as with the official SDK, so that none goes unseen. A listener that throws does not end the session:
 * its exception is rethrown on its own (an uncaught exception, as a throwing listener of the official class
 * would be), and the other listeners still run.
 */
import { OpenAIError } from "../core/error.js"
import type {
  RealtimeClientEvent,
  RealtimeError,
  RealtimeErrorEvent,
  RealtimeServerEvent
} from "../generated/resources/realtime/realtime.js"

/** An error the API reported in an `error` event (`error`, `event_id`), or a failure of the connection (`cause`). */
export class OpenAIRealtimeError extends OpenAIError {
  override name = "OpenAIRealtimeError"
  /** The `error` object of the API's `error` event; absent for a failure of the connection. */
  error?: RealtimeError | undefined
  /** The `event_id` of the API's `error` event. */
  event_id?: string | undefined

  constructor(message: string, event: RealtimeErrorEvent | null) {
    super(message)
    this.error = event?.error
    this.event_id = event?.event_id
  }
}

/** A client event that was never handed to the connection. */
export type UnsentMessage = { readonly type: "message"; readonly message: RealtimeClientEvent }

type ServerEventType = Exclude<RealtimeServerEvent["type"], "error">

/** The listeners by event: every server event type but `error`, and the emitter's own events. */
export type RealtimeEvents =
  & {
    /** Every server event, `error` events included, before the listeners of its type. */
    event: (event: RealtimeServerEvent) => void
    /** An `error` event of the API, or a failure of the connection. */
    error: (error: OpenAIRealtimeError) => void
    /**
     * The session was opened again after its connection dropped (with `reconnect`): a new server session, whose
     * state you restore. `unsent` are the events that were waiting to be written: they are not sent again.
     */
    reconnected: (info: { readonly attempt: number; readonly unsent: Array<RealtimeClientEvent> }) => void
    /** The connection is over for good: its close code and reason, and the events `send` could not hand over. */
    close: (code: number, reason: string, unsent: Array<UnsentMessage>) => void
  }
  & { [Type in ServerEventType]: (event: Extract<RealtimeServerEvent, { readonly type: Type }>) => unknown }

type Args<E extends keyof RealtimeEvents> = Parameters<RealtimeEvents[E]>

/** What `emitted(event)` resolves to: nothing, the one argument, or the arguments as a tuple. */
export type Emitted<P extends ReadonlyArray<unknown>> = P extends [] ? void : P extends [infer A] ? A : P

interface Registration {
  readonly listener: (...args: Array<any>) => unknown
  readonly once: boolean
}

/** Shows a value in an error message without letting it throw. */
const show = (value: unknown): string => {
  try {
    return typeof value === "string" ? value : JSON.stringify(value) ?? String(value)
  } catch {
    return "(unprintable)"
  }
}

/** The message of an API `error` event: what it says, then its code, type, param and the event it refers to. */
const describe = (event: RealtimeErrorEvent): string => {
  const error = event.error as Partial<RealtimeError> | undefined
  const details = [
    ["type", error?.type],
    ["code", error?.code],
    ["param", error?.param],
    ["event_id", error?.event_id]
  ].filter(([, value]) => value !== undefined && value !== null).map(([key, value]) => `${key}: ${show(value)}`)
  const text = error?.message === undefined ? "The Realtime API sent an error event" : show(error.message)
  return details.length === 0 ? text : `${text} (${details.join(", ")})`
}

/** The emitter's own events, which no server event is emitted as. */
const own: ReadonlySet<string> = new Set(["event", "error", "reconnected", "close"])

export abstract class OpenAIRealtimeEmitter {
  readonly #listeners = new Map<PropertyKey, Array<Registration>>()

  /** Sends a client event; failures go to `error` listeners. */
  abstract send(event: RealtimeClientEvent): void

  /** Closes the connection (`1000`, `"OK"` unless given); what it fails with goes to `error` listeners. */
  abstract close(props?: { code: number; reason: string }): void

  /** Adds `listener` for `event`; adding one twice calls it twice. */
  on<E extends keyof RealtimeEvents>(event: E, listener: RealtimeEvents[E]): this {
    return this.#add(event, listener, false)
  }

  /** Removes one registration of `listener` for `event`. */
  off<E extends keyof RealtimeEvents>(event: E, listener: RealtimeEvents[E]): this {
    const listeners = this.#listeners.get(event)
    const at = listeners?.findIndex((registration) => registration.listener === listener) ?? -1
    if (at >= 0) this.#listeners.set(event, listeners!.filter((_, i) => i !== at))
    return this
  }

  /** Adds `listener` for the next `event` only. */
  once<E extends keyof RealtimeEvents>(event: E, listener: RealtimeEvents[E]): this {
    return this.#add(event, listener, true)
  }

  // The lists are replaced, never changed in place (here and in `off`): an emit under way calls the listeners it
  // started with, whatever its listeners add or remove.
  #add(event: PropertyKey, listener: unknown, once: boolean): this {
    const registration = { listener: listener as Registration["listener"], once }
    this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), registration])
    return this
  }

  /** The next `event`'s argument (or arguments); rejects if an error comes first, unless `event` is `error`. */
  emitted<E extends keyof RealtimeEvents>(event: E): Promise<Emitted<Args<E>>> {
    return new Promise((resolve, reject) => {
      const onError = (error: OpenAIRealtimeError) => {
        this.off(event, onEvent as RealtimeEvents[E])
        reject(error)
      }
      const onEvent = (...args: Array<unknown>) => {
        if (event !== "error") this.off("error", onError)
        resolve((args.length > 1 ? args : args[0]) as Emitted<Args<E>>)
      }
      if (event !== "error") this.once("error", onError)
      this.once(event, onEvent as RealtimeEvents[E])
    })
  }

  /** Calls the listeners of `event` in the order they were added. */
  protected _emit<E extends keyof RealtimeEvents>(event: E, ...args: Args<E>): void {
    const listeners = this.#listeners.get(event)
    if (listeners === undefined || listeners.length === 0) return
    if (listeners.some((registration) => registration.once)) {
      this.#listeners.set(event, listeners.filter((registration) => !registration.once))
    }
    for (const { listener } of listeners) {
      try {
        listener(...args)
      } catch (error) {
        // The listener's bug, not the session's: reported on its own, the session goes on.
        queueMicrotask(() => {
          throw error
        })
      }
    }
  }

  protected _hasListener(event: keyof RealtimeEvents): boolean {
    return (this.#listeners.get(event)?.length ?? 0) > 0
  }

  /** Hands a server event to `event` listeners, then to those of its type (`error` events to `error` listeners). */
  protected _dispatch(event: RealtimeServerEvent): void {
    this._emit("event", event)
    const type: string = event.type
    if (type === "error") this._onError(event as RealtimeErrorEvent)
    // an event named as one of the emitter's own would reach listeners expecting other arguments
    else if (!own.has(type)) this._emit(type as ServerEventType, event as never)
  }

  /** An `error` event of the API, or a failure of the connection (`message`, `cause`), to `error` listeners. */
  protected _onError(event: RealtimeErrorEvent): void
  protected _onError(event: null, message: string, cause?: unknown): void
  protected _onError(event: RealtimeErrorEvent | null, message?: string, cause?: unknown): void {
    const text = event === null ? message ?? "Realtime connection error" : describe(event)
    const listened = this._hasListener("error")
    const error = new OpenAIRealtimeError(
      listened ? text : `${text}\n\nNo 'error' listener was added to the Realtime client; add one with rt.on('error', ...).`,
      event
    )
    if (cause !== undefined) (error as { cause?: unknown }).cause = cause
    if (listened) this._emit("error", error)
    else void Promise.reject(error)
  }
}
