/**
 * The access-token cache of workload identity: one exchange in flight at a time (every concurrent request waits
 * for the same one), a token served until `refreshBuffer` before its expiry, then renewed in the background while
 * it keeps serving; an expired or missing token waits for the exchange. A 401 drops exactly the token it answered.
 */
import * as HttpBody from "@effect/platform/HttpBody"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import type { Service } from "../OpenAIAuth.js"
import * as OpenAIError from "../OpenAIError.js"
import type { Options } from "../WorkloadIdentity.js"
import { fromStatus, parseBody } from "./errors.js"
import { fetchSmall } from "./fetched.js"
import * as Redact from "./redact.js"

const defaultTokenURL = "https://auth.openai.com/oauth/token"
const defaultLifetime = 3600
const defaultRefreshBuffer = Duration.minutes(20)
/** Time limit of one exchange (the subject token and the token endpoint together). */
const exchangeTimeout = "60 seconds"
/** After a failed background renewal, the next try waits this long (or half the time left, if shorter). */
const renewalPause = 30_000

const tokenTypes = {
  jwt: "urn:ietf:params:oauth:token-type:jwt",
  id: "urn:ietf:params:oauth:token-type:id_token"
} as const

interface Token {
  /** The request headers carrying it: one object per token, so that a 401 names the token it answered. */
  readonly headers: Readonly<Record<string, string>>
  readonly expiresAt: number
  refreshAt: number
}

type ExchangeError = OpenAIError.RequestError

const stringField = (body: unknown, name: string): string | undefined => {
  const value = typeof body === "object" && body !== null ? (body as Record<string, unknown>)[name] : undefined
  return typeof value === "string" ? value : undefined
}

/** The token endpoint's answer as an access token, or the error it is. */
const readAnswer = (
  answer: { readonly status: number; readonly headers: Readonly<Record<string, string>>; readonly text: string },
  redactor: Redact.Redactor,
  now: number,
  refreshBuffer: number
): Effect.Effect<Token, ExchangeError> => {
  const text = redactor.text(answer.text)
  const headers = Redact.headers(redactor, answer.headers)
  const body = text === "" ? undefined : parseBody(text)
  const oauthError = (message: string) =>
    new OpenAIError.OAuthError({
      message,
      status: answer.status,
      errorCode: stringField(body, "error"),
      errorDescription: stringField(body, "error_description"),
      headers,
      body
    })
  if (answer.status >= 200 && answer.status < 300) {
    // The token is read from the answer as sent (the redacted copy is for errors only).
    const raw = answer.text === "" ? undefined : parseBody(answer.text)
    const accessToken = stringField(raw, "access_token")
    if (accessToken === undefined || accessToken === "") {
      // The answer holds no usable token; its text may hold other secrets, so it is not kept.
      return Effect.fail(
        new OpenAIError.OAuthError({
          message: `the token exchange answered ${answer.status} without an access_token`,
          status: answer.status,
          errorCode: undefined,
          errorDescription: undefined,
          headers,
          body: undefined
        })
      )
    }
    const expiresIn = (raw as Record<string, unknown>).expires_in
    const lifetime = (typeof expiresIn === "number" && expiresIn > 0 ? expiresIn : defaultLifetime) * 1000
    const expiresAt = now + lifetime
    return Effect.succeed({
      headers: { authorization: `Bearer ${accessToken}` },
      expiresAt,
      refreshAt: expiresAt - Math.min(refreshBuffer, lifetime / 2)
    })
  }
  if (answer.status >= 300 && answer.status < 400) {
    return Effect.fail(oauthError(`the token exchange answered a redirect (${answer.status}); redirects are refused`))
  }
  if (answer.status === 400 || answer.status === 401 || answer.status === 403) {
    const code = stringField(body, "error")
    const description = stringField(body, "error_description")
    const detail = [code, description].filter((s) => s !== undefined).join(": ")
    return Effect.fail(oauthError(`the token exchange was refused (${answer.status}${detail === "" ? "" : ` ${detail}`})`))
  }
  // Anything else (a 429, a 5xx) is an ordinary status error, retried as the request's policy says.
  return Effect.fail(fromStatus(answer.status, answer.headers, answer.text, redactor))
}

