/**
 * The Effect-API examples of docs/auth.md, word for word, so that `tsc -b` checks them (test/auth-docs.test.ts
 * checks that each of the guide's blocks is here or in auth-examples-promise.ts). This file only defines layers
 * and programs; it runs nothing. `scratchpad/workload-identity.ts` runs the workload-identity path end to end.
 */
import { FetchHttpClient } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import { AzureOpenAI, Chat, OpenAI, OpenAIAuth, type OpenAIClient, OpenAIError, WorkloadIdentity } from "@effect-openai/openai"
import { readFile } from "node:fs/promises"
import { Config, Console, Effect, Layer, Redacted } from "effect"

const ask = Chat.Completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] })

// --- a static key --------------------------------------------------------------------------------------------

const fromEnv = OpenAI.layerConfig() // OPENAI_API_KEY, OPENAI_ADMIN_KEY, OPENAI_BASE_URL, ...
const fromOwnVariable = OpenAI.layerConfig({ apiKey: Config.redacted("MY_OPENAI_KEY") })
const fixed = OpenAI.layer({ apiKey: Redacted.make("sk-...") })

// --- a key from a provider -----------------------------------------------------------------------------------

// The key as it is now: read before every attempt, so a rotated file is picked up at once.
const currentKey = Effect.tryPromise({
  try: () => readFile("/run/secrets/openai-api-key", "utf8"),
  catch: (cause) => new OpenAIError.InvalidInputError({ message: "cannot read the API key file", cause })
}).pipe(Effect.map((text) => Redacted.make(text.trim())))

const rotating = OpenAI.layerWithAuth(OpenAIAuth.layerApiKeyProvider(currentKey), { timeout: "30 seconds" })

// The same key, read at most once a minute.
const rotatingCached = Layer.unwrapEffect(
  Effect.map(Effect.cachedWithTTL(currentKey, "1 minute"), (key) => OpenAI.layerWithAuth(OpenAIAuth.layerApiKeyProvider(key)))
)

// --- workload identity -------------------------------------------------------------------------------------------

const kubernetes = OpenAI.layerWithAuth(
  OpenAIAuth.layerWorkloadIdentity({
    identityProviderId: "idp_123",
    serviceAccountId: "svc_acct_456",
    provider: WorkloadIdentity.kubernetes() // /var/run/secrets/kubernetes.io/serviceaccount/token
  })
).pipe(Layer.provide(NodeFileSystem.layer)) // the token file is read through the platform's FileSystem

const azureManagedIdentity = OpenAI.layerWithAuth(
  OpenAIAuth.layerWorkloadIdentity({
    identityProviderId: "idp_123",
    serviceAccountId: "svc_acct_456",
    provider: WorkloadIdentity.azureManagedIdentity({ resource: "api://openai-federation", clientId: "<managed identity client id>" })
  })
)

const gcp = OpenAI.layerWithAuth(
  OpenAIAuth.layerWorkloadIdentity({
    identityProviderId: "idp_123",
    serviceAccountId: "svc_acct_456",
    provider: WorkloadIdentity.gcp({ audience: "https://api.openai.com/v1" })
  })
)

const ownSource = OpenAI.layerWithAuth(
  OpenAIAuth.layerWorkloadIdentity({
    identityProviderId: "idp_123",
    serviceAccountId: "svc_acct_456",
    provider: WorkloadIdentity.custom({
      name: "ci-oidc",
      tokenType: "id",
      getToken: Effect.promise(() => readFile("/run/secrets/oidc-token", "utf8"))
    })
  })
)

const tuned = OpenAI.layerWithAuth(
  OpenAIAuth.layerWorkloadIdentity({
    identityProviderId: "idp_123",
    serviceAccountId: "svc_acct_456",
    provider: WorkloadIdentity.kubernetes({ path: "/var/run/secrets/openai/token" }),
    refreshBuffer: "5 minutes", // renew 5 minutes before expiry (default 20, at most half the lifetime)
    clientId: "my-oauth-client", // sent as client_id
    tokenURL: "https://auth.example.internal/oauth/token" // a proxy or a stand-in; default https://auth.openai.com/oauth/token
  }),
  { maxRetries: 3 }
).pipe(Layer.provide(NodeFileSystem.layer))

// --- Azure OpenAI --------------------------------------------------------------------------------------------------

const endpoint = "https://my-resource.openai.azure.com"

// The v1 endpoint ({endpoint}/openai/v1): no api-version, no deployments in the URLs; `model` names the deployment.
const azureV1 = AzureOpenAI.layer({ endpoint, apiKey: Redacted.make("<azure api key>") })

// A dated API version: /openai/deployments/{deployment}/chat/completions?api-version=2024-10-21
const azureDeployment = AzureOpenAI.layer({
  endpoint,
  apiVersion: "2024-10-21",
  deployment: "gpt-4o-prod", // without it, each request's `model` names the deployment
  apiKey: Redacted.make("<azure api key>")
})

// Microsoft Entra ID: a bearer token from the VM's or pod's managed identity, asked before every attempt...
const entraToken = WorkloadIdentity.azureManagedIdentity({ resource: "https://cognitiveservices.azure.com/" }).getToken
const azureEntra = AzureOpenAI.layer({ endpoint, tokenProvider: entraToken })

// ...or cached for 30 minutes (the cache's own IMDS requests then go over fetch).
const azureEntraCached = Layer.unwrapEffect(
  Effect.map(Effect.cachedWithTTL(entraToken, "30 minutes"), (tokenProvider) => AzureOpenAI.layer({ endpoint, tokenProvider }))
).pipe(Layer.provide(FetchHttpClient.layer))

// AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY, OPENAI_API_VERSION (default v1)
const azureFromEnv = AzureOpenAI.layerConfig()
const azureFromEnvWithEntra = AzureOpenAI.layerConfig({ tokenProvider: entraToken, deployment: "gpt-4o-prod" })

// --- errors --------------------------------------------------------------------------------------------------------

const answer = ask.pipe(
  Effect.map((c) => c.choices[0]?.message.content ?? ""),
  Effect.catchTag("OAuthError", (e) =>
    Console.error(`token exchange refused: ${e.status} ${e.errorCode ?? ""} ${e.errorDescription ?? ""}`).pipe(
      Effect.as("")
    )),
  Effect.catchTag("SubjectTokenProviderError", (e) =>
    Console.error(`no subject token from ${e.provider}: ${e.message}`).pipe(Effect.as("")))
)

const main = answer.pipe(Effect.provide(kubernetes))

// Every layer above gives the same service: a program does not know which credential it runs with.
export const layers = [
  fromEnv,
  fromOwnVariable,
  fixed,
  rotating,
  rotatingCached,
  kubernetes,
  azureManagedIdentity,
  gcp,
  ownSource,
  tuned,
  azureV1,
  azureDeployment,
  azureEntra,
  azureEntraCached,
  azureFromEnv,
  azureFromEnvWithEntra
] satisfies ReadonlyArray<Layer.Layer<OpenAIClient.OpenAIClient, unknown, never>>
export const programs = [main, ask.pipe(Effect.provide(azureEntra))] as const
