/**
 * Credentials as layers. The client asks for headers on every attempt, so a provider can rotate tokens.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type { OpenAIError } from "./OpenAIError.js"

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
  readonly headers: (request: AuthRequest) => Effect.Effect<Readonly<Record<string, string>>, OpenAIError>
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

/**
 * A bearer token fetched by an effect before each attempt: rotating keys, workload identity tokens, a vault.
 * Cache inside the effect (e.g. `Effect.cachedWithTTL`) when fetching is costly.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerBearer = <E extends OpenAIError, R>(
  token: Effect.Effect<Redacted.Redacted<string>, E, R>
): Layer.Layer<OpenAIAuth, never, R> =>
  Layer.effect(
    OpenAIAuth,
    Effect.map(Effect.context<R>(), (context) => ({
      headers: () =>
        Effect.map(Effect.provide(token, context), (t) => ({ authorization: `Bearer ${Redacted.value(t)}` }))
    }))
  )
