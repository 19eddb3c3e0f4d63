/**
 * Workload identity: no long-lived API key. A subject token from the platform the program runs on (a Kubernetes
 * service account, an Azure managed identity, a GCP service account, or your own source) is exchanged for a
 * short-lived OpenAI access token (RFC 8693), cached, and refreshed before it expires.
 *
 * ```ts
 * const auth = OpenAIAuth.layerWorkloadIdentity({
 *   identityProviderId: "idp-123",
 *   serviceAccountId: "sa-456",
 *   provider: WorkloadIdentity.kubernetes()
 * })
 * program.pipe(Effect.provide(OpenAI.layerWithAuth(auth)), Effect.provide(NodeFileSystem.layer))
 * ```
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { fetchSmall } from "./internal/fetched.js"
import { SubjectTokenProviderError } from "./OpenAIError.js"

/**
 * Where subject tokens come from. `tokenType` says what the token is: a signed JWT (`jwt`) or an OpenID Connect
 * identity token (`id`); `name` appears in errors.
 *
 * @since 0.1.0
 * @category models
 */
export interface SubjectTokenProvider<R = never> {
  readonly name: string
  readonly tokenType: "jwt" | "id"
  readonly getToken: Effect.Effect<Redacted.Redacted<string>, SubjectTokenProviderError, R>
}

/**
 * What `OpenAIAuth.layerWorkloadIdentity` takes.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options<R = never> {
  /** The OpenAI identity provider that trusts the workload's platform. */
  readonly identityProviderId: string
  /** The OpenAI service account the workload acts as. */
  readonly serviceAccountId: string
  readonly provider: SubjectTokenProvider<R>
  /**
   * How long before expiry a token is renewed (in the background, while it keeps serving). Default 20 minutes,
   * capped at half the token's lifetime.
   */
  readonly refreshBuffer?: Duration.DurationInput | undefined
  /** Sent as the exchange's `client_id`. */
  readonly clientId?: string | undefined
  /** The token endpoint. Default `https://auth.openai.com/oauth/token`. */
  readonly tokenURL?: string | undefined
}

/** Time limit of a metadata request. */
const metadataTimeout = "10 seconds"

const failure = (provider: string, message: string, cause?: unknown) =>
  new SubjectTokenProviderError({ message: `${provider}: ${message}`, provider, ...(cause === undefined ? {} : { cause }) })

const describeCause = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

/**
 * A Kubernetes service-account token, read from its projected file before every exchange (so a rotated token is
 * picked up), through the platform's `FileSystem` (on Node: `NodeFileSystem.layer`).
 *
 * @since 0.1.0
 * @category providers
 */
export const kubernetes = (
  options: { readonly path?: string | undefined } = {}
): SubjectTokenProvider<FileSystem.FileSystem> => {
  const path = options.path ?? "/var/run/secrets/kubernetes.io/serviceaccount/token"
  return {
    name: "kubernetes",
    tokenType: "jwt",
    getToken: Effect.flatMap(FileSystem.FileSystem, (fs) => fs.readFileString(path)).pipe(
      Effect.mapError((error) => failure("kubernetes", `cannot read the service-account token at ${path}: ${error.message}`, error)),
      Effect.flatMap((text) => {
        const token = text.trim()
        return token === ""
          ? Effect.fail(failure("kubernetes", `the service-account token file ${path} is empty`))
          : Effect.succeed(Redacted.make(token))
      })
    )
  }
}

/** Reads `field` of a JSON answer, or fails naming what was wrong (never quoting the answer: it holds tokens). */
const tokenField = (provider: string, text: string, field: string): Effect.Effect<string, SubjectTokenProviderError> => {
  let value: unknown
  try {
    value = (JSON.parse(text) as Record<string, unknown>)[field]
  } catch {
    return Effect.fail(failure(provider, "the metadata endpoint did not answer JSON"))
  }
  return typeof value === "string" && value !== ""
    ? Effect.succeed(value)
    : Effect.fail(failure(provider, `the metadata endpoint's answer has no ${field}`))
}

