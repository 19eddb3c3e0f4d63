/**
 * `@effect-openai/promise/auth`: workload identity as the official `openai/auth` has it. The providers are the
 * core's (`WorkloadIdentity` of `@effect-openai/openai`); `getToken` runs them on their own for callers that ask.
 */
import * as PlatformError from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import * as CoreError from "@effect-openai/openai/OpenAIError"
import * as WorkloadIdentityCore from "@effect-openai/openai/WorkloadIdentity"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type { Fetch } from "./core/client.js"
import { fromCore } from "./internal/errors.js"
import { fetchLayer } from "./internal/fetch.js"
import { type CoreBacked, coreProvider } from "./internal/providers.js"

export { OAuthError, SubjectTokenProviderError } from "./core/error.js"

/** Where subject tokens come from, as the official package describes one. */
export interface SubjectTokenProvider {
  /** A signed JWT (`jwt`) or an OpenID Connect identity token (`id`). */
  tokenType: "jwt" | "id"
  /** A fresh subject token, asked for before every exchange. */
  getToken: () => Promise<string>
}

/** The `workloadIdentity` client option. */
export interface WorkloadIdentity {
  /** Sent as the exchange's `client_id`. */
  clientId?: string | undefined
  identityProviderId: string
  serviceAccountId: string
  provider: SubjectTokenProvider
  /** Seconds before expiry when renewal starts; default 1,200, capped at half the token's lifetime. */
  refreshBufferSeconds?: number | undefined
  /** The token endpoint (an extension, for stand-ins and proxies). Default `https://auth.openai.com/oauth/token`. */
  tokenURL?: string | undefined
}

/** The token endpoint's answer. */
export interface TokenExchangeResponse {
  access_token: string
  issued_token_type: string
  token_type: string
  expires_in?: number
}

const runToken = async (backed: CoreBacked): Promise<string> => {
  const exit = await Effect.runPromiseExit(
    Effect.provide(backed.provider.getToken as Effect.Effect<Redacted.Redacted<string>, CoreError.SubjectTokenProviderError>, backed.layer)
  )
  if (Exit.isSuccess(exit)) return Redacted.value(exit.value)
  const failure = Cause.failureOption(exit.cause)
  throw failure._tag === "Some" ? fromCore(failure.value) : Cause.squash(exit.cause)
}

const backedBy = (tokenType: "jwt" | "id", backed: CoreBacked): SubjectTokenProvider => {
  const provider: SubjectTokenProvider & { [coreProvider]?: CoreBacked } = {
    tokenType,
    getToken: () => runToken(backed)
  }
  Object.defineProperty(provider, coreProvider, { value: backed, enumerable: false })
  return provider
}

type ReadFile = (path: string) => Promise<string>

const nodeReadFile: ReadFile = async (path) => {
  const fs = await import("node:fs/promises")
  return fs.readFile(path, "utf8")
}

/** A `FileSystem` that can read text files with `readFile`, all the Kubernetes provider asks of one. */
const fileSystemOf = (readFile: ReadFile): Layer.Layer<FileSystem.FileSystem> =>
  FileSystem.layerNoop({
    readFileString: (path) =>
      Effect.tryPromise({
        try: () => readFile(path),
        catch: (cause) =>
          new PlatformError.SystemError({
            reason: (cause as { code?: unknown })?.code === "ENOENT" ? "NotFound" : "Unknown",
            module: "FileSystem",
            method: "readFileString",
            pathOrDescriptor: path,
            description: cause instanceof Error ? cause.message : String(cause),
            cause
          })
      })
  })

/**
 * A Kubernetes service-account JWT, read from its projected file before every exchange (default
 * `/var/run/secrets/kubernetes.io/serviceaccount/token`). `config.readFile` replaces Node's file reader.
 */
export function k8sServiceAccountTokenProvider(
  tokenPath?: string,
  config: { readFile?: ReadFile | undefined } = {}
): SubjectTokenProvider {
  return backedBy("jwt", {
    provider: WorkloadIdentityCore.kubernetes({ path: tokenPath }),
    layer: fileSystemOf(config.readFile ?? nodeReadFile)
  })
}

/** A timeout around a metadata provider, in milliseconds (the core's own limit is 10 seconds). */
const withTimeout = <R>(
  provider: WorkloadIdentityCore.SubjectTokenProvider<R>,
  timeout: number | undefined
): WorkloadIdentityCore.SubjectTokenProvider<R> =>
  timeout === undefined ? provider : {
    ...provider,
    getToken: Effect.timeoutFail(provider.getToken, {
      duration: timeout,
      onTimeout: () =>
        new CoreError.SubjectTokenProviderError({
          message: `${provider.name}: the metadata request timed out after ${timeout} ms`,
          provider: provider.name
        })
    })
  }

/**
 * An Azure managed identity's token from the instance metadata service, for `resource` (default
 * `https://management.azure.com/`). A user-assigned identity is chosen by `objectId`, `clientId` or `msiResId`.
 * `url` (an extension) points at another metadata endpoint, for tests and proxies.
 */
export function azureManagedIdentityTokenProvider(
  resource?: string,
  config: {
    objectId?: string | undefined
    clientId?: string | undefined
    msiResId?: string | undefined
    apiVersion?: string | undefined
    timeout?: number | undefined
    fetch?: Fetch | undefined
    url?: string | undefined
  } = {}
): SubjectTokenProvider {
  return backedBy("jwt", {
    provider: withTimeout(
      WorkloadIdentityCore.azureManagedIdentity({
        resource,
        apiVersion: config.apiVersion,
        clientId: config.clientId,
        objectId: config.objectId,
        msiResId: config.msiResId,
        url: config.url
      }),
      config.timeout
    ),
    layer: fetchLayer(config.fetch)
  })
}

/**
 * A GCP identity token of the default service account from the metadata server, for `audience` (default
 * `https://api.openai.com/v1`). `url` (an extension) points at another metadata endpoint.
 */
export function gcpIDTokenProvider(
  audience?: string,
  config: { timeout?: number | undefined; fetch?: Fetch | undefined; url?: string | undefined } = {}
): SubjectTokenProvider {
  return backedBy("id", {
    provider: withTimeout(WorkloadIdentityCore.gcp({ audience, url: config.url }), config.timeout),
    layer: fetchLayer(config.fetch)
  })
}
