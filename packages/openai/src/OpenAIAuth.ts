/**
 * Credentials as layers. The client asks for headers on every attempt, so a provider can rotate tokens.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as Scope from "effect/Scope"
import * as WorkloadIdentityCache from "./internal/workloadIdentity.js"
import type { OpenAIError } from "./OpenAIError.js"
import type * as WorkloadIdentity from "./WorkloadIdentity.js"

/**
 * What the client needs to know about a request to authenticate it.
 *
 * @since 0.1.0
 * @category models
 */
export interface AuthRequest {
  /** Admin endpoints (organization, projects, usage, audit logs) prefer an admin key. */
  readonly admin: boolean
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The credential headers of one attempt. */
  readonly headers: (request: AuthRequest) => Effect.Effect<Readonly<Record<string, string>>, OpenAIError>
  /**
   * The server answered 401 to an attempt sent with `headers` (the very object `headers` returned). A credential
   * that can be renewed drops it and answers `true`: the request is then sent once more, with a fresh credential,
   * when its body can be sent again. Absent: a 401 is final.
   */
  readonly rejected?: ((headers: Readonly<Record<string, string>>) => Effect.Effect<boolean>) | undefined
  /**
   * The credential travels in a header that `fetch` would carry to another origin on a redirect (`api-key`):
   * redirects are then not followed, and a 3xx answer is an error.
   */
  readonly noRedirects?: boolean | undefined
}

/**
 * The credentials service.
 *
 * @since 0.1.0
 * @category tags
 */
export class OpenAIAuth extends Context.Tag("@effect-openai/openai/OpenAIAuth")<OpenAIAuth, Service>() {}

/**
 * A secret given as a plain string or as `Redacted`.
 *
 * @since 0.1.0
 * @category models
 */
export type Secret = string | Redacted.Redacted<string>

const reveal = (secret: Secret): string => (typeof secret === "string" ? secret : Redacted.value(secret))

/**
 * Bearer API keys. `adminApiKey` is used for admin endpoints when present, `apiKey` otherwise (and for
 * everything else). At least one must be given.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeApiKey = (options: { readonly apiKey?: Secret | undefined; readonly adminApiKey?: Secret | undefined }): Service => {
  const key = options.apiKey === undefined ? undefined : { authorization: `Bearer ${reveal(options.apiKey)}` }
  const admin = options.adminApiKey === undefined ? key : { authorization: `Bearer ${reveal(options.adminApiKey)}` }
  const user = key ?? admin
  if (user === undefined || admin === undefined) {
    // Only reachable from untyped callers: the layers' types require a key.
    throw new globalThis.Error(
      "OpenAI needs an API key: pass apiKey (or adminApiKey), or use OpenAI.layerConfig() to read OPENAI_API_KEY"
    )
  }
  const userHeaders = Effect.succeed(user)
  const adminHeaders = Effect.succeed(admin)
  return { headers: (request) => (request.admin ? adminHeaders : userHeaders) }
}

/**
 * @since 0.1.0
 * @category layers
 */
export const layerApiKey = (options: { readonly apiKey?: Secret | undefined; readonly adminApiKey?: Secret | undefined }): Layer.Layer<OpenAIAuth> =>
  Layer.sync(OpenAIAuth, () => makeApiKey(options))

/** The headers of a key from a provider; the last key's headers are reused, so that its redactor is built once. */
const bearerOf = () => {
  let last: { readonly key: string; readonly headers: Readonly<Record<string, string>> } | undefined
  return (secret: Secret): Readonly<Record<string, string>> => {
    const key = reveal(secret)
    if (last?.key !== key) last = { key, headers: { authorization: `Bearer ${key}` } }
    return last.headers
  }
}

/**
 * An API key asked of `provider` before every attempt: keys that rotate, a vault, a secret manager. Caching is
 * the provider's to decide (`Effect.cachedWithTTL`, for instance). The key is sent as a bearer token and never
 * logged; the provider's failure fails the request.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerApiKeyProvider = <E extends OpenAIError, R>(
  provider: Effect.Effect<Secret, E, R>
): Layer.Layer<OpenAIAuth, never, R> =>
  Layer.effect(
    OpenAIAuth,
    Effect.map(Effect.context<R>(), (context) => {
      const bearer = bearerOf()
      const headers = Effect.map(Effect.provide(provider, context), bearer)
      return { headers: () => headers }
    })
  )

/**
 * A bearer token fetched by an effect before each attempt (see {@link layerApiKeyProvider}, which also takes
 * plain strings).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerBearer = <E extends OpenAIError, R>(
  token: Effect.Effect<Redacted.Redacted<string>, E, R>
): Layer.Layer<OpenAIAuth, never, R> => layerApiKeyProvider(token)

/**
 * Workload identity: subject tokens from `options.provider` exchanged for short-lived OpenAI access tokens,
 * shared by all requests (one exchange at a time), renewed before they expire, and dropped on a 401 (the request
 * is replayed once with a fresh token when its body allows). Needs an `HttpClient` for the exchange (`OpenAI`'s
 * layers give it theirs) and whatever the provider needs (`FileSystem` for Kubernetes).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWorkloadIdentity = <R = never>(
  options: WorkloadIdentity.Options<R>
): Layer.Layer<OpenAIAuth, never, HttpClient.HttpClient | Exclude<R, Scope.Scope>> =>
  Layer.scoped(OpenAIAuth, WorkloadIdentityCache.make(options)) as Layer.Layer<
    OpenAIAuth,
    never,
    HttpClient.HttpClient | Exclude<R, Scope.Scope>
  >

/**
 * Azure OpenAI's credentials: an `api-key` header (never carried across a redirect), or a Microsoft Entra ID
 * bearer token from `tokenProvider`, asked before every attempt (caching is the provider's to decide).
 * `AzureOpenAI.layer` uses it; routing and `api-version` are the client's.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerAzure = <E extends OpenAIError = never, R = never>(
  options:
    | { readonly apiKey: Secret; readonly tokenProvider?: undefined }
    | { readonly apiKey?: undefined; readonly tokenProvider: Effect.Effect<Secret, E, R> }
): Layer.Layer<OpenAIAuth, never, R> => {
  if (options.tokenProvider !== undefined) return layerApiKeyProvider(options.tokenProvider)
  const headers = Effect.succeed({ "api-key": reveal(options.apiKey!) })
  return Layer.succeed(OpenAIAuth, { headers: () => headers, noRedirects: true })
}
