/**
 * The machinery of `RealtimeSession`: the URL and credentials of a connection, one connection over the platform's
 * `Socket`, and the session's life across reconnections.
 *
 * One fiber runs the session (`lifecycle`); each connection adds two (the platform's reader and our writer). Per
 * event there is no fiber: a frame is parsed and offered to the events mailbox in the socket's own callback, and a
 * `send` that finds room in the outbound queue completes at once.
 */
import * as Socket from "@effect/platform/Socket"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Mailbox from "effect/Mailbox"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { Handshake, Service as Client } from "../OpenAIClient.js"
import * as OpenAIError from "../OpenAIError.js"
import type { RequestSpec } from "../OpenAIRequest.js"
import type {
  ClientEvent,
  ConnectOptions,
  Event,
  Reconnected,
  Session,
  Transport,
  WebSocketLike
} from "../realtime/RealtimeSession.js"
import { Outbound } from "./outbound.js"
import { logRank } from "./telemetry.js"

const defaultCapacity = 1024
const defaultMaxBytes = 16 * 1024 * 1024
/** The socket's own buffer is kept under this (or `maxBytes` when smaller). */
const socketHighWater = 1024 * 1024
/** The text an invalid frame's error keeps. */
const keptData = 64 * 1024
/** How long `close` waits for the server's answer before dropping the connection. */
const closeWait: Duration.DurationInput = "2 seconds"
const defaultOpenTimeout: Duration.DurationInput = "10 seconds"

const handshakeSpec: RequestSpec = { method: "GET", path: "/realtime", operation: "realtime.connect" }

// -----------------------------------------------------------------------------
// reconnection rule
// -----------------------------------------------------------------------------

/** Going away, no status, abnormal closure, internal error, service restart, try again later, bad gateway. */
const reconnectableCodes: ReadonlySet<number> = new Set([1001, 1005, 1006, 1011, 1012, 1013, 1014])

export const isReconnectable = (error: OpenAIError.RealtimeError): boolean => {
  switch (error._tag) {
    case "RealtimeConnectError": {
      const status = error.status
      if (status !== undefined) return status === 408 || status === 429 || status >= 500
      return !OpenAIError.isOpenAIError(error.cause) || OpenAIError.isRetryable(error.cause)
    }
    case "RealtimeClosedError":
      return reconnectableCodes.has(error.code)
    case "RealtimeSessionExpiredError":
      return true
    default:
      return false
  }
}

// -----------------------------------------------------------------------------
// where and how
// -----------------------------------------------------------------------------

/**
 * The socket's URL, from the client's: its base URL with `/realtime` and its default query (what `handshake`
 * gives), `http(s)` as `ws(s)`; Azure's two forms; or the caller's URL. Throws on a URL that cannot be parsed.
 */
export const realtimeURL = (clientURL: string, options: ConnectOptions): URL => {
  const url = new URL(options.url ?? clientURL)
  if (options.url === undefined) {
    if (url.protocol === "https:") url.protocol = "wss:"
    else if (url.protocol === "http:") url.protocol = "ws:"
    const azure = options.azure
    if (azure !== undefined) {
      const root = url.pathname.replace(/\/realtime$/, "").replace(/\/v1$/, "")
      const v1 = azure.apiVersion === undefined ? !url.searchParams.has("api-version") : azure.apiVersion === "v1"
      if (v1) {
        url.pathname = `${root}/v1/realtime`
        url.searchParams.delete("api-version")
        url.searchParams.set("model", azure.deployment)
      } else {
        url.pathname = `${root}/realtime`
        if (azure.apiVersion !== undefined) url.searchParams.set("api-version", azure.apiVersion)
        url.searchParams.set("deployment", azure.deployment)
      }
    }
  }
  if (options.model !== undefined) url.searchParams.set("model", options.model)
  if (options.callId !== undefined) url.searchParams.set("call_id", options.callId)
  return url
}

const headerOf = (headers: Readonly<Record<string, string>>, name: string): string | undefined => {
  for (const key in headers) if (key.toLowerCase() === name) return headers[key]
  return undefined
}

