/**
 * The connection behind the Realtime classes: the core's session (`RealtimeSession.connect`) run as one fiber on the
 * client's runtime, in a scope of its own that `close()` ends. Server events go to the listeners in order; `send`
 * and `close` go through one queue, so that the session gets the events in order and the close after them; the end
 * is a `close` event, after an `error` one when something failed. Until the transport has created the socket,
 * `socket` is a stand-in (`PendingSocket`) that takes listeners for it.
 */
import * as CoreError from "@effect-openai/openai/OpenAIError"
import * as RealtimeSession from "@effect-openai/openai/realtime/RealtimeSession"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import type { ClientCore } from "../core/client.js"
import { OpenAIError } from "../core/error.js"
import type { RealtimeClientEvent, RealtimeServerEvent } from "../generated/resources/realtime/realtime.js"
import { OpenAIRealtimeEmitter, type UnsentMessage } from "../realtime/internal-base.js"
import { fromCore } from "./errors.js"

type Listener = (...args: Array<any>) => unknown

interface Held {
  /** `on` (Node's emitter, as `ws`) or `addEventListener` (the DOM's, as the global WebSocket). */
  readonly style: "emitter" | "dom"
  readonly type: string
  readonly listener: Listener
  readonly once: boolean
}

/**
 * What `socket` is until the socket exists: the connection is made on the client's runtime (credentials may have to
 * be fetched first), so there is no socket yet when the constructor returns. It takes listeners in both styles
 * (`on`/`once`/`off` as `ws` has them, `addEventListener`/`removeEventListener` as the DOM has them) and hands them
 * to the socket as soon as it is created, before it opens (so `open` listeners are called as usual); if the
 * connection fails before there is a socket, its `error` and `close` (1006) listeners hear it. A reference kept to
 * it keeps working: later calls are passed to the socket.
 */
export class PendingSocket {
  readonly CONNECTING = 0
  readonly OPEN = 1
  readonly CLOSING = 2
  readonly CLOSED = 3
  #held: Array<Held> = []
  #socket: any = undefined
  #failed = false

  get readyState(): number {
    return this.#socket !== undefined ? this.#socket.readyState : this.#failed ? 3 : 0
  }

  on(type: string, listener: Listener): this {
    return this.#hold("emitter", type, listener, false)
  }

  addListener(type: string, listener: Listener): this {
    return this.#hold("emitter", type, listener, false)
  }

  once(type: string, listener: Listener): this {
    return this.#hold("emitter", type, listener, true)
  }

  off(type: string, listener: Listener): this {
    return this.#release("emitter", type, listener)
  }

  removeListener(type: string, listener: Listener): this {
    return this.#release("emitter", type, listener)
  }

  addEventListener(type: string, listener: Listener, options?: boolean | { readonly once?: boolean }): void {
    this.#hold("dom", type, listener, typeof options === "object" && options.once === true, options)
  }

  removeEventListener(type: string, listener: Listener): void {
    this.#release("dom", type, listener)
  }

  #hold(style: Held["style"], type: string, listener: Listener, once: boolean, options?: unknown): this {
    const socket = this.#socket
    if (socket === undefined) this.#held.push({ style, type, listener, once })
    // a socket without Node's emitter methods (the runtime's WebSocket) takes them as DOM listeners
    else if (style === "dom" || typeof socket.on !== "function") socket.addEventListener(type, listener, options)
    else socket[once ? "once" : "on"](type, listener)
    return this
  }

  #release(style: Held["style"], type: string, listener: Listener): this {
    const socket = this.#socket
    if (socket === undefined) {
      const at = this.#held.findIndex((h) => h.style === style && h.type === type && h.listener === listener)
      if (at >= 0) this.#held.splice(at, 1)
    } else if (style === "dom" || typeof socket.off !== "function") socket.removeEventListener(type, listener)
    else socket.off(type, listener)
    return this
  }

  /** The socket exists (it is connecting): the listeners are handed to it, `open` ones included. */
  _attach(socket: any): void {
    this.#socket = socket
    const held = this.#held
    this.#held = []
    for (const h of held) this.#hold(h.style, h.type, h.listener, h.once, h.once ? { once: true } : undefined)
  }

  /** The connection failed before a socket opened: `error`, then `close` with 1006, as a socket would. */
  _fail(error: Error): void {
    if (this.#socket !== undefined || this.#failed) return
    this.#failed = true
    const held = this.#held
    this.#held = []
    for (const type of ["error", "close"] as const) {
      for (const h of held) {
        if (h.type !== type) continue
        try {
          if (h.style === "emitter") {
            if (type === "error") h.listener.call(this, error)
            // `ws` gives the reason as a Buffer
            else h.listener.call(this, 1006, (globalThis as { Buffer?: { alloc: (n: number) => unknown } }).Buffer?.alloc(0) ?? "")
          } else {
            h.listener.call(this, type === "error"
              ? { type, error, message: error.message, target: this }
              : { type, code: 1006, reason: "", wasClean: false, target: this })
          }
        } catch (thrown) {
          // the listener's bug, reported on its own (as from a socket's own event)
          queueMicrotask(() => {
            throw thrown
          })
        }
      }
    }
  }
}

