/**
 * The client without its resources (the generated `OpenAI` class adds them): options as the official client takes
 * them, with the same environment variables as defaults, and one Effect runtime that runs every call.
 */
import { request } from "../internal/call.js"
import type { HeadersLike, RequestOptions } from "../internal/request-options.js"
import type { WorkloadIdentity } from "../auth.js"
import { type AzureSettings, ClientRuntime, type Logger, type LogLevelName } from "../internal/runtime.js"
import type { APIPromise } from "./api-promise.js"
import * as Errors from "./error.js"
import { toFile } from "./uploads.js"

export type { Logger, LogLevelName as LogLevel } from "../internal/runtime.js"

/** A `fetch` as the client calls it. */
export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>

/** A function giving an API key, called before each request (rotating keys, a vault). */
export type ApiKeySetter = () => Promise<string>

export interface ClientOptions {
  /** Default: `process.env.OPENAI_API_KEY`. A function is called before each request. */
  apiKey?: string | ApiKeySetter | null | undefined
  /** Used for admin endpoints. Default: `process.env.OPENAI_ADMIN_KEY`. */
  adminAPIKey?: string | null | undefined
  /** Default: `process.env.OPENAI_ORG_ID`. */
  organization?: string | null | undefined
  /** Default: `process.env.OPENAI_PROJECT_ID`. */
  project?: string | null | undefined
  /** Default: `process.env.OPENAI_WEBHOOK_SECRET`. */
  webhookSecret?: string | null | undefined
  /** Default: `process.env.OPENAI_BASE_URL`, else `https://api.openai.com/v1`. */
  baseURL?: string | null | undefined
  /** Time limit of one attempt in milliseconds (default 10 minutes). */
  timeout?: number | undefined
  /** `RequestInit` options for every request; the client then sends through `fetch`. */
  fetchOptions?: RequestInit | undefined
  /** A `fetch` to send through instead of the default transport (undici on Node). */
  fetch?: Fetch | undefined
  /** How many times a failed request is retried (default 2). */
  maxRetries?: number | undefined
  defaultHeaders?: HeadersLike | undefined
  defaultQuery?: Record<string, string | undefined> | undefined
  /** Allow use in a browser, where the key would be visible to users. */
  dangerouslyAllowBrowser?: boolean | undefined
  /** Default: `process.env.OPENAI_LOG`, else `warn`. */
  logLevel?: LogLevelName | undefined
  /** Default: `console`. */
  logger?: Logger | undefined
  /**
   * Short-lived tokens exchanged for a workload's identity (Kubernetes, Azure managed identity, GCP, your own
   * provider) instead of an API key; providers are in `@effect-openai/promise/auth`. Not with `apiKey`.
   */
  workloadIdentity?: WorkloadIdentity | undefined
}

/** Settings a subclass (`AzureOpenAI`) hands to the runtime. @internal */
export const azureSettings: unique symbol = Symbol.for("@effect-openai/promise/azureSettings") as never

const readEnv = (name: string): string | undefined => {
  const value = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name] ??
    (globalThis as { Deno?: { env?: { get?: (name: string) => string | undefined } } }).Deno?.env?.get?.(name)
  const trimmed = value?.trim()
  return trimmed === "" ? undefined : trimmed
}

const levels: ReadonlyArray<string> = ["off", "error", "warn", "info", "debug"]

const isBrowser = (): boolean => {
  const g = globalThis as { window?: { document?: unknown }; navigator?: unknown; importScripts?: unknown }
  return (typeof g.window !== "undefined" && typeof g.window.document !== "undefined" && typeof g.navigator !== "undefined") ||
    typeof g.importScripts === "function"
}

const headerRecord = (headers: HeadersLike): Record<string, string | null> => {
  const out: Record<string, string | null> = {}
  if (headers === null || headers === undefined) return out
  if (typeof Headers !== "undefined" && headers instanceof Headers) {
    headers.forEach((value, key) => (out[key] = value))
  } else if (Array.isArray(headers)) {
    for (const [key, value] of headers as ReadonlyArray<readonly [string, string]>) out[key] = value
  } else {
    for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
      if (value !== undefined) out[key] = value === null ? null : Array.isArray(value) ? value.join(", ") : String(value)
    }
  }
  return out
}

