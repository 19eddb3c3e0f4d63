/**
 * The front door: one layer gives a program the client, its credentials, its settings and an HTTP transport.
 *
 * ```ts
 * Effect.runPromise(program.pipe(Effect.provide(OpenAI.layerConfig())))        // env: OPENAI_API_KEY, ...
 * Effect.runPromise(program.pipe(Effect.provide(OpenAI.layer({ apiKey: Redacted.make(key) }))))
 * ```
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { defaultHttpClient } from "#platform"
import * as OpenAIAuth from "./OpenAIAuth.js"
import * as OpenAIClient from "./OpenAIClient.js"
import * as OpenAIConfig from "./OpenAIConfig.js"

/**
 * Everything `layer` accepts: the client's options, credentials, settings (see `OpenAIConfig`) and the transport.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options extends OpenAIClient.Options, OpenAIConfig.Overrides {
  readonly apiKey?: OpenAIAuth.Secret | undefined
  /** Used for admin endpoints (organization, projects, usage, audit logs). */
  readonly adminApiKey?: OpenAIAuth.Secret | undefined
  /**
   * The transport. Default: on Node, `UndiciTransport.layer` (from `@effect-openai/openai/node`), a lean client
   * over undici; elsewhere the platform's `FetchHttpClient.layer`. Any `HttpClient` layer fits.
   */
  readonly httpClient?: Layer.Layer<HttpClient.HttpClient> | undefined
}

/**
 * `layer` needs a key: `apiKey`, `adminApiKey`, or both. `layerConfig` reads them from the environment.
 *
 * @since 0.1.0
 * @category models
 */
export type WithKey =
  | { readonly apiKey: OpenAIAuth.Secret; readonly adminApiKey?: OpenAIAuth.Secret | undefined }
  | { readonly apiKey?: undefined; readonly adminApiKey: OpenAIAuth.Secret }

const settingKeys: ReadonlyArray<keyof OpenAIConfig.Overrides> = [
  "maxRetries",
  "retrySchedule",
  "timeout",
  "streamFirstEventTimeout",
  "streamIdleTimeout",
  "maxEventSize",
  "logLevel",
  "decodeResponses",
  "responseSchemas"
]

/**
 * The settings among `options` as a layer of `OpenAIConfig`; unset ones keep their defaults.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerSettings = (options: Options): Layer.Layer<never> => {
  const overrides: Record<string, unknown> = {}
  for (const key of settingKeys) if (options[key] !== undefined) overrides[key] = options[key]
  return OpenAIConfig.layer(overrides as OpenAIConfig.Overrides)
}

/**
 * The client, credentials and settings, over the `HttpClient` in context (no default transport).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWithoutHttpClient = (
  options: Options & WithKey
): Layer.Layer<OpenAIClient.OpenAIClient, never, HttpClient.HttpClient> =>
  Layer.merge(
    OpenAIClient.layer(options).pipe(
      Layer.provide(OpenAIAuth.layerApiKey({ apiKey: options.apiKey, adminApiKey: options.adminApiKey }))
    ),
    layerSettings(options)
  )

/**
 * The transport `layer` uses when none is given: on Node, `UndiciTransport.layer`; elsewhere the platform's
 * `FetchHttpClient.layer`.
 *
 * @since 0.1.0
 * @category layers
 */
export const defaultTransport: Layer.Layer<HttpClient.HttpClient> = defaultHttpClient

/**
 * The client with credentials, settings and a transport (the platform's default unless `httpClient` says
 * otherwise: undici on Node, fetch elsewhere).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options & WithKey): Layer.Layer<OpenAIClient.OpenAIClient> =>
  layerWithoutHttpClient(options).pipe(Layer.provide(options.httpClient ?? defaultHttpClient))

/**
 * The client with credentials of your choice (`OpenAIAuth.layerWorkloadIdentity`, `OpenAIAuth.layerApiKeyProvider`,
 * or your own layer), settings and a transport; the credentials get the same transport for their own requests
 * (a token exchange).
 *
 * ```ts
 * OpenAI.layerWithAuth(OpenAIAuth.layerApiKeyProvider(vault.currentKey), { timeout: "30 seconds" })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWithAuth = <E = never, R = never>(
  auth: Layer.Layer<OpenAIAuth.OpenAIAuth, E, R>,
  options: Options = {}
): Layer.Layer<OpenAIClient.OpenAIClient, E, Exclude<R, HttpClient.HttpClient>> =>
  Layer.merge(OpenAIClient.layer(options).pipe(Layer.provide(auth)), layerSettings(options)).pipe(
    Layer.provide(options.httpClient ?? defaultHttpClient)
  )

// -----------------------------------------------------------------------------
// configuration
// -----------------------------------------------------------------------------

/**
 * The options `layerConfig` reads from configuration: plain values, each optional.
 *
 * @since 0.1.0
 * @category models
 */
export interface ConfigOptions {
  readonly apiKey?: Redacted.Redacted | undefined
  readonly adminApiKey?: Redacted.Redacted | undefined
  readonly baseURL?: string | undefined
  readonly organization?: string | undefined
  readonly project?: string | undefined
  readonly maxRetries?: number | undefined
  readonly timeout?: Duration.Duration | undefined
  readonly streamFirstEventTimeout?: Duration.Duration | undefined
  readonly streamIdleTimeout?: Duration.Duration | undefined
  readonly maxEventSize?: number | undefined
  readonly logLevel?: OpenAIConfig.LogLevel | undefined
  readonly decodeResponses?: boolean | undefined
}

