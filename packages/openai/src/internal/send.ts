/**
 * One attempt of a request, up to its response headers: credentials from `OpenAIAuth`, the transport, debug
 * logs, and a non-2xx status turned into its tagged error from at most the first 64 KiB of its body.
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { Service as Auth } from "../OpenAIAuth.js"
import type { RequestSpec } from "../OpenAIRequest.js"
import * as OpenAIError from "../OpenAIError.js"
import { byteSource, readCapped } from "./body.js"
import { withoutRedirects } from "./fetched.js"
import * as InternalErrors from "./errors.js"
import type { Prepared } from "./prepare.js"
import * as Redact from "./redact.js"
import { logRank, logRequest, logResponse } from "./telemetry.js"
import { type Timeout, timeoutError } from "./timeouts.js"
import { AttemptTimeout, attemptTimeouts } from "./transport.js"

/** A response whose status was checked, with its headers read once (the platform rebuilds them per access). */
export interface Sent {
  readonly response: HttpClientResponse.HttpClientResponse
  readonly headers: Readonly<Record<string, string>>
  /** Takes the credentials of this attempt out of anything built from the server's data. */
  readonly redactor: Redact.Redactor
}

/** A transport failure, or the native attempt timer's abort, as our error. */
export const transportError = (
  prepared: Prepared,
  error: HttpClientError.HttpClientError,
  timeout: Timeout | undefined
): OpenAIError.OpenAIError =>
  timeout !== undefined && error.cause instanceof AttemptTimeout
    ? timeoutError(prepared, timeout.phase, timeout.limit)
    : error.cause instanceof OpenAIError.UploadError // a file that failed while it was being sent
    ? error.cause
    : InternalErrors.fromTransport(error, prepared.method, prepared.urlForErrors)

const decoder = new TextDecoder()

/** At most `maxKeptBody` bytes of a response's body (an error's). */
const readBody = (response: HttpClientResponse.HttpClientResponse): Effect.Effect<Uint8Array> =>
  Effect.flatMap(Effect.runtime<never>(), (runtime) =>
    readCapped(byteSource(response, runtime), InternalErrors.maxKeptBody))

/** The status error of a response, from at most `maxKeptBody` bytes of its body. */
const statusError = (
  response: HttpClientResponse.HttpClientResponse,
  headers: Readonly<Record<string, string>>,
  redactor: Redact.Redactor
): Effect.Effect<never, OpenAIError.StatusError> =>
  Effect.flatMap(readBody(response), (bytes) =>
    Effect.fail(InternalErrors.fromStatus(response.status, headers, decoder.decode(bytes), redactor)))

/**
 * The attempt function of one client. The platform's own client span is switched off: the operation's span
 * already covers the request, and the platform would add trace headers to every call. A 401 to a renewable
 * credential (workload identity) replays the attempt once, unless its body can be sent only once.
 */
export const makeSend = (httpClient: HttpClient.HttpClient, auth: Auth) => {
  const attempt = (
    prepared: Prepared,
    logLevel: number,
    timeout: Timeout | undefined,
    replayed: boolean
  ): Effect.Effect<Sent, OpenAIError.OpenAIError> =>
    Effect.flatMap(auth.headers({ admin: prepared.admin }), (authHeaders) => {
      const headers = { ...prepared.headers, ...authHeaders }
      const request = HttpClientRequest.make(prepared.method)(prepared.url, { headers, body: prepared.body })
      if (timeout !== undefined) attemptTimeouts.set(request, Duration.toMillis(timeout.limit))
      const sending = Effect.withTracerEnabled(httpClient.execute(request), false)
      const execute = Effect.catchAll(
        auth.noRedirects ? withoutRedirects(sending) : sending,
        (error) => Effect.fail(transportError(prepared, error, timeout))
      )
      const debug = logLevel >= logRank.debug
      return Effect.flatMap(debug ? Effect.zipRight(logRequest(prepared, request.headers), execute) : execute, (response) => {
        const responseHeaders = response.headers
        const redactor = Redact.fromHeaders(authHeaders)
        const status = response.status
        let checked: Effect.Effect<Sent, OpenAIError.OpenAIError>
        if (status >= 200 && status < 300) checked = Effect.succeed({ response, headers: responseHeaders, redactor })
        else if (status === 401 && auth.rejected !== undefined) {
          // A renewable credential was refused: it is dropped in any case (the next request gets a fresh one), and
          // this request is sent once more with a fresh one when it has not been already and its body allows.
          const rejected = auth.rejected
          checked = Effect.flatMap(readBody(response), (bytes) =>
            Effect.flatMap(rejected(authHeaders), (renewable) =>
              renewable && !replayed && !prepared.oneShot
                ? attempt(prepared, logLevel, timeout, true)
                : Effect.fail(InternalErrors.fromStatus(status, responseHeaders, decoder.decode(bytes), redactor))))
        } else checked = statusError(response, responseHeaders, redactor)
        // A server may echo the credentials in a response header: the log gets the headers through the redactor.
        return debug
          ? Effect.zipRight(logResponse(prepared, status, Redact.headers(redactor, responseHeaders)), checked)
          : checked
      })
    })
  return (prepared: Prepared, logLevel: number, timeout: Timeout | undefined): Effect.Effect<Sent, OpenAIError.OpenAIError> =>
    attempt(prepared, logLevel, timeout, false)
}


/** What the request and stream machinery of one client works with. */
export interface Engine {
  readonly prepare: (spec: RequestSpec) => Effect.Effect<Prepared, OpenAIError.InvalidInputError | OpenAIError.UploadError>
  readonly send: ReturnType<typeof makeSend>
  /** The transport enforces attempt timeouts itself. */
  readonly native: boolean
}