/** The official classes' reconnection settings (off unless `reconnect`); a reconnection is a new server session. */
export interface RealtimeReconnectOptions {
  /** Reconnect when the connection drops or the server restarts (default false). */
  reconnect?: boolean | undefined
  /** Reconnections over the connection's whole life (default 5). */
  maxReconnectAttempts?: number | undefined
  /** The first wait in milliseconds, doubling each time (default 500). */
  reconnectInitialDelay?: number | undefined
  /** The longest wait in milliseconds (default 8000). */
  reconnectMaxDelay?: number | undefined
}

/** Which session: a model's, or an existing call's (exactly one). */
export type RealtimeTarget =
  | { model: string; callID?: undefined }
  | { callID: string; model?: undefined }

/** What a class hands to `_connect`: the session's options for the core, and how sockets are opened. */
export interface Connecting {
  readonly options: RealtimeSession.ConnectOptions
  readonly transport: Layer.Layer<RealtimeSession.RealtimeTransport>
}

const nonNegative = (value: number | undefined, fallback: number, name: string): number => {
  if (value === undefined) return fallback
  if (!Number.isFinite(value) || value < 0) throw new OpenAIError(`${name} must be a non-negative number, got ${value}`)
  return value
}

/** The core's reconnection schedule for the official settings: exponential from the first wait, capped, counted. */
export const reconnectSchedule = (
  options: RealtimeReconnectOptions
): Schedule.Schedule<unknown, CoreError.RealtimeError> | undefined => {
  if (options.reconnect !== true) return undefined
  const attempts = nonNegative(options.maxReconnectAttempts, 5, "maxReconnectAttempts")
  const initial = nonNegative(options.reconnectInitialDelay, 500, "reconnectInitialDelay")
  const max = nonNegative(options.reconnectMaxDelay, 8000, "reconnectMaxDelay")
  return Schedule.exponential(initial).pipe(
    Schedule.union(Schedule.spaced(max)),
    Schedule.intersect(Schedule.recurs(Math.floor(attempts)))
  ) as Schedule.Schedule<unknown, CoreError.RealtimeError>
}

/** Checks that exactly one of `model` and `callID` is given, and names it for the core. */
export const targetOf = (props: { readonly model?: unknown; readonly callID?: unknown }): {
  readonly model?: string
  readonly callId?: string
} => {
  const hasModel = props.model !== undefined && props.model !== null
  const hasCall = props.callID !== undefined && props.callID !== null
  if (hasModel === hasCall || (hasModel && (typeof props.model !== "string" || props.model === "")) ||
    (hasCall && (typeof props.callID !== "string" || props.callID === "")))
  {
    throw new OpenAIError("Pass exactly one of `model` (a new session) or `callID` (an existing call) to open a Realtime connection.")
  }
  return hasModel ? { model: props.model as string } : { callId: props.callID as string }
}

type State = "connecting" | "open" | "closing" | "closed"

/** How long `close()` waits for the events sent before it to be written, in milliseconds. */
const closeWait = 2000

/** `close()` asked, in the outbox after the events sent before it. */
const closeRequest: unique symbol = Symbol("closeRequest")

/** The message and cause an `error` listener gets for what ended (or failed) the session. */
const failureOf = (error: CoreError.RealtimeError): { readonly message: string; readonly cause: unknown } => {
  const inner = (error as { readonly cause?: unknown }).cause
  // the credentials' own failure (an `OAuthError`, a key function that threw) as the facade's class
  const cause = CoreError.isOpenAIError(inner) ? fromCore(inner) : inner ?? error
  return { message: error.message, cause }
}

