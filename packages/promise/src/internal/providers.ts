/**
 * The core providers behind the facade's provider objects: the ones `@effect-openai/promise/auth` makes carry
 * theirs (with the layer their own requests need); a user's `{ tokenType, getToken }` becomes a custom one.
 */
import * as WorkloadIdentityCore from "@effect-openai/openai/WorkloadIdentity"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type { SubjectTokenProvider } from "../auth.js"
import { OpenAIError } from "../core/error.js"

/** The key under which a provider made by `auth.ts` keeps its core provider (not enumerable). */
export const coreProvider: unique symbol = Symbol.for("@effect-openai/promise/auth/coreProvider") as never

/** A core provider with the layer its own requests need (a metadata `fetch`, a file reader). */
export interface CoreBacked {
  readonly provider: WorkloadIdentityCore.SubjectTokenProvider<any>
  readonly layer: Layer.Layer<any>
}

/**
 * The core provider of a facade provider. The provider's layer serves its own requests only, so that the token
 * exchange goes over the client's transport and a client `fetch` does not take the place of the provider's.
 */
export const toCore = (provider: SubjectTokenProvider): WorkloadIdentityCore.SubjectTokenProvider<never> => {
  const backed = (provider as { [coreProvider]?: CoreBacked })[coreProvider]
  if (backed !== undefined) {
    return { ...backed.provider, getToken: Effect.provide(backed.provider.getToken, backed.layer) }
  }
  if (provider === null || typeof provider !== "object" || typeof provider.getToken !== "function") {
    throw new OpenAIError("workloadIdentity.provider must be an object with tokenType and getToken()")
  }
  if (provider.tokenType !== "jwt" && provider.tokenType !== "id") {
    throw new OpenAIError(`workloadIdentity.provider.tokenType must be "jwt" or "id", got ${JSON.stringify(provider.tokenType)}`)
  }
  return WorkloadIdentityCore.custom({
    tokenType: provider.tokenType,
    getToken: Effect.tryPromise({ try: () => provider.getToken(), catch: (cause) => cause })
  })
}