/** The credentials service of workload identity; its background renewals live in `scope`. */
export const make = <R>(
  options: Options<R>
): Effect.Effect<Service, never, HttpClient.HttpClient | R | Scope.Scope> =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const context = yield* Effect.context<HttpClient.HttpClient | R>()
    const tokenURL = options.tokenURL ?? defaultTokenURL
    const refreshBuffer = Duration.toMillis(options.refreshBuffer ?? defaultRefreshBuffer)
    const provider = options.provider

    const exchange: Effect.Effect<Token, ExchangeError, HttpClient.HttpClient | R> = Effect.gen(function*() {
      const subject = yield* provider.getToken
      const body: Record<string, string> = {
        grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
        subject_token: Redacted.value(subject),
        subject_token_type: tokenTypes[provider.tokenType],
        identity_provider_id: options.identityProviderId,
        service_account_id: options.serviceAccountId
      }
      if (options.clientId !== undefined) body.client_id = options.clientId
      const request = HttpClientRequest.post(tokenURL, {
        headers: { accept: "application/json" },
        body: HttpBody.text(JSON.stringify(body), "application/json")
      })
      const answer = yield* fetchSmall(request, tokenURL, exchangeTimeout)
      const now = yield* Clock.currentTimeMillis
      // An endpoint may echo what it was sent: the subject token never leaves in an error.
      const redactor = Redact.fromSecrets([Redacted.value(subject)])
      return yield* readAnswer(answer, redactor, now, refreshBuffer)
    }).pipe(
      // The limit covers the provider too: a hung provider would otherwise keep the exchange in flight forever,
      // and every request waiting on it.
      Effect.timeoutFail({
        duration: exchangeTimeout,
        onTimeout: () =>
          new OpenAIError.APIConnectionTimeoutError({
            message: `the token exchange (${provider.name}, then ${tokenURL}) timed out after ${Duration.format(exchangeTimeout)}`,
            method: "POST",
            url: tokenURL,
            phase: "request",
            timeout: Duration.decode(exchangeTimeout)
          })
      })
    )

    let current: Token | undefined
    let inFlight: Deferred.Deferred<Token, ExchangeError> | undefined

    /** The exchange in flight, started if there is none; it runs in the layer's scope, not in any caller's fiber. */
    const exchanging = (): Effect.Effect<Deferred.Deferred<Token, ExchangeError>> => {
      if (inFlight !== undefined) return Effect.succeed(inFlight)
      const deferred = Deferred.unsafeMake<Token, ExchangeError>(FiberId.none)
      inFlight = deferred
      return exchange.pipe(
        Effect.provide(context),
        Effect.onExit((exit) =>
          Effect.suspend(() => {
            inFlight = undefined
            if (Exit.isSuccess(exit)) current = exit.value
            return Deferred.done(deferred, exit)
          })
        ),
        Effect.forkIn(scope),
        Effect.as(deferred)
      )
    }

    /** A renewal while the token still serves: its failure only delays the next try. */
    const renewInBackground = (token: Token, now: number): Effect.Effect<void> => {
      if (inFlight !== undefined) return Effect.void
      token.refreshAt = now + Math.min(renewalPause, (token.expiresAt - now) / 2)
      return Effect.asVoid(exchanging())
    }

    const headers = (): Effect.Effect<Readonly<Record<string, string>>, ExchangeError> =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const token = current
        if (token !== undefined && now < token.expiresAt) {
          return now < token.refreshAt ? Effect.succeed(token.headers) : Effect.as(renewInBackground(token, now), token.headers)
        }
        return Effect.flatMap(Effect.suspend(exchanging), (deferred) =>
          Effect.map(Deferred.await(deferred), (t) => t.headers))
      })

    const rejected = (sent: Readonly<Record<string, string>>): Effect.Effect<boolean> =>
      Effect.sync(() => {
        if (current !== undefined && current.headers === sent) current = undefined
        return true
      })

    return { headers: () => Effect.suspend(headers), rejected }
  })