/**
 * Headers, or subprotocols for a transport that cannot send headers (the way browsers authenticate), or why the
 * credentials cannot travel.
 */
export const credentialsOf = (
  transport: Transport,
  handshake: Handshake,
  azure: boolean
): { readonly headers: Readonly<Record<string, string>>; readonly protocols: ReadonlyArray<string> } | string => {
  if (transport.headers) return { headers: { ...handshake.headers, ...handshake.credentials }, protocols: [] }
  if (azure || headerOf(handshake.credentials, "api-key") !== undefined) {
    return "Azure's credentials need handshake headers, which this transport cannot send: use NodeRealtime.layer or a proxy"
  }
  const bearer = headerOf(handshake.credentials, "authorization")
  if (bearer === undefined || !/^bearer /i.test(bearer)) return "the credentials have no bearer token to send as a subprotocol"
  const protocols = ["realtime", `openai-insecure-api-key.${bearer.slice(7)}`]
  const organization = headerOf(handshake.headers, "openai-organization")
  if (organization !== undefined) protocols.push(`openai-organization.${organization}`)
  const project = headerOf(handshake.headers, "openai-project")
  if (project !== undefined) protocols.push(`openai-project.${project}`)
  return { headers: {}, protocols }
}

// -----------------------------------------------------------------------------
// errors
// -----------------------------------------------------------------------------

/** A readable line for what a socket failed with (an `ErrorEvent`, an `Error`, a string). */
const describe = (cause: unknown): string => {
  if (cause instanceof Error) return cause.message
  if (typeof cause === "string") return cause
  if (typeof cause === "object" && cause !== null) {
    const error = (cause as { readonly error?: unknown }).error
    if (error instanceof Error) return error.message
    const message = (cause as { readonly message?: unknown }).message
    if (typeof message === "string" && message !== "") return message
  }
  return "WebSocket error"
}

/**
 * What an error keeps of a socket failure: the underlying `Error`, never the event (whose `target` is the socket,
 * whose request holds the credentials).
 */
const keptCause = (cause: unknown): unknown => {
  if (cause instanceof Error || typeof cause === "string") return cause
  const error = typeof cause === "object" && cause !== null ? (cause as { readonly error?: unknown }).error : undefined
  return error instanceof Error ? error : describe(cause)
}

const connectError = (url: string, status: number | undefined, detail: string, cause?: unknown) =>
  new OpenAIError.RealtimeConnectError({
    message: status === undefined
      ? `Realtime connection to ${url} failed: ${detail}`
      : `Realtime connection to ${url} refused: HTTP ${status}`,
    url,
    status,
    ...(cause === undefined ? {} : { cause })
  })

const closedError = (code: number, reason: string, detail?: string) =>
  new OpenAIError.RealtimeClosedError({
    message: detail ?? `Realtime connection closed by the server: ${code}${reason === "" ? "" : ` ${reason}`}`,
    code,
    reason
  })

type Failure =
  | Socket.SocketError
  | OpenAIError.RealtimeConnectError
  | OpenAIError.RealtimeClosedError
  | OpenAIError.RealtimeSessionExpiredError
  | OpenAIError.RealtimeInvalidMessageError

/** What ended a connection, as the session reports it. */
const classify = (
  failure: Failure,
  opened: boolean,
  status: number | undefined,
  url: string
): OpenAIError.RealtimeError => {
  if (!Socket.isSocketError(failure)) return failure
  if (failure.reason === "Close") {
    return opened
      ? closedError(failure.code, failure.closeReason ?? "")
      : connectError(url, status, `closed before it opened (${failure.code})`)
  }
  if (!opened || failure.reason === "Open" || failure.reason === "OpenTimeout") {
    return connectError(
      url,
      status,
      failure.reason === "OpenTimeout" ? "it did not open in time" : describe(failure.cause),
      keptCause(failure.cause)
    )
  }
  return closedError(1006, "", `Realtime connection lost: ${describe(failure.cause)}`)
}

const safeClose = (ws: WebSocketLike, code: number, reason: string): void => {
  try {
    ws.close(code, reason)
  } catch {
    try {
      ws.close(1000)
    } catch {
      // already closing
    }
  }
}