/**
 * A Realtime connection: the core's session run on the client's runtime, in a scope of its own that `close()` ends.
 * Server events go to the listeners in order; `send` hands events to the session in order (queued until it is
 * open); the end is a `close` event (after an `error` one when something failed).
 */
export abstract class RealtimeConnection extends OpenAIRealtimeEmitter {
  #state: State = "connecting"
  #socket: unknown = undefined
  #url: URL | undefined = undefined
  readonly #pending = new PendingSocket()
  /** What `send` and `close` ask, in order: events, then possibly the close. */
  readonly #outbox = Effect.runSync(Queue.unbounded<RealtimeClientEvent | typeof closeRequest>())
  readonly #unsent: Array<RealtimeClientEvent> = []
  readonly #abort = new AbortController()
  #session: RealtimeSession.Session | undefined = undefined
  /** Events handed to the session, and written by it to the socket (see `#counting`). */
  #handed = 0
  #written = 0
  #close: { readonly code: number; readonly reason: string } = { code: 1000, reason: "OK" }

  /**
   * The socket: the transport's own (a `ws` WebSocket, or the runtime's `WebSocket`) from the moment it is created;
   * before that (credentials being fetched), a stand-in that keeps listeners and hands them to it.
   */
  protected get _socket(): unknown {
    return this.#socket ?? this.#pending
  }

  /** The socket's URL, once the socket is created. */
  get url(): URL | undefined {
    return this.#url
  }