export class ClientCore {
  static DEFAULT_TIMEOUT = 600_000
  static OpenAIError = Errors.OpenAIError
  static APIError = Errors.APIError
  static APIConnectionError = Errors.APIConnectionError
  static APIConnectionTimeoutError = Errors.APIConnectionTimeoutError
  static APIUserAbortError = Errors.APIUserAbortError
  static NotFoundError = Errors.NotFoundError
  static ConflictError = Errors.ConflictError
  static RateLimitError = Errors.RateLimitError
  static BadRequestError = Errors.BadRequestError
  static AuthenticationError = Errors.AuthenticationError
  static InternalServerError = Errors.InternalServerError
  static PermissionDeniedError = Errors.PermissionDeniedError
  static UnprocessableEntityError = Errors.UnprocessableEntityError
  static InvalidWebhookSignatureError = Errors.InvalidWebhookSignatureError
  static toFile = toFile

  // Secrets live in private fields, read through getters: `console.log(client)` shows none of them.
  #apiKey: string | ApiKeySetter | null
  #adminAPIKey: string | null
  #webhookSecret: string | null
  organization: string | null
  project: string | null
  baseURL: string
  maxRetries: number
  timeout: number
  logger: Logger
  logLevel: LogLevelName
  fetchOptions: RequestInit | undefined
  protected _options: ClientOptions
  /** The Effect runtime every call runs on. @internal */
  readonly _runtime: ClientRuntime

  constructor(options: ClientOptions = {}) {
    const workloadIdentity = options.workloadIdentity ?? undefined
    if (workloadIdentity !== undefined) {
      if (options.apiKey !== undefined && options.apiKey !== null) {
        throw new Errors.OpenAIError(
          "The `apiKey` and `workloadIdentity` options are mutually exclusive: pass one of them (workload identity gets its tokens from its provider)."
        )
      }
      for (const field of ["identityProviderId", "serviceAccountId"] as const) {
        if (typeof workloadIdentity[field] !== "string" || workloadIdentity[field] === "") {
          throw new Errors.OpenAIError(`workloadIdentity.${field} is required`)
        }
      }
      if (workloadIdentity.provider === undefined || workloadIdentity.provider === null) {
        throw new Errors.OpenAIError("workloadIdentity.provider is required")
      }
      const buffer = workloadIdentity.refreshBufferSeconds
      if (buffer !== undefined && !(typeof buffer === "number" && buffer >= 0)) {
        throw new Errors.OpenAIError(`workloadIdentity.refreshBufferSeconds must be a non-negative number, got ${String(buffer)}`)
      }
    }
    const apiKey = workloadIdentity !== undefined
      ? null
      : options.apiKey === undefined
      ? readEnv("OPENAI_API_KEY") ?? null
      : options.apiKey
    const adminAPIKey = options.adminAPIKey === undefined ? readEnv("OPENAI_ADMIN_KEY") ?? null : options.adminAPIKey
    const azure = (options as { [azureSettings]?: AzureSettings })[azureSettings]
    if (!apiKey && !adminAPIKey && workloadIdentity === undefined && azure?.tokenProvider === undefined) {
      throw new Errors.OpenAIError(
        "Missing credentials. Pass an `apiKey` or an `adminAPIKey`, or set the `OPENAI_API_KEY` or `OPENAI_ADMIN_KEY` environment variable."
      )
    }
    if (!options.dangerouslyAllowBrowser && isBrowser()) {
      throw new Errors.OpenAIError(
        "This looks like a browser, where the API key would be visible to anyone using the page. If you understand the " +
          "risk (for example, with a short-lived key), pass `dangerouslyAllowBrowser: true`."
      )
    }
    const maxRetries = options.maxRetries ?? 2
    if (!Number.isInteger(maxRetries) || maxRetries < 0) {
      throw new Errors.OpenAIError(`maxRetries must be a non-negative integer, got ${String(options.maxRetries)}`)
    }
    const timeout = options.timeout ?? ClientCore.DEFAULT_TIMEOUT
    if (typeof timeout !== "number" || !(timeout > 0)) {
      throw new Errors.OpenAIError(`timeout must be a positive number of milliseconds, got ${String(options.timeout)}`)
    }
    this.logger = options.logger ?? console
    const envLevel = readEnv("OPENAI_LOG")
    let logLevel: LogLevelName = "warn"
    if (options.logLevel !== undefined) {
      if (levels.includes(options.logLevel)) logLevel = options.logLevel
      else this.logger.warn(`ClientOptions.logLevel ${JSON.stringify(options.logLevel)} is not a log level; using warn`)
    } else if (envLevel !== undefined) {
      if (levels.includes(envLevel)) logLevel = envLevel as LogLevelName
      else this.logger.warn(`OPENAI_LOG ${JSON.stringify(envLevel)} is not a log level; using warn`)
    }
    this.#apiKey = apiKey || null
    this.#adminAPIKey = adminAPIKey || null
    this.organization = options.organization === undefined ? readEnv("OPENAI_ORG_ID") ?? null : options.organization
    this.project = options.project === undefined ? readEnv("OPENAI_PROJECT_ID") ?? null : options.project
    this.#webhookSecret = options.webhookSecret === undefined
      ? readEnv("OPENAI_WEBHOOK_SECRET") ?? null
      : options.webhookSecret
    this.baseURL = options.baseURL || readEnv("OPENAI_BASE_URL") || "https://api.openai.com/v1"
    this.maxRetries = maxRetries
    this.timeout = timeout
    this.logLevel = logLevel
    this.fetchOptions = options.fetchOptions
    // The options as given, less the credentials (kept in private fields only).
    const { adminAPIKey: _admin, apiKey: _key, webhookSecret: _secret, ...rest } = options
    this._options = rest
    this._runtime = new ClientRuntime({
      apiKey: this.#apiKey,
      workloadIdentity,
      azure,
      adminAPIKey: this.#adminAPIKey,
      organization: this.organization,
      project: this.project,
      baseURL: this.baseURL,
      timeout,
      maxRetries,
      defaultHeaders: headerRecord(options.defaultHeaders),
      defaultQuery: options.defaultQuery,
      fetch: options.fetch,
      fetchOptions: options.fetchOptions,
      logLevel,
      logger: this.logger
    })
    // Kept out of `console.log(client)` and JSON: the key is a getter, the runtime not enumerable.
    Object.defineProperty(this, "_runtime", { enumerable: false })
    Object.defineProperty(this, "_options", { enumerable: false })
  }

