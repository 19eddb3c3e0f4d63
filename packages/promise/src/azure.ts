/**
 * `AzureOpenAI`: the client for an Azure OpenAI resource, as the official package has it: `api-key` or a
 * Microsoft Entra ID token provider, `api-version` on every request, and deployment-scoped URLs for the model
 * endpoints. Routing and credentials are the core's (`AzureOpenAI` of `@effect-openai/openai`).
 */
import { azureSettings, type ClientOptions } from "./core/client.js"
import { OpenAIError } from "./core/error.js"
import { OpenAI } from "./generated/client.js"
import type { AzureSettings } from "./internal/runtime.js"

export interface AzureClientOptions extends Omit<ClientOptions, "workloadIdentity"> {
  /** Default: `process.env.OPENAI_API_VERSION`. `"v1"` is Azure's v1 endpoint (`{endpoint}/openai/v1`). */
  apiVersion?: string | undefined
  /** The resource, e.g. `https://example-resource.openai.azure.com/`. Default: `process.env.AZURE_OPENAI_ENDPOINT`. */
  endpoint?: string | undefined
  /** The deployment for the model endpoints; otherwise each request's `model` names it. */
  deployment?: string | undefined
  /** Default: `process.env.AZURE_OPENAI_API_KEY`. */
  apiKey?: string | undefined
  /** A Microsoft Entra ID access token, asked for before every request. Not with `apiKey`. */
  azureADTokenProvider?: (() => Promise<string>) | undefined
}

const readEnv = (name: string): string | undefined => {
  const value = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name]?.trim()
  return value === "" ? undefined : value
}

/** The options an `AzureOpenAI` was made with, for `withOptions`. */
const given = new WeakMap<object, AzureClientOptions>()

export class AzureOpenAI extends OpenAI {
  /** The deployment the model endpoints go to (else each request's `model`). */
  deploymentName: string | undefined
  apiVersion: string

  constructor(options: AzureClientOptions = {}) {
    const {
      apiKey = readEnv("AZURE_OPENAI_API_KEY"),
      apiVersion = readEnv("OPENAI_API_VERSION"),
      azureADTokenProvider,
      deployment,
      ...rest
    } = options
    let { endpoint, baseURL = readEnv("OPENAI_BASE_URL") } = options
    if (!apiVersion) {
      throw new OpenAIError(
        "Missing apiVersion: pass `apiVersion` to AzureOpenAI or set the OPENAI_API_VERSION environment variable."
      )
    }
    if (azureADTokenProvider !== undefined && typeof azureADTokenProvider !== "function") {
      throw new OpenAIError("azureADTokenProvider must be a function returning a promise of a token")
    }
    if (azureADTokenProvider !== undefined && options.apiKey !== undefined) {
      throw new OpenAIError("The `apiKey` and `azureADTokenProvider` options are mutually exclusive: pass one of them.")
    }
    if (azureADTokenProvider === undefined && !apiKey) {
      throw new OpenAIError(
        "Missing credentials: pass `apiKey` or `azureADTokenProvider`, or set the AZURE_OPENAI_API_KEY environment variable."
      )
    }
    const v1 = apiVersion === "v1"
    if (baseURL) {
      if (endpoint) throw new OpenAIError("The `baseURL` and `endpoint` options are mutually exclusive.")
    } else {
      endpoint ??= readEnv("AZURE_OPENAI_ENDPOINT")
      if (!endpoint) {
        throw new OpenAIError("Missing endpoint: pass `endpoint` or `baseURL`, or set the AZURE_OPENAI_ENDPOINT environment variable.")
      }
      baseURL = `${endpoint.replace(/\/+$/, "")}/openai${v1 ? "/v1" : ""}`
    }
    const settings: AzureSettings = {
      deployments: v1 ? undefined : { deployment: deployment || undefined },
      tokenProvider: azureADTokenProvider
    }
    super({
      ...rest,
      baseURL,
      // An Entra ID token is asked of its provider: the client holds no key then.
      apiKey: azureADTokenProvider === undefined ? apiKey ?? null : null,
      ...(v1 ? {} : { defaultQuery: { ...rest.defaultQuery, "api-version": apiVersion } }),
      ...(azureADTokenProvider !== undefined && rest.dangerouslyAllowBrowser === undefined ? { dangerouslyAllowBrowser: true } : {}),
      [azureSettings]: settings
    } as ClientOptions)
    this.apiVersion = apiVersion
    this.deploymentName = deployment
    given.set(this, { ...options, apiVersion, deployment })
  }

  override withOptions(options: Partial<AzureClientOptions>): this {
    const previous = given.get(this) ?? {}
    const Class = this.constructor as new(options: AzureClientOptions) => this
    const next: AzureClientOptions = { ...previous, ...options }
    // A new endpoint rebuilds the base URL, unless a base URL is given too.
    if (options.endpoint !== undefined && options.baseURL === undefined) delete next.baseURL
    return new Class(next)
  }

  override toString(): string {
    return `AzureOpenAI { baseURL: ${JSON.stringify(this.baseURL)} }`
  }
}
