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
import type * as Context from "effect/Context"
import * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Schedule from "effect/Schedule"
import { defaultHttpClient } from "#platform"
import * as OpenAIAuth from "./OpenAIAuth.js"
import * as OpenAIClient from "./OpenAIClient.js"
import * as OpenAIConfig from "./OpenAIConfig.js"
import type * as OpenAIError from "./OpenAIError.js"

/**
 * Everything `layer` accepts. Only a key is required.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options extends OpenAIClient.Options {
  readonly apiKey?: OpenAIAuth.Secret | undefined
  /** Used for admin endpoints (organization, projects, usage, audit logs). */
  readonly adminApiKey?: OpenAIAuth.Secret | undefined
  /** Default 2. */
  readonly maxRetries?: number | undefined
  /** Replaces the default backoff; see `OpenAIConfig.backoff`. */
  readonly retrySchedule?: Schedule.Schedule<unknown, OpenAIError.OpenAIError> | undefined
  /** Attempt timeout, headers and body; for streams also the default of the stream limits. Default 10 minutes. */
  readonly timeout?: Duration.DurationInput | undefined
  readonly streamFirstEventTimeout?: Duration.DurationInput | undefined
  readonly streamIdleTimeout?: Duration.DurationInput | undefined
  /** Largest accepted stream event, in characters. */
  readonly maxEventSize?: number | undefined
  readonly logLevel?: OpenAIConfig.LogLevel | undefined
  /** Check responses against the spec's lenient schemas (default false). */
  readonly decodeResponses?: boolean | undefined
  /**
   * The transport. Default: on Node, `UndiciTransport.layer` (from `@effect-openai/openai/node`), a lean client
   * over undici; elsewhere the platform's `FetchHttpClient.layer`. Any `HttpClient` layer fits.
   */
  readonly httpClient?: Layer.Layer<HttpClient.HttpClient> | undefined
}

/**
 * The settings of `options` as a layer of `Context.Reference`s; unset ones keep their defaults.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerSettings = (options: Options): Layer.Layer<never> => {
  const layers: Array<Layer.Layer<never>> = []
  const set = <I, S>(tag: Context.Tag<I, S>, value: S | undefined) => {
    if (value !== undefined) layers.push(Layer.succeed(tag, value) as unknown as Layer.Layer<never>)
  }
  set(OpenAIConfig.MaxRetries, options.maxRetries)
  set(OpenAIConfig.RetrySchedule, options.retrySchedule)
  set(OpenAIConfig.RequestTimeout, options.timeout === undefined ? undefined : Duration.decode(options.timeout))
  set(
    OpenAIConfig.StreamFirstEventTimeout,
    options.streamFirstEventTimeout === undefined ? undefined : Duration.decode(options.streamFirstEventTimeout)
  )
  set(
    OpenAIConfig.StreamIdleTimeout,
    options.streamIdleTimeout === undefined ? undefined : Duration.decode(options.streamIdleTimeout)
  )
  set(OpenAIConfig.MaxEventSize, options.maxEventSize)
  set(OpenAIConfig.ClientLogLevel, options.logLevel)
  set(OpenAIConfig.DecodeResponses, options.decodeResponses)
  return layers.length === 0 ? Layer.empty : Layer.mergeAll(layers[0]!, ...layers.slice(1))
}

/**
 * The client, credentials and settings, over the `HttpClient` in context (no default transport).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWithoutHttpClient = (
  options: Options & WithKey
): Layer.Layer<OpenAIClient.OpenAIClient, never, HttpClient.HttpClient> => {
  const auth = OpenAIAuth.layerApiKey({ apiKey: options.apiKey, adminApiKey: options.adminApiKey })
  return Layer.merge(
    OpenAIClient.layer(options).pipe(Layer.provide(auth)),
    layerSettings(options)
  )
}

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
 * `layer` needs a key: `apiKey`, `adminApiKey`, or both. `layerConfig` reads them from the environment.
 *
 * @since 0.1.0
 * @category models
 */
export type WithKey =
  | { readonly apiKey: OpenAIAuth.Secret; readonly adminApiKey?: OpenAIAuth.Secret | undefined }
  | { readonly apiKey?: undefined; readonly adminApiKey: OpenAIAuth.Secret }

const optionalString = (name: string) =>
  Config.string(name).pipe(Config.option, Config.map(Option.filter((s) => s.trim() !== "")), Config.map(Option.getOrUndefined))

const optionalSecret = (name: string) =>
  Config.redacted(name).pipe(
    Config.option,
    Config.map(Option.getOrUndefined)
  )

const logLevels: ReadonlyArray<OpenAIConfig.LogLevel> = ["off", "error", "warn", "info", "debug"]

/**
 * Reads the environment the way the official SDK does: `OPENAI_API_KEY`, `OPENAI_ADMIN_KEY`, `OPENAI_BASE_URL`,
 * `OPENAI_ORG_ID`, `OPENAI_PROJECT_ID`, `OPENAI_LOG`. Keys are `Redacted`. Values in `overrides` win. Building
 * the layer fails with a `ConfigError` naming `OPENAI_API_KEY` when no key is set anywhere.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfigWithoutHttpClient = (
  overrides: Options = {}
): Layer.Layer<OpenAIClient.OpenAIClient, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.unwrapEffect(
    Effect.gen(function*() {
      const apiKey: OpenAIAuth.Secret | undefined = overrides.apiKey ?? (yield* optionalSecret("OPENAI_API_KEY"))
      const adminApiKey: OpenAIAuth.Secret | undefined = overrides.adminApiKey ??
        (yield* optionalSecret("OPENAI_ADMIN_KEY"))
      const usable = (s: OpenAIAuth.Secret | undefined): boolean =>
        s !== undefined && (typeof s === "string" ? s : Redacted.value(s)).trim() !== ""
      if (!usable(apiKey) && !usable(adminApiKey)) {
        return yield* Effect.fail(
          ConfigError.MissingData(
            ["OPENAI_API_KEY"],
            "OPENAI_API_KEY is not set: export it, or pass apiKey to OpenAI.layer / OpenAI.layerConfig"
          )
        )
      }
      const logText = yield* optionalString("OPENAI_LOG")
      const logLevel = overrides.logLevel ??
        (logText === undefined ? undefined : logLevels.find((l) => l === logText.trim().toLowerCase()))
      if (logText !== undefined && logLevel === undefined && overrides.logLevel === undefined) {
        return yield* Effect.fail(
          ConfigError.InvalidData(["OPENAI_LOG"], `OPENAI_LOG must be one of ${logLevels.join(", ")}`)
        )
      }
      // A usable key was checked above.
      return layerWithoutHttpClient({
        ...overrides,
        apiKey: usable(apiKey) ? apiKey : undefined,
        adminApiKey: usable(adminApiKey) ? adminApiKey : undefined,
        baseURL: overrides.baseURL ?? (yield* optionalString("OPENAI_BASE_URL")),
        organization: overrides.organization ?? (yield* optionalString("OPENAI_ORG_ID")),
        project: overrides.project ?? (yield* optionalString("OPENAI_PROJECT_ID")),
        logLevel
      } as Options & WithKey)
    })
  )

/**
 * {@link layerConfigWithoutHttpClient} with a transport (undici on Node, fetch elsewhere, unless `httpClient`
 * says otherwise).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  overrides: Options = {}
): Layer.Layer<OpenAIClient.OpenAIClient, ConfigError.ConfigError> =>
  layerConfigWithoutHttpClient(overrides).pipe(Layer.provide(overrides.httpClient ?? defaultHttpClient))