  /** Starts the session on `client`'s runtime; called once, by the constructor. */
  protected _connect(client: ClientCore, connecting: Connecting): void {
    const capture = (transport: RealtimeSession.Transport): RealtimeSession.Transport => ({
      headers: transport.headers,
      open: (url, options) => {
        const socket = transport.open(url, options)
        const first = this.#socket === undefined
        this.#socket = socket
        this.#url = new URL(url)
        if (first) this.#pending._attach(socket)
        // a reconnection drops what was not written (the `reconnected` event lists it): nothing is pending then
        else socket.addEventListener("open", () => (this.#handed = this.#written), { once: true })
        return this.#counting(socket)
      }
    })
    const program = Effect.flatMap(RealtimeSession.RealtimeTransport, (transport) =>
      Effect.scoped(
        Effect.gen(this, function*() {
          const session = yield* RealtimeSession.connect(connecting.options)
          this.#session = session
          if (this.#state === "connecting") this.#state = "open"
          yield* Effect.forkScoped(this.#sender(session))
          yield* Stream.runForEachChunk(session.events, (events) =>
            Effect.sync(() => {
              for (const event of events) {
                if (event.type === "effect_openai.reconnected") {
                  const reconnected = event as RealtimeSession.Reconnected
                  this._emit("reconnected", { attempt: reconnected.attempt, unsent: [...reconnected.unsent] })
                } else this._dispatch(event as RealtimeServerEvent)
              }
            }))
        })
      ).pipe(Effect.provideService(RealtimeSession.RealtimeTransport, capture(transport))))
    const run = Effect.exit(Effect.provide(program, connecting.transport))
    client._runtime.run(run, { signal: this.#abort.signal }, (exit) => this.#ended(exit), (error) =>
      // an abort (`close()` before the session was open) ends the run itself
      this.#ended(this.#state === "closing" ? Exit.void : Exit.die(error)))
  }

  /**
   * The socket as the session sees it, counting what the session writes: `close()` waits for the events handed
   * over before it to be written, as the official class (which writes at once) has them go before the close.
   */
  #counting(socket: RealtimeSession.WebSocketLike): RealtimeSession.WebSocketLike {
    return {
      get readyState() {
        return socket.readyState
      },
      get bufferedAmount() {
        return socket.bufferedAmount
      },
      send: (data) => {
        socket.send(data)
        this.#written++
      },
      close: (code, reason) => socket.close(code, reason),
      addEventListener: (type, listener, options) => socket.addEventListener(type, listener, options),
      removeEventListener: (type, listener) => socket.removeEventListener(type, listener)
    }
  }

  /** Waits (at most `closeWait` ms) until the session has written what it was handed, while the socket is open. */
  #flushed(): Effect.Effect<void> {
    const deadline = Date.now() + closeWait
    const wait: Effect.Effect<void> = Effect.suspend(() => {
      const socket = this.#socket as RealtimeSession.WebSocketLike | undefined
      if (this.#written >= this.#handed || socket?.readyState !== 1 || Date.now() > deadline) return Effect.void
      return Effect.zipRight(Effect.sleep(1), wait)
    })
    return Effect.zipRight(Effect.yieldNow(), wait)
  }

  /** Hands queued events to the session, one at a time, in order; then the close, if asked. */
  #sender(session: RealtimeSession.Session): Effect.Effect<void> {
    const next: Effect.Effect<boolean> = Effect.flatMap(Queue.take(this.#outbox), (event) => {
      if (event === closeRequest) {
        const { code, reason } = this.#close
        return Effect.as(Effect.zipRight(this.#flushed(), session.close(code, reason)), false)
      }
      return Effect.as(
        Effect.matchCauseEffect(session.send(event), {
          onSuccess: () => Effect.sync(() => void this.#handed++),
          onFailure: (cause) =>
            Effect.sync(() => {
              // closed: the `close` event lists it; a defect: the event could not be serialized
              if (Option.isSome(Cause.failureOption(cause))) this.#unsent.push(event)
              else if (!Cause.isInterruptedOnly(cause)) this._onError(null, "Could not send the event", Cause.squash(cause))
            })
        }),
        true
      )
    })
    const loop: Effect.Effect<void> = Effect.flatMap(next, (more) => (more ? loop : Effect.void))
    return loop
  }

  /** Sends a client event: queued until the session is open, then in order. After the end, an `error`. */
  send(event: RealtimeClientEvent): void {
    if (this.#state === "closed" || this.#state === "closing") {
      this._onError(null, `The Realtime connection is ${this.#state}: the event was not sent`)
      return
    }
    this.#outbox.unsafeOffer(event)
  }

  /**
   * Closes the connection with `code` and `reason` (1000, `"OK"`), after the events sent before. Before the socket
   * exists, nothing is connected and the events sent are listed as unsent; while it is connecting, it is closed
   * once open.
   */
  close(props?: { code: number; reason: string }): void {
    if (this.#state === "closing" || this.#state === "closed") return
    this.#state = "closing"
    this.#close = { code: props?.code ?? 1000, reason: props?.reason ?? "OK" }
    if (this.#session === undefined && this.#socket === undefined) this.#abort.abort()
    else this.#outbox.unsafeOffer(closeRequest)
  }

  /** What ended the session, to the listeners: an `error` when it failed, then `close`. */
  #ended(exit: Exit.Exit<void, CoreError.RealtimeError>): void {
    if (this.#state === "closed") return
    const asked = this.#state === "closing"
    this.#state = "closed"
    let { code, reason } = asked ? this.#close : { code: 1006, reason: "" }
    let failure: Error | undefined
    if (Exit.isFailure(exit) && !Cause.isInterruptedOnly(exit.cause)) {
      const error = Cause.failureOption(exit.cause)
      if (Option.isSome(error)) {
        const e = error.value
        switch (e._tag) {
          case "RealtimeClosedError":
            code = e.code
            reason = e.reason
            // a close frame is the server's answer; a connection lost without one is a failure
            if (e.code === 1006) failure = this.#fail(e)
            break
          case "RealtimeConnectError":
            code = 1006
            reason = ""
            failure = this.#fail(e)
            break
          default:
            // the session closed the socket itself: it expired (its `error` event was dispatched already), or a
            // frame was not an event (with `invalidMessage: "fail"`, which these classes do not set)
            if (!asked) {
              code = 1000
              reason = ""
            }
            if (e._tag !== "RealtimeSessionExpiredError") failure = this.#fail(e)
        }
      } else {
        const defect = Cause.squash(exit.cause)
        this._onError(null, defect instanceof Error ? defect.message : String(defect), defect)
        failure = defect instanceof Error ? defect : new OpenAIError(String(defect))
      }
    }
    if (this.#socket === undefined) this.#pending._fail(failure ?? new OpenAIError("The Realtime connection was closed before it opened"))
    const unsent: Array<UnsentMessage> = []
    for (const message of this.#unsent) unsent.push({ type: "message", message })
    for (const message of Effect.runSync(Queue.takeAll(this.#outbox))) {
      if (message !== closeRequest) unsent.push({ type: "message", message })
    }
    this.#unsent.length = 0
    this._emit("close", code, reason, unsent)
  }

  #fail(error: CoreError.RealtimeError): Error {
    const { cause, message } = failureOf(error)
    this._onError(null, message, cause)
    return cause instanceof Error ? cause : new OpenAIError(message)
  }
}