/**
 * A `Config` for each of the {@link ConfigOptions}: what `layerConfig` takes.
 *
 * @since 0.1.0
 * @category models
 */
export type ConfigOf = { readonly [K in keyof ConfigOptions]-?: Config.Config<ConfigOptions[K]> }

const optionalString = (name: string): Config.Config<string | undefined> =>
  Config.string(name).pipe(Config.option, Config.map(Option.filter((s) => s.trim() !== "")), Config.map(Option.getOrUndefined))

const optionalSecret = (name: string): Config.Config<Redacted.Redacted | undefined> =>
  Config.redacted(name).pipe(
    Config.option,
    Config.map(Option.filter((s) => Redacted.value(s).trim() !== "")),
    Config.map(Option.getOrUndefined)
  )

const logLevels: ReadonlyArray<OpenAIConfig.LogLevel> = ["off", "error", "warn", "info", "debug"]

const logLevelConfig: Config.Config<OpenAIConfig.LogLevel | undefined> = Config.string("OPENAI_LOG").pipe(
  Config.map((s) => s.trim().toLowerCase()),
  Config.validate({
    message: `OPENAI_LOG must be one of ${logLevels.join(", ")}`,
    validation: (s): boolean => (logLevels as ReadonlyArray<string>).includes(s)
  }),
  Config.map((s) => s as OpenAIConfig.LogLevel),
  Config.option,
  Config.map(Option.getOrUndefined)
)

const none = Config.succeed(undefined)

/**
 * The official SDK's environment variables: `OPENAI_API_KEY`, `OPENAI_ADMIN_KEY`, `OPENAI_BASE_URL`,
 * `OPENAI_ORG_ID`, `OPENAI_PROJECT_ID`, `OPENAI_LOG`. The other options have no variable.
 *
 * @since 0.1.0
 * @category configuration
 */
export const fromEnv: ConfigOf = {
  apiKey: optionalSecret("OPENAI_API_KEY"),
  adminApiKey: optionalSecret("OPENAI_ADMIN_KEY"),
  baseURL: optionalString("OPENAI_BASE_URL"),
  organization: optionalString("OPENAI_ORG_ID"),
  project: optionalString("OPENAI_PROJECT_ID"),
  maxRetries: none,
  timeout: none,
  streamFirstEventTimeout: none,
  streamIdleTimeout: none,
  maxEventSize: none,
  logLevel: logLevelConfig,
  decodeResponses: none
}

const readOptions = (
  config: Partial<ConfigOf>,
  options: Options
): Effect.Effect<ConfigOptions, ConfigError.ConfigError> => {
  const all: Record<string, Config.Config<unknown>> = { ...fromEnv }
  for (const key in config) {
    const given = config[key as keyof ConfigOf]
    if (given !== undefined) all[key] = given
  }
  return Effect.flatMap(Config.all(all) as Config.Config<ConfigOptions>, (read) =>
    read.apiKey === undefined && read.adminApiKey === undefined && options.apiKey === undefined &&
      options.adminApiKey === undefined
      ? Effect.fail(ConfigError.MissingData(
        ["OPENAI_API_KEY"],
        "OPENAI_API_KEY is not set: export it, or give layerConfig an apiKey config, or use OpenAI.layer({ apiKey })"
      ))
      : Effect.succeed(read))
}

/**
 * The client from configuration, as the platform's `layerConfig`s do: each option is a `Config`, and the ones
 * not given default to the official SDK's environment variables ({@link fromEnv}). Plain values in `options`
 * (the transport, a retry schedule, default headers, or any option as a fixed value) win over configuration.
 * Building the layer fails with a `ConfigError` naming `OPENAI_API_KEY` when no key is configured.
 *
 * ```ts
 * OpenAI.layerConfig()                                                  // the environment
 * OpenAI.layerConfig({ apiKey: Config.redacted("MY_OPENAI_KEY"), timeout: Config.duration("OPENAI_TIMEOUT") })
 * OpenAI.layerConfig({}, { httpClient: FetchHttpClient.layer, timeout: "90 seconds" })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfigWithoutHttpClient = (
  config: Partial<ConfigOf> = {},
  options: Options = {}
): Layer.Layer<OpenAIClient.OpenAIClient, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.unwrapEffect(
    Effect.map(readOptions(config, options), (read) => {
      const merged: Record<string, unknown> = {}
      for (const key in read) {
        const value = read[key as keyof ConfigOptions]
        if (value !== undefined) merged[key] = value
      }
      for (const key in options) {
        const value = options[key as keyof Options]
        if (value !== undefined) merged[key] = value
      }
      return layerWithoutHttpClient(merged as unknown as Options & WithKey)
    })
  )

/**
 * {@link layerConfigWithoutHttpClient} with a transport (undici on Node, fetch elsewhere, unless
 * `options.httpClient` says otherwise).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: Partial<ConfigOf> = {},
  options: Options = {}
): Layer.Layer<OpenAIClient.OpenAIClient, ConfigError.ConfigError> =>
  layerConfigWithoutHttpClient(config, options).pipe(Layer.provide(options.httpClient ?? defaultHttpClient))
