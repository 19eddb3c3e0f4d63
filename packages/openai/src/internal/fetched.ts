/**
 * Small HTTP exchanges the credentials make on their own (a token exchange, a cloud metadata endpoint), over the
 * client's transport: redirects refused, a time limit, a capped body, and nothing secret in any error.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as OpenAIError from "../OpenAIError.js"
import { byteSource, readCapped } from "./body.js"
import { fromTransport, maxKeptBody } from "./errors.js"

/**
 * Runs `effect` with `redirect: "manual"` for the fetch transport (merged into any `RequestInit` already in
 * context). Other transports (undici) do not follow redirects at all; a 3xx answer is then an answer like any other.
 */
export const withoutRedirects = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(Effect.serviceOption(FetchHttpClient.RequestInit), (init) =>
    Effect.provideService(effect, FetchHttpClient.RequestInit, {
      ...Option.getOrUndefined(init),
      redirect: "manual"
    }))

/** An answer read whole (capped), with its headers lower-cased. */
export interface Answer {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly text: string
}

const decoder = new TextDecoder()

/**
 * Sends `request` without following redirects and reads at most 64 KiB of the answer, within `timeout`.
 * `describe` names the request in errors (a URL without its query: a query may carry an identity).
 */
export const fetchSmall = (
  request: HttpClientRequest.HttpClientRequest,
  describe: string,
  timeout: Duration.DurationInput
): Effect.Effect<Answer, OpenAIError.APIConnectionError | OpenAIError.APIConnectionTimeoutError, HttpClient.HttpClient> =>
  Effect.flatMap(HttpClient.HttpClient, (client) =>
    Effect.scoped(
      Effect.flatMap(
        Effect.mapError(
          withoutRedirects(Effect.withTracerEnabled(client.execute(request), false)),
          (error) => fromTransport(error, request.method, describe)
        ),
        (response) =>
          Effect.flatMap(Effect.runtime<never>(), (runtime) =>
            Effect.map(readCapped(byteSource(response, runtime), maxKeptBody), (bytes) => ({
              status: response.status,
              headers: response.headers,
              text: decoder.decode(bytes)
            })))
      )
    ).pipe(
      Effect.timeoutFail({
        duration: timeout,
        onTimeout: () =>
          new OpenAIError.APIConnectionTimeoutError({
            message: `${request.method} ${describe} timed out after ${Duration.format(timeout)}`,
            method: request.method,
            url: describe,
            phase: "request",
            timeout: Duration.decode(timeout)
          })
      })
    ))