/** A metadata GET; any non-200 answer or transport failure is the provider's error. */
const metadata = (
  provider: string,
  request: HttpClientRequest.HttpClientRequest,
  describe: string
): Effect.Effect<string, SubjectTokenProviderError, HttpClient.HttpClient> =>
  fetchSmall(request, describe, metadataTimeout).pipe(
    Effect.mapError((error) => failure(provider, error.message, error)),
    Effect.flatMap((answer) =>
      answer.status === 200
        ? Effect.succeed(answer.text)
        : Effect.fail(failure(provider, `the metadata endpoint answered ${answer.status}`))
    )
  )

/**
 * An Azure managed identity's access token from the instance metadata service (IMDS). A user-assigned identity
 * is chosen by one of `clientId`, `objectId` or `msiResId`; otherwise Azure picks the available one. `url` is
 * for tests and proxies.
 *
 * @since 0.1.0
 * @category providers
 */
export const azureManagedIdentity = (
  options: {
    readonly resource?: string | undefined
    readonly apiVersion?: string | undefined
    readonly clientId?: string | undefined
    readonly objectId?: string | undefined
    readonly msiResId?: string | undefined
    readonly url?: string | undefined
  } = {}
): SubjectTokenProvider<HttpClient.HttpClient> => {
  const url = options.url ?? "http://169.254.169.254/metadata/identity/oauth2/token"
  const query: Record<string, string> = {
    "api-version": options.apiVersion ?? "2018-02-01",
    resource: options.resource ?? "https://management.azure.com/"
  }
  if (options.clientId !== undefined) query.client_id = options.clientId
  if (options.objectId !== undefined) query.object_id = options.objectId
  if (options.msiResId !== undefined) query.msi_res_id = options.msiResId
  const request = HttpClientRequest.get(url, { urlParams: query, headers: { metadata: "true" } })
  return {
    name: "azure-managed-identity",
    tokenType: "jwt",
    getToken: Effect.suspend(() =>
      Effect.map(
        Effect.flatMap(metadata("azure-managed-identity", request, url), (text) =>
          tokenField("azure-managed-identity", text, "access_token")),
        Redacted.make
      )
    )
  }
}

/**
 * A GCP identity token for the instance's default service account, from the metadata server, for `audience`
 * (default `https://api.openai.com/v1`). `url` is for tests and proxies.
 *
 * @since 0.1.0
 * @category providers
 */
export const gcp = (
  options: { readonly audience?: string | undefined; readonly url?: string | undefined } = {}
): SubjectTokenProvider<HttpClient.HttpClient> => {
  const url = options.url ??
    "http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/identity"
  const request = HttpClientRequest.get(url, {
    urlParams: { audience: options.audience ?? "https://api.openai.com/v1" },
    headers: { "metadata-flavor": "Google" }
  })
  return {
    name: "gcp",
    tokenType: "id",
    getToken: Effect.flatMap(metadata("gcp", request, url), (text) => {
      const token = text.trim()
      return token === ""
        ? Effect.fail(failure("gcp", "the metadata server answered an empty identity token"))
        : Effect.succeed(Redacted.make(token))
    })
  }
}

/**
 * Your own source of subject tokens: any effect that yields one. Its failures become `SubjectTokenProviderError`
 * named `name` (default `custom`).
 *
 * @since 0.1.0
 * @category providers
 */
export const custom = <E, R>(options: {
  readonly tokenType: "jwt" | "id"
  readonly getToken: Effect.Effect<string | Redacted.Redacted<string>, E, R>
  readonly name?: string | undefined
}): SubjectTokenProvider<R> => {
  const name = options.name ?? "custom"
  return {
    name,
    tokenType: options.tokenType,
    getToken: options.getToken.pipe(
      Effect.mapError((error) =>
        error instanceof SubjectTokenProviderError ? error : failure(name, `getting a token failed: ${describeCause(error)}`, error)
      ),
      Effect.flatMap((token) => {
        const value = typeof token === "string" ? token : Redacted.value(token)
        return typeof value === "string" && value.trim() !== ""
          ? Effect.succeed(Redacted.make(value.trim()))
          : Effect.fail(failure(name, "the provider returned no token"))
      })
    )
  }
}
