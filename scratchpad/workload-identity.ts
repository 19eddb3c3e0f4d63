/**
 * Workload identity end to end, on local stand-ins: a Kubernetes service-account token in a file, a token endpoint
 * that exchanges it for short-lived access tokens (RFC 8693), and an API that accepts only those tokens (a gateway
 * in front of the demo's mock server). A chat completion runs on the Effect API, then on the Promise facade (a
 * plain call, a stream, and a call after the gateway revoked every token, which the client replays once with a
 * fresh one). It always uses the stand-ins, whatever OPENAI_API_KEY says: no real identity is needed.
 *
 *   npx -y pnpm@10 scratch scratchpad/workload-identity.ts
 *
 * The guide is docs/auth.md.
 */
import * as Fs from "node:fs"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { Readable } from "node:stream"
import { NodeFileSystem } from "@effect/platform-node"
import { Chat, OpenAI, OpenAIAuth, WorkloadIdentity } from "@effect-openai/openai"
import OpenAIPromise from "@effect-openai/promise"
import { k8sServiceAccountTokenProvider } from "@effect-openai/promise/auth"
import { Effect, Layer } from "effect"
import { startMockServer } from "./mock-server.js"

const identityProviderId = "idp-local"
const serviceAccountId = "sa-local"

// --- the stand-ins ---------------------------------------------------------------------------------------------

/** A projected service-account token, as Kubernetes mounts it (an unsigned JWT will do for the stand-in). */
const tokenDir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "workload-identity-"))
const tokenPath = Path.join(tokenDir, "token")
const claims = Buffer.from(JSON.stringify({ sub: "system:serviceaccount:demo:chat", aud: "openai" })).toString("base64url")
const subjectToken = `eyJhbGciOiJub25lIn0.${claims}.`
Fs.writeFileSync(tokenPath, `${subjectToken}\n`)

const mock = await startMockServer({ delayMs: 0 })
const mockOrigin = new URL(mock.url).origin

interface Gateway {
  readonly origin: string
  /** Token exchanges answered, and API requests let through, so far. */
  readonly counts: { exchanges: number; passed: number; refused: number }
  /** Every access token issued so far stops working. */
  readonly revokeAll: () => void
  readonly close: () => Promise<void>
}

const send = (res: Http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json" })
  res.end(JSON.stringify(body))
}

/** The token endpoint (`POST /oauth/token`) and the API (`/v1/...`, forwarded to the mock with its own key). */
const startGateway = (): Promise<Gateway> =>
  new Promise((resolve) => {
    const valid = new Set<string>()
    const counts = { exchanges: 0, passed: 0, refused: 0 }
    const server = Http.createServer((req, res) => {
      const parts: Array<Buffer> = []
      req.on("data", (chunk: Buffer) => parts.push(chunk))
      req.on("end", async () => {
        const body = Buffer.concat(parts)
        if (req.method === "POST" && req.url === "/oauth/token") {
          const form = JSON.parse(body.toString("utf8"))
          const trusted = form.grant_type === "urn:ietf:params:oauth:grant-type:token-exchange" &&
            form.subject_token === subjectToken &&
            form.subject_token_type === "urn:ietf:params:oauth:token-type:jwt" &&
            form.identity_provider_id === identityProviderId &&
            form.service_account_id === serviceAccountId
          if (!trusted) return send(res, 400, { error: "invalid_grant", error_description: "subject token not trusted" })
          const accessToken = `wi-access-${++counts.exchanges}`
          valid.add(accessToken)
          return send(res, 200, {
            access_token: accessToken,
            issued_token_type: "urn:ietf:params:oauth:token-type:access_token",
            token_type: "Bearer",
            expires_in: 3600
          })
        }
        const bearer = (req.headers.authorization ?? "").replace(/^Bearer /, "")
        if (!valid.has(bearer)) {
          counts.refused++
          return send(res, 401, { error: { message: "unknown or revoked token", type: "invalid_request_error", param: null, code: "invalid_token" } })
        }
        counts.passed++
        const answer = await fetch(`${mockOrigin}${req.url}`, {
          method: req.method ?? "GET",
          headers: { authorization: "Bearer sk-mock", "content-type": req.headers["content-type"] ?? "application/json" },
          ...(body.length > 0 ? { body } : {})
        })
        res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" })
        if (answer.body === null) return res.end()
        Readable.fromWeb(answer.body as import("node:stream/web").ReadableStream).pipe(res)
      })
    })
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resolve({
        origin: `http://127.0.0.1:${port}`,
        counts,
        revokeAll: () => valid.clear(),
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections()
            server.close(() => done())
          })
      })
    })
  })

const gateway = await startGateway()
const baseURL = `${gateway.origin}/v1`
const tokenURL = `${gateway.origin}/oauth/token`
const messages = [{ role: "user" as const, content: "Hi" }]

try {
  // --- the Effect API ------------------------------------------------------------------------------------------
  const auth = OpenAIAuth.layerWorkloadIdentity({
    identityProviderId,
    serviceAccountId,
    provider: WorkloadIdentity.kubernetes({ path: tokenPath }),
    tokenURL
  })
  const layer = OpenAI.layerWithAuth(auth, { baseURL }).pipe(Layer.provide(NodeFileSystem.layer))
  const effectAnswer = await Effect.runPromise(
    Chat.Completions.create({ model: "gpt-4o-mini", messages }).pipe(
      Effect.map((c) => c.choices[0]?.message.content ?? ""),
      Effect.provide(layer)
    )
  )
  console.log(`effect: ${effectAnswer}`)

  // --- the Promise facade --------------------------------------------------------------------------------------
  const client = new OpenAIPromise({
    baseURL,
    workloadIdentity: { identityProviderId, serviceAccountId, provider: k8sServiceAccountTokenProvider(tokenPath), tokenURL }
  })
  const completion = await client.chat.completions.create({ model: "gpt-4o-mini", messages })
  console.log(`promise: ${completion.choices[0]?.message.content}`)

  const stream = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Stream it" }], stream: true })
  let streamed = ""
  for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? ""
  console.log(`promise stream: ${streamed}`)

  gateway.revokeAll()
  const again = await client.chat.completions.create({ model: "gpt-4o-mini", messages })
  console.log(`promise after revocation: ${again.choices[0]?.message.content}`)

  const { exchanges, passed, refused } = gateway.counts
  console.log(`token exchanges: ${exchanges}, API requests let through: ${passed}, refused: ${refused}`)
} finally {
  await gateway.close()
  await mock.close()
  Fs.rmSync(tokenDir, { recursive: true, force: true })
}
