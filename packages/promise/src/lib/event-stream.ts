/**
 * The official helpers' event emitter (`EventStream`): listeners by event name, promises for the next event and for
 * the end, an `AbortController`, and the lifecycle every helper shares: `connect`, then `error` or `abort`, then
 * `end`, after which nothing more is emitted. A failure nobody listens for (no `error` listener, no promise asked
 * for) surfaces as an unhandled rejection, as with the official SDK.
 */
import { APIUserAbortError, OpenAIError } from "../core/error.js"

/** Lifecycle events of every helper. */
export interface BaseEvents {
  connect: () => void
  error: (error: OpenAIError) => void
  abort: (error: APIUserAbortError) => void
  end: () => void
}

/** The arguments of `event`'s listeners. */
export type Args<Events, E extends keyof Events> = Events[E] extends (...args: infer P) => any ? P : never

/** What `emitted(event)` resolves to: nothing, the one argument, or the arguments as a tuple. */
export type Emitted<P extends ReadonlyArray<unknown>> = P extends [] ? void : P extends [infer A] ? A : P

interface Registration {
  readonly listener: (...args: Array<any>) => unknown
  readonly once: boolean
}

export class EventStream<Events extends BaseEvents> {
  /** Aborting it cancels the request in flight and ends the helper with `abort`. */
  controller: AbortController = new AbortController()

  #listeners: Partial<Record<keyof Events, Array<Registration>>> = {}
  #ended = false
  #errored = false
  #aborted = false
  /** Someone awaits a promise of this helper, so a failure is theirs to see. */
  #observed = false
  #resolveConnected!: () => void
  #rejectConnected!: (error: unknown) => void
  #resolveEnd!: () => void
  #rejectEnd!: (error: unknown) => void
  readonly #connectedPromise: Promise<void>
  readonly #endPromise: Promise<void>

