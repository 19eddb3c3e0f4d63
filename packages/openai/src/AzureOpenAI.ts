/**
 * Azure OpenAI: the same operations against an Azure resource. An `api-key` or a Microsoft Entra ID token,
 * the `api-version` query parameter, and deployment-scoped URLs (`/openai/deployments/{deployment}/…`) for the
 * model endpoints; or, with `apiVersion: "v1"` (the default), Azure's v1 endpoint `{endpoint}/openai/v1`, which
 * takes neither.
 *
 * ```ts
 * AzureOpenAI.layer({ endpoint: "https://my-resource.openai.azure.com", apiVersion: "2024-10-21", apiKey })
 * AzureOpenAI.layer({ endpoint, tokenProvider: entraToken })   // an Effect yielding a bearer token
 * AzureOpenAI.layerConfig()   // AZURE_OPENAI_API_KEY, AZURE_OPENAI_ENDPOINT, OPENAI_API_VERSION
 * ```
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as OpenAI from "./OpenAI.js"
import * as OpenAIAuth from "./OpenAIAuth.js"
import type * as OpenAIClient from "./OpenAIClient.js"
import type * as OpenAIConfig from "./OpenAIConfig.js"
import type { OpenAIError } from "./OpenAIError.js"

/**
 * Where the resource is: its `endpoint` (`https://my-resource.openai.azure.com`), or a full `baseURL` (a proxy, a
 * custom domain; used as given).
 *
 * @since 0.1.0
 * @category models
 */
export type Location =
  | { readonly endpoint: string; readonly baseURL?: undefined }
  | { readonly baseURL: string; readonly endpoint?: undefined }

/**
 * The credential: an API key (sent as `api-key`), or a provider of Microsoft Entra ID tokens (sent as a bearer
 * token, asked before every attempt; caching is the provider's to decide).
 *
 * @since 0.1.0
 * @category models
 */
export type Credential<E, R> =
  | { readonly apiKey: OpenAIAuth.Secret; readonly tokenProvider?: undefined }
  | { readonly apiKey?: undefined; readonly tokenProvider: Effect.Effect<OpenAIAuth.Secret, E, R> }

/**
 * @since 0.1.0
 * @category models
 */
export interface Options extends Omit<OpenAIClient.Options, "baseURL" | "azureDeployments">, OpenAIConfig.Overrides {
  /**
   * The API version, sent as `api-version`. `"v1"` (the default) is Azure's v1 endpoint instead, which takes no
   * version and no deployment in its URLs.
   */
  readonly apiVersion?: string | undefined
  /** The deployment for the model endpoints; otherwise each request's `model` names it. */
  readonly deployment?: string | undefined
  /** The transport, as in `OpenAI.layer`. */
  readonly httpClient?: Layer.Layer<HttpClient.HttpClient> | undefined
}

/** The client options of an Azure resource. */
const clientOptions = (options: Options & Location): OpenAIClient.Options => {
  const apiVersion = options.apiVersion ?? "v1"
  const v1 = apiVersion === "v1"
  const root = options.baseURL ?? `${options.endpoint!.replace(/\/+$/, "")}/openai${v1 ? "/v1" : ""}`
  return {
    ...options,
    baseURL: root,
    ...(v1 ? {} : {
      defaultQuery: { ...options.defaultQuery, "api-version": apiVersion },
      azureDeployments: { deployment: options.deployment }
    })
  }
}

/**
 * The client for an Azure OpenAI resource, with its credential, settings and a transport.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <E extends OpenAIError = never, R = never>(
  options: Options & Location & Credential<E, R>
): Layer.Layer<OpenAIClient.OpenAIClient, never, Exclude<R, HttpClient.HttpClient>> =>
  OpenAI.layerWithAuth(
    OpenAIAuth.layerAzure<E, R>(
      options.tokenProvider !== undefined ? { tokenProvider: options.tokenProvider } : { apiKey: options.apiKey! }
    ),
    clientOptions(options)
  )

const optional = (name: string): Config.Config<string | undefined> =>
  Config.string(name).pipe(Config.option, Config.map(Option.filter((s) => s.trim() !== "")), Config.map(Option.getOrUndefined))

/**
 * The client from the environment, as the official `AzureOpenAI` reads it: `AZURE_OPENAI_API_KEY`,
 * `AZURE_OPENAI_ENDPOINT`, `OPENAI_API_VERSION` (default `v1`). Plain `options` win; a `tokenProvider` in them
 * replaces the key. Fails with a `ConfigError` naming what is missing.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = <E extends OpenAIError = never, R = never>(
  options: Options & { readonly tokenProvider?: Effect.Effect<OpenAIAuth.Secret, E, R> | undefined } = {}
): Layer.Layer<OpenAIClient.OpenAIClient, ConfigError.ConfigError, Exclude<R, HttpClient.HttpClient>> =>
  Layer.unwrapEffect(
    Effect.gen(function*() {
      const endpoint = yield* optional("AZURE_OPENAI_ENDPOINT")
      const apiVersion = options.apiVersion ?? (yield* optional("OPENAI_API_VERSION"))
      const apiKey = yield* Config.redacted("AZURE_OPENAI_API_KEY").pipe(
        Config.option,
        Config.map(Option.filter((s) => Redacted.value(s).trim() !== "")),
        Config.map(Option.getOrUndefined)
      )
      if (endpoint === undefined) {
        return yield* Effect.fail(ConfigError.MissingData(["AZURE_OPENAI_ENDPOINT"], "AZURE_OPENAI_ENDPOINT is not set"))
      }
      const credential: Credential<E, R> | undefined = options.tokenProvider !== undefined
        ? { tokenProvider: options.tokenProvider }
        : apiKey !== undefined
        ? { apiKey }
        : undefined
      if (credential === undefined) {
        return yield* Effect.fail(
          ConfigError.MissingData(["AZURE_OPENAI_API_KEY"], "AZURE_OPENAI_API_KEY is not set and no tokenProvider was given")
        )
      }
      return layer<E, R>({ ...options, endpoint, apiVersion, ...credential } as Options & Location & Credential<E, R>)
    })
  )