const isEventObject = (u: unknown): u is { readonly type: string } =>
  typeof u === "object" && u !== null && !Array.isArray(u) && typeof (u as { readonly type?: unknown }).type === "string"

const isExpiry = (event: { readonly type: string }): boolean =>
  event.type === "error" &&
  (event as { readonly error?: { readonly code?: unknown } }).error?.code === "session_expired"

const positive = (value: number | undefined, fallback: number, name: string): number | string => {
  if (value === undefined) return fallback
  return Number.isSafeInteger(value) && value > 0 ? value : `${name} must be a positive integer, got ${value}`
}

// -----------------------------------------------------------------------------
// the session
// -----------------------------------------------------------------------------

export const connect = (
  client: Client,
  transport: Transport,
  options: ConnectOptions,
  logLevel: number
): Effect.Effect<Session, OpenAIError.RealtimeConnectError, Scope.Scope> =>
  Effect.gen(function*() {
    const capacity = positive(options.outbound?.capacity, defaultCapacity, "outbound.capacity")
    const maxBytes = positive(options.outbound?.maxBytes, defaultMaxBytes, "outbound.maxBytes")
    if (typeof capacity === "string") return yield* Effect.dieMessage(capacity)
    if (typeof maxBytes === "string") return yield* Effect.dieMessage(maxBytes)
    const highWater = Math.min(maxBytes, socketHighWater)
    const openTimeout = options.openTimeout ?? defaultOpenTimeout
    const failOnInvalid = options.invalidMessage === "fail"

    const scope = yield* Effect.scope
    const mailbox = yield* Mailbox.make<Event, OpenAIError.RealtimeError>()
    const outbound = new Outbound<OpenAIError.RealtimeClosedError>(capacity, maxBytes)
    const firstOpen = yield* Deferred.make<void, OpenAIError.RealtimeConnectError>()
    const closeRequested = yield* Deferred.make<void>()
    const state: { current: WebSocketLike | undefined; closing: boolean; code: number; reason: string } = {
      current: undefined,
      closing: false,
      code: 1000,
      reason: ""
    }
    const decoder = new TextDecoder()

    const invalid = (text: string, cause: unknown): Effect.Effect<void, OpenAIError.RealtimeInvalidMessageError> | void => {
      if (failOnInvalid) {
        return Effect.fail(
          new OpenAIError.RealtimeInvalidMessageError({
            message: "Realtime server sent a frame that is not a JSON event",
            data: text.length > keptData ? text.slice(0, keptData) : text,
            ...(cause === undefined ? {} : { cause })
          })
        )
      }
      if (logLevel >= logRank.debug) {
        return Effect.logDebug("openai realtime skipped a frame that is not a JSON event").pipe(
          Effect.annotateLogs({ length: text.length })
        )
      }
    }

    /** A frame: parsed and offered in the socket's callback; an effect only to end the connection or to log. */
    const onMessage = (
      data: string | Uint8Array
    ): Effect.Effect<void, OpenAIError.RealtimeSessionExpiredError | OpenAIError.RealtimeInvalidMessageError> | void => {
      const text = typeof data === "string" ? data : decoder.decode(data)
      let event: unknown
      try {
        event = JSON.parse(text)
      } catch (cause) {
        return invalid(text, cause)
      }
      if (!isEventObject(event)) return invalid(text, undefined)
      mailbox.unsafeOffer(event as Event)
      if (isExpiry(event)) {
        const error = (event as { readonly error?: { readonly message?: unknown } }).error ?? {}
        return Effect.fail(
          new OpenAIError.RealtimeSessionExpiredError({
            message: `Realtime session expired: ${typeof error.message === "string" ? error.message : "session_expired"}`,
            code: "session_expired",
            event
          })
        )
      }
    }

    /** Waits until the socket's own buffer is below the high-water mark: polled, only while it is not. */
    const drained = (ws: WebSocketLike, delay: number): Effect.Effect<void> =>
      ws.bufferedAmount < highWater || ws.readyState !== 1
        ? Effect.void
        : Effect.zipRight(Effect.sleep(delay), Effect.suspend(() => drained(ws, Math.min(delay * 2, 50))))

    /** Hands queued events to an open socket, one at a time; an event leaves the queue once the socket has it. */
    const writer = (ws: WebSocketLike): Effect.Effect<never, OpenAIError.RealtimeClosedError> =>
      Effect.forever(
        Effect.flatMap(outbound.peek, (text) =>
          Effect.zipRight(
            drained(ws, 1),
            Effect.suspend((): Effect.Effect<void, OpenAIError.RealtimeClosedError> => {
              // A socket that is closing: its close event ends the connection; the event stays queued.
              if (ws.readyState !== 1) return Effect.never
              try {
                ws.send(text)
              } catch (cause) {
                return Effect.fail(closedError(1006, "", `Realtime connection lost: ${describe(cause)}`))
              }
              outbound.shift()
              return Effect.void
            })
          ))
      )

    /**
     * One connection, from the handshake to its end: the error that ended it, or `undefined` when the client
     * closed the session. `onOpen` runs in the socket's `open` callback, before any of its messages.
     */
    const connection = (onOpen: () => void, renewed = false): Effect.Effect<OpenAIError.RealtimeError | undefined> =>
      Effect.gen(function*() {
        let status: number | undefined
        let rejected: Effect.Effect<boolean> = Effect.succeed(false)
        let opened = false
        let socket: WebSocketLike | undefined
        let url = options.url === undefined ? client.baseURL : "the Realtime URL"
        const ready = yield* Deferred.make<void>()
        const attempt = Effect.gen(function*() {
          const handshake = yield* Effect.mapError(
            client.handshake(handshakeSpec),
            (cause) => connectError(url, undefined, cause.message, cause)
          )
          const target = yield* Effect.try({
            try: () => realtimeURL(handshake.url, options),
            catch: (cause) => connectError(url, undefined, `invalid URL: ${describe(cause)}`)
          })
          url = target.origin + target.pathname
          rejected = handshake.rejected
          const auth = credentialsOf(transport, handshake, options.azure !== undefined)
          if (typeof auth === "string") return yield* Effect.fail(connectError(url, undefined, auth))
          const acquire = Effect.acquireRelease(
            Effect.try({
              try: () => {
                const ws = transport.open(target.href, {
                  headers: auth.headers,
                  protocols: auth.protocols,
                  onRefused: (refused) => {
                    status = refused
                  }
                })
                socket = ws
                state.current = ws
                ws.addEventListener("open", () => {
                  opened = true
                  onOpen()
                  Deferred.unsafeDone(ready, Exit.void)
                }, { once: true })
                if (state.closing) safeClose(ws, state.code, state.reason)
                return ws as unknown as globalThis.WebSocket
              },
              catch: (cause) => new Socket.SocketGenericError({ reason: "Open", cause })
            }),
            (ws) =>
              Effect.sync(() => {
                if (ws.readyState <= 1) safeClose(ws, 1000, "")
              })
          )
          const platformSocket = yield* Socket.fromWebSocket(acquire, { closeCodeIsError: () => true, openTimeout })
          return yield* Effect.raceFirst(
            platformSocket.runRaw(onMessage),
            Effect.zipRight(Deferred.await(ready), Effect.suspend(() => writer(socket!)))
          )
        })
        const exit = yield* Effect.exit(attempt)
        if (state.closing) return undefined
        if (Exit.isSuccess(exit)) return closedError(1000, "")
        const failure = Cause.failureOption(exit.cause)
        if (Option.isNone(failure)) return yield* Effect.failCause(exit.cause as Cause.Cause<never>)
        // Credentials refused that can be renewed (workload identity): one more try, as a request gets.
        if (status === 401 && !renewed && (yield* rejected)) return yield* connection(onOpen, true)
        return classify(failure.value, opened, status, url)
      })

    const announce = (attempt: number, cause: OpenAIError.RealtimeError): void => {
      const unsent = outbound.drain().map((text) => JSON.parse(text) as ClientEvent)
      const event: Reconnected = { type: "effect_openai.reconnected", attempt, cause, unsent }
      mailbox.unsafeOffer(event)
    }

    /** Connections, one after another while the schedule allows: what ended the session, `undefined` for a close. */
    const lifecycle = Effect.gen(function*() {
      const driver = options.reconnect === undefined ? undefined : yield* Schedule.driver(options.reconnect)
      let connected = false
      let lost: OpenAIError.RealtimeError | undefined
      let tries = 0
      while (true) {
        let opened = false
        const end = yield* connection(() => {
          opened = true
          if (!connected) {
            connected = true
            Deferred.unsafeDone(firstOpen, Exit.void)
          } else {
            announce(tries, lost!)
          }
          tries = 0
        })
        if (end === undefined || !connected) return end
        if (opened) lost = end
        if (driver === undefined || !isReconnectable(end)) return end
        const next = yield* Effect.raceFirst(
          Effect.option(driver.next(end)),
          Effect.as(Deferred.await(closeRequested), Option.none())
        )
        if (state.closing) return undefined
        if (Option.isNone(next)) return end
        tries++
        if (logLevel >= logRank.info) {
          yield* Effect.logInfo("openai realtime reconnecting").pipe(
            Effect.annotateLogs({ error: end._tag, attempt: tries, ...(end._tag === "RealtimeClosedError" ? { code: end.code } : {}) })
          )
        }
      }
    })

    const finish = (exit: Exit.Exit<OpenAIError.RealtimeError | undefined>): Effect.Effect<void> =>
      Effect.sync(() => {
        if (Exit.isFailure(exit)) {
          outbound.close(closedError(1006, "", "the Realtime session stopped"))
          Deferred.unsafeDone(firstOpen, exit as Exit.Exit<never>)
          mailbox.unsafeDone(Cause.isInterruptedOnly(exit.cause) ? Exit.void : (exit as Exit.Exit<never>))
          return
        }
        const end = exit.value
        outbound.close(
          end === undefined
            ? closedError(state.code, state.reason, "the Realtime session was closed by the client")
            : end._tag === "RealtimeClosedError"
            ? end
            : closedError(end._tag === "RealtimeConnectError" ? 1006 : 1000, "", `the Realtime session is over: ${end.message}`)
        )
        Deferred.unsafeDone(
          firstOpen,
          Exit.fail(
            end?._tag === "RealtimeConnectError" ? end : connectError(client.baseURL, undefined, "closed before it opened")
          )
        )
        mailbox.unsafeDone(end === undefined ? Exit.void : Exit.fail(end))
      })

    const fiber = yield* Effect.forkIn(Effect.onExit(lifecycle, finish), scope)

    const close = (code = 1000, reason = ""): Effect.Effect<void> =>
      Effect.suspend(() => {
        if (!state.closing) {
          state.closing = true
          state.code = code
          state.reason = reason
          Deferred.unsafeDone(closeRequested, Exit.void)
          const ws = state.current
          if (ws !== undefined && ws.readyState <= 1) safeClose(ws, code, reason)
        }
        // Interruptible: `close` runs in finalizers, where an uninterruptible wait would outlast its timeout.
        return Fiber.await(fiber).pipe(
          Effect.interruptible,
          Effect.timeout(closeWait),
          Effect.catchAll(() =>
            Effect.sync(() => {
              // No answer in time (a server that does not read gets our close frame late): drop the connection.
              const ws = state.current
              if (ws !== undefined && ws.readyState !== 3) ws.terminate?.()
            })
          ),
          Effect.zipRight(Fiber.interrupt(fiber)),
          Effect.asVoid
        )
      })

    yield* Effect.addFinalizer(() => close(1000, ""))
    yield* Effect.onInterrupt(Deferred.await(firstOpen), () => close(1000, ""))

    const session: Session = {
      send: (event) => Effect.suspend(() => outbound.offer(JSON.stringify(event))),
      events: Stream.ensuringWith(
        Mailbox.toStream(mailbox),
        (exit) => Exit.isInterrupted(exit) ? close(1000, "") : Effect.void
      ),
      close,
      get socket() {
        return state.current
      }
    }
    return session
  })