  /** The API key given as a string (`null` when it comes from a function). */
  get apiKey(): string | null {
    return typeof this.#apiKey === "string" ? this.#apiKey : null
  }

  get adminAPIKey(): string | null {
    return this.#adminAPIKey
  }

  get webhookSecret(): string | null {
    return this.#webhookSecret
  }

  /** A client with these options changed and the rest kept. */
  withOptions(options: Partial<ClientOptions>): this {
    const Class = this.constructor as new(options: ClientOptions) => this
    return new Class({
      ...this._options,
      apiKey: this.#apiKey,
      adminAPIKey: this.#adminAPIKey,
      organization: this.organization,
      project: this.project,
      webhookSecret: this.#webhookSecret,
      baseURL: this.baseURL,
      maxRetries: this.maxRetries,
      timeout: this.timeout,
      logger: this.logger,
      logLevel: this.logLevel,
      fetchOptions: this.fetchOptions,
      ...options
    })
  }

  get<Rsp = unknown>(path: string, options?: RequestOptions): APIPromise<Rsp> {
    return request(this, "GET", path, options)
  }

  post<Rsp = unknown>(path: string, options?: RequestOptions): APIPromise<Rsp> {
    return request(this, "POST", path, options)
  }

  patch<Rsp = unknown>(path: string, options?: RequestOptions): APIPromise<Rsp> {
    return request(this, "PATCH", path, options)
  }

  put<Rsp = unknown>(path: string, options?: RequestOptions): APIPromise<Rsp> {
    return request(this, "PUT", path, options)
  }

  delete<Rsp = unknown>(path: string, options?: RequestOptions): APIPromise<Rsp> {
    return request(this, "DELETE", path, options)
  }

  toString(): string {
    return `OpenAI { baseURL: ${JSON.stringify(this.baseURL)} }`
  }
}
