/**
 * The Promise-facade examples of docs/auth.md, word for word, so that `tsc -b` checks them (test/auth-docs.test.ts
 * checks that each of the guide's blocks is here or in auth-examples.ts). Each example is a function; nothing runs
 * when the file is loaded.
 */
import OpenAI, { AuthenticationError, OAuthError, SubjectTokenProviderError } from "@effect-openai/promise"
import {
  azureManagedIdentityTokenProvider,
  gcpIDTokenProvider,
  k8sServiceAccountTokenProvider
} from "@effect-openai/promise/auth"
import { AzureOpenAI } from "@effect-openai/promise/azure"
import { readFile } from "node:fs/promises"

export async function staticKey() {
  const client = new OpenAI({ apiKey: process.env.MY_OPENAI_KEY }) // default: OPENAI_API_KEY
  return client.models.list()
}

export async function keyFunction() {
  // Called before every attempt (retries included): return the key as it is now.
  const client = new OpenAI({ apiKey: async () => (await readFile("/run/secrets/openai-api-key", "utf8")).trim() })
  return client.models.list()
}

export async function kubernetes() {
  const client = new OpenAI({
    workloadIdentity: {
      identityProviderId: "idp_123",
      serviceAccountId: "svc_acct_456",
      provider: k8sServiceAccountTokenProvider() // /var/run/secrets/kubernetes.io/serviceaccount/token
    }
  })
  return client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] })
}

export function otherProviders() {
  const azure = azureManagedIdentityTokenProvider("api://openai-federation", { clientId: "<managed identity client id>" })
  const gcp = gcpIDTokenProvider("https://api.openai.com/v1", { timeout: 5_000 })
  const k8s = k8sServiceAccountTokenProvider("/var/run/secrets/openai/token", { readFile: (path) => readFile(path, "utf8") })
  const own = { tokenType: "id" as const, getToken: async () => (await readFile("/run/secrets/oidc-token", "utf8")).trim() }
  return [azure, gcp, k8s, own].map((provider) =>
    new OpenAI({ workloadIdentity: { identityProviderId: "idp_123", serviceAccountId: "svc_acct_456", provider } })
  )
}

export function tuned() {
  const client = new OpenAI({
    workloadIdentity: {
      identityProviderId: "idp_123",
      serviceAccountId: "svc_acct_456",
      provider: k8sServiceAccountTokenProvider(),
      refreshBufferSeconds: 300, // renew 5 minutes before expiry (default 1,200, at most half the lifetime)
      clientId: "my-oauth-client", // sent as client_id
      tokenURL: "https://auth.example.internal/oauth/token" // an extension: default https://auth.openai.com/oauth/token
    }
  })
  return client
}

export async function getTokenDirectly() {
  // A provider on its own, e.g. to check a pod's setup: the subject token, not an OpenAI token.
  const subjectToken = await k8sServiceAccountTokenProvider().getToken()
  return subjectToken.length > 0
}

export function azure() {
  const endpoint = "https://my-resource.openai.azure.com"
  // The v1 endpoint ({endpoint}/openai/v1): `model` names the deployment, no api-version is sent.
  const v1 = new AzureOpenAI({ endpoint, apiKey: process.env.AZURE_OPENAI_API_KEY, apiVersion: "v1" })
  // A dated version: /openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21
  const dated = new AzureOpenAI({ endpoint, apiVersion: "2024-10-21", deployment: "gpt-4o-prod" })
  // Microsoft Entra ID: a bearer token asked before every request.
  const imds = azureManagedIdentityTokenProvider("https://cognitiveservices.azure.com/")
  const entra = new AzureOpenAI({ endpoint, apiVersion: "v1", azureADTokenProvider: () => imds.getToken() })
  // AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY, OPENAI_API_VERSION
  const fromEnv = new AzureOpenAI()
  return [v1, dated, entra, fromEnv]
}

export async function errors(client: OpenAI) {
  try {
    const completion = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] })
    console.log(completion.choices[0]?.message.content)
  } catch (error) {
    if (error instanceof OAuthError) console.error(`token exchange refused: ${error.status} ${error.error_code}`)
    else if (error instanceof SubjectTokenProviderError) console.error(`no subject token from ${error.provider}`)
    else if (error instanceof AuthenticationError) console.error("401 twice: the fresh token was refused too")
    throw error
  }
}