  constructor() {
    this.#connectedPromise = new Promise((resolve, reject) => {
      this.#resolveConnected = resolve
      this.#rejectConnected = reject
    })
    this.#endPromise = new Promise((resolve, reject) => {
      this.#resolveEnd = resolve
      this.#rejectEnd = reject
    })
    // Rejections are surfaced by `_emit` when nobody observes them; these two are not.
    this.#connectedPromise.catch(() => undefined)
    this.#endPromise.catch(() => undefined)
  }

  /** Runs the helper on the next turn (so that listeners added right after creation see every event). */
  protected _run(executor: () => Promise<unknown>): void {
    setTimeout(() => {
      Promise.resolve().then(executor).then(
        () => {
          try {
            this._emitFinal()
          } catch (error) {
            this.#fail(error)
            return
          }
          this._emit("end", ...([] as unknown as Args<Events, "end">))
        },
        (error: unknown) => this.#fail(error)
      )
    }, 0)
  }

  protected _connected(): void {
    if (this.#ended) return
    this.#resolveConnected()
    this._emit("connect", ...([] as unknown as Args<Events, "connect">))
  }

  /** Whether the helper has finished, failed or been aborted. */
  get ended(): boolean {
    return this.#ended
  }

  /** Whether it failed or was aborted. */
  get errored(): boolean {
    return this.#errored
  }

  /** Whether it was aborted. */
  get aborted(): boolean {
    return this.#aborted
  }

  abort(): void {
    this.controller.abort()
  }

  /** Aborts this helper when `signal` aborts. */
  protected _listenForAbort(signal: AbortSignal | null | undefined): void {
    if (signal == null || this.#ended) return
    if (signal.aborted) this.controller.abort(signal.reason)
    else signal.addEventListener("abort", () => this.controller.abort(signal.reason), { once: true })
  }

  on<E extends keyof Events>(event: E, listener: Events[E]): this {
    ;(this.#listeners[event] ??= []).push({ listener: listener as Registration["listener"], once: false })
    return this
  }

  off<E extends keyof Events>(event: E, listener: Events[E]): this {
    const listeners = this.#listeners[event]
    if (listeners === undefined) return this
    const index = listeners.findIndex((registration) => registration.listener === listener)
    if (index >= 0) listeners.splice(index, 1)
    return this
  }

  once<E extends keyof Events>(event: E, listener: Events[E]): this {
    ;(this.#listeners[event] ??= []).push({ listener: listener as Registration["listener"], once: true })
    return this
  }

  /** The next `event`: its argument (or arguments); rejects if the helper fails first (unless `event` is `error`). */
  emitted<E extends keyof Events>(event: E): Promise<Emitted<Args<Events, E>>> {
    return new Promise((resolve, reject) => {
      this.#observed = true
      const onError = (error: unknown) => {
        this.off(event, onEvent as Events[E])
        reject(error)
      }
      const onEvent = (...args: Array<unknown>) => {
        if (event !== "error") this.off("error", onError as Events["error"])
        resolve((args.length > 1 ? args : args[0]) as Emitted<Args<Events, E>>)
      }
      if (event !== "error") this.once("error", onError as Events["error"])
      this.once(event, onEvent as Events[E])
    })
  }

  /**
   * Every `event` as an async iterator of its arguments, until the helper ends; a failure rejects it (unless the
   * iterated event is `error` or `abort`).
   */
  events<E extends keyof Events>(event: E): AsyncIterableIterator<Args<Events, E>> {
    const queue: Array<Args<Events, E>> = []
    const waiting: Array<{ resolve: (result: IteratorResult<Args<Events, E>>) => void; reject: (error: unknown) => void }> = []
    let done = false
    let failure: { readonly error: unknown } | undefined
    const onEvent = (...args: Array<unknown>) => {
      const value = args as Args<Events, E>
      const reader = waiting.shift()
      if (reader !== undefined) reader.resolve({ value, done: false })
      else queue.push(value)
    }
    const stop = () => {
      done = true
      this.off(event, onEvent as Events[E])
      this.off("end", stop as Events["end"])
      this.off("error", onFailure as Events["error"])
      this.off("abort", onFailure as Events["abort"])
      for (const reader of waiting.splice(0)) {
        if (failure !== undefined) reader.reject(failure.error)
        else reader.resolve({ value: undefined, done: true })
      }
    }
    const onFailure = (error: unknown) => {
      failure = { error }
    }
    this.#observed = true
    this.on(event, onEvent as Events[E])
    this.on("end", stop as Events["end"])
    if (event !== "error") this.on("error", onFailure as Events["error"])
    if (event !== "abort") this.on("abort", onFailure as Events["abort"])
    const iterator: AsyncIterableIterator<Args<Events, E>> = {
      next: () => {
        if (queue.length > 0) return Promise.resolve({ value: queue.shift()!, done: false })
        if (failure !== undefined) {
          const { error } = failure
          failure = undefined
          done = true
          return Promise.reject(error)
        }
        if (done || this.#ended) return Promise.resolve({ value: undefined, done: true })
        return new Promise((resolve, reject) => waiting.push({ resolve, reject }))
      },
      return: () => {
        failure = undefined
        stop()
        return Promise.resolve({ value: undefined, done: true })
      },
      [Symbol.asyncIterator]: () => iterator
    }
    return iterator
  }

  /** Resolves when the helper ends; rejects with its failure. */
  async done(): Promise<void> {
    this.#observed = true
    await this.#endPromise
  }

  /** Calls the listeners of `event`. After `end`, nothing is emitted. */
  _emit<E extends keyof Events>(event: E, ...args: Args<Events, E>): void {
    if (this.#ended) return
    if (event === "end") {
      this.#ended = true
      this.#resolveEnd()
    }
    const listeners = this.#listeners[event]
    if (listeners !== undefined) {
      this.#listeners[event] = listeners.filter((registration) => !registration.once)
      for (const { listener } of listeners) listener(...args)
    }
    if (event === "abort" || event === "error") {
      const error = args[0]
      if (!this.#observed && (listeners === undefined || listeners.length === 0)) {
        // Nobody would see it otherwise: an unhandled rejection, as with the official SDK.
        void Promise.reject(error)
      }
      this.#rejectConnected(error)
      this.#rejectEnd(error)
      this._emit("end", ...([] as unknown as Args<Events, "end">))
    }
  }

  /** Emits the helper's final events before `end`. */
  protected _emitFinal(): void {}

  /** A failure as the official SDK delivers it: an abort, an `OpenAIError`, or anything else wrapped in one. */
  #fail(error: unknown): void {
    this.#errored = true
    if (error instanceof Error && error.name === "AbortError") error = new APIUserAbortError()
    if (error instanceof APIUserAbortError) {
      this.#aborted = true
      this._emit("abort", ...([error] as unknown as Args<Events, "abort">))
      return
    }
    if (error instanceof OpenAIError) {
      this._emit("error", ...([error] as unknown as Args<Events, "error">))
      return
    }
    const wrapped = new OpenAIError(error instanceof Error ? error.message : String(error))
    if (error instanceof Error) (wrapped as { cause?: unknown }).cause = error
    this._emit("error", ...([wrapped] as unknown as Args<Events, "error">))
  }
}
