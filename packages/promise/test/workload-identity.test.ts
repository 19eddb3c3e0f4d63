/**
 * Credentials beyond a static key, on the facade: the `workloadIdentity` option with each provider of
 * `@effect-openai/promise/auth` against loopback stand-ins (a token file, an Azure IMDS, a GCP metadata server, a
 * token endpoint), and an `apiKey` function. What reaches the wire, how often tokens are fetched, what a 401 does,
 * and the errors, none of which shows a token.
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as util from "node:util"
import { afterEach, describe, expect, it } from "vitest"
import OpenAI, {
  APIError,
  AuthenticationError,
  type ClientOptions,
  InternalServerError,
  OAuthError,
  OpenAIError,
  SubjectTokenProviderError,
  toFile
} from "@effect-openai/promise"
import {
  azureManagedIdentityTokenProvider,
  gcpIDTokenProvider,
  k8sServiceAccountTokenProvider,
  OAuthError as OAuthErrorViaAuth,
  type SubjectTokenProvider,
  SubjectTokenProviderError as SubjectTokenProviderErrorViaAuth,
  type WorkloadIdentity
} from "@effect-openai/promise/auth"
import { withEnv } from "./support/env.js"
import {
  chunk,
  collectingLogger,
  type Handler,
  json,
  type Received,
  rejection,
  sleep,
  sse,
  type TestServer,
  useServers
} from "./support/server.js"

const serve = useServers()

/** A subject token and access tokens distinctive enough to search for in anything printed or thrown. */
const SUBJECT = "eyJhbGciOiJSUzI1NiJ9.subject-3f9a1c7e.sig"
const accessToken = (n: number) => `oai-access-${n}-8d2b6e41`
const JWT_TYPE = "urn:ietf:params:oauth:token-type:jwt"
const ID_TYPE = "urn:ietf:params:oauth:token-type:id_token"

const completion = (content: string) => ({
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 1,
  model: "gpt-test",
  choices: [{ index: 0, finish_reason: "stop", logprobs: null, message: { role: "assistant", content, refusal: null } }]
})

const chat = (client: OpenAI) => client.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "Hi" }] })

/** The API: chat completions (JSON or SSE) and file uploads answer 200 to any bearer token. */
const apiHandler: Handler = (req, res) => {
  if (req.path === "/v1/models") return json(res, 200, { object: "list", data: [] })
  if (req.path === "/v1/files") return json(res, 200, { id: "file-1", object: "file", bytes: 1, created_at: 1, filename: "a.txt", purpose: "assistants" })
  if (req.json?.stream === true) return sse(res, [chunk("Hel"), chunk("lo")])
  json(res, 200, completion("Hello"))
}

interface StandIns {
  readonly api: TestServer
  readonly token: TestServer
  /** The token endpoint's URL, for `workloadIdentity.tokenURL`. */
  readonly tokenURL: string
}

/**
 * An API and a token endpoint. The token endpoint issues `accessToken(1)`, `accessToken(2)`, ... (after `delayMs`)
 * unless `token` answers otherwise.
 */
const standIns = async (
  options: {
    readonly api?: Handler
    readonly token?: Handler
    readonly delayMs?: number
    readonly expiresIn?: number
    readonly maxRequests?: number
  } = {}
): Promise<StandIns> => {
  const limits = { maxRequests: options.maxRequests ?? 20 }
  const api = await serve(options.api ?? apiHandler, limits)
  let issued = 0
  const token = await serve(
    options.token ?? (async (_req, res) => {
      const n = ++issued
      if (options.delayMs !== undefined) await sleep(options.delayMs)
      json(res, 200, {
        access_token: accessToken(n),
        issued_token_type: "urn:ietf:params:oauth:token-type:access_token",
        token_type: "Bearer",
        expires_in: options.expiresIn ?? 3600
      })
    }),
    limits
  )
  return { api, token, tokenURL: token.url.replace(/\/v1$/, "/oauth/token") }
}

const fixedProvider = (token = SUBJECT): SubjectTokenProvider => ({ tokenType: "jwt", getToken: async () => token })

/** A client of the stand-ins with workload identity, no retries unless asked, and a logger that collects. */
const identityClient = (
  s: StandIns,
  provider: SubjectTokenProvider,
  identity: Partial<WorkloadIdentity> = {},
  options: ClientOptions = {}
): OpenAI =>
  new OpenAI({
    baseURL: s.api.url,
    maxRetries: 0,
    logger: collectingLogger().logger,
    workloadIdentity: { identityProviderId: "idp-test", serviceAccountId: "sa-test", provider, tokenURL: s.tokenURL, ...identity },
    ...options
  })

const bearers = (server: TestServer) => server.requests.map((r) => r.headers.authorization)

/** Every way an error can be shown: message, stack, String, JSON, util.inspect (hidden properties too). */
const renderings = (value: unknown): Array<string> => {
  const out = [String(value), JSON.stringify(value) ?? "", util.inspect(value, { depth: Infinity, showHidden: true })]
  if (value instanceof Error) out.push(value.message, value.stack ?? "")
  return out
}

const expectNoSecret = (value: unknown, ...secrets: Array<string>) => {
  for (const text of renderings(value)) for (const secret of secrets) expect(text).not.toContain(secret)
}

const temp: Array<string> = []
afterEach(() => {
  for (const dir of temp.splice(0)) Fs.rmSync(dir, { recursive: true, force: true })
})

/** A token file in a fresh temporary directory. */
const tokenFile = (content: string): string => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "wi-test-"))
  temp.push(dir)
  const path = Path.join(dir, "token")
  Fs.writeFileSync(path, content)
  return path
}

const identity = { identityProviderId: "idp-test", serviceAccountId: "sa-test", provider: fixedProvider() }

describe("workloadIdentity: options", () => {
  it("with apiKey as well, throws an OpenAIError saying the two are mutually exclusive", () => {
    expect(() => new OpenAI({ apiKey: "sk-x", workloadIdentity: identity })).toThrow(OpenAIError)
    expect(() => new OpenAI({ apiKey: "sk-x", workloadIdentity: identity })).toThrow(/`apiKey` and `workloadIdentity`.*mutually exclusive/)
    expect(() => new OpenAI({ apiKey: async () => "sk-x", workloadIdentity: identity })).toThrow(/mutually exclusive/)
  })

  it("without identityProviderId, serviceAccountId or provider, throws an OpenAIError naming the field", () => {
    const without = (field: "identityProviderId" | "serviceAccountId" | "provider") => {
      const rest: Partial<WorkloadIdentity> = { ...identity }
      delete rest[field]
      return () => new OpenAI({ workloadIdentity: rest as WorkloadIdentity })
    }
    expect(without("identityProviderId")).toThrow(OpenAIError)
    expect(without("identityProviderId")).toThrow("workloadIdentity.identityProviderId is required")
    expect(without("serviceAccountId")).toThrow("workloadIdentity.serviceAccountId is required")
    expect(without("provider")).toThrow("workloadIdentity.provider is required")
    expect(() => new OpenAI({ workloadIdentity: { ...identity, identityProviderId: "" } })).toThrow(/identityProviderId is required/)
    expect(() => new OpenAI({ workloadIdentity: { ...identity, refreshBufferSeconds: -1 } })).toThrow(/refreshBufferSeconds/)
  })

  it("a provider without getToken, or of an unknown tokenType, throws at construction saying what is wrong", () => {
    const withProvider = (provider: unknown) => () =>
      new OpenAI({ workloadIdentity: { ...identity, provider: provider as SubjectTokenProvider } })
    expect(withProvider({ tokenType: "jwt" })).toThrow(/provider must be an object with tokenType and getToken/)
    expect(withProvider({ tokenType: "saml", getToken: async () => "t" })).toThrow(/tokenType must be "jwt" or "id"/)
  })

  it("OPENAI_API_KEY in the environment is ignored: the access token is sent, never the key", async () => {
    const s = await standIns()
    await withEnv({ OPENAI_API_KEY: "sk-from-env-5c1d" }, async () => {
      const client = identityClient(s, fixedProvider())
      expect(client.apiKey).toBeNull()
      await chat(client)
    })
    expect(bearers(s.api)).toEqual([`Bearer ${accessToken(1)}`])
    expect(JSON.stringify(s.token.requests[0]!.json)).not.toContain("sk-from-env")
  })

  it("without any key in the environment, workload identity alone is enough", async () => {
    const s = await standIns()
    await withEnv({}, () => chat(identityClient(s, fixedProvider())))
    expect(bearers(s.api)).toEqual([`Bearer ${accessToken(1)}`])
  })
})

describe("workloadIdentity: the token exchange", () => {
  it("posts an RFC 8693 exchange to tokenURL and sends `Bearer <access_token>` to the API", async () => {
    const s = await standIns()
    const client = identityClient(s, fixedProvider(), { clientId: "client-test" })
    const answer = await chat(client)
    expect(answer.choices[0]!.message.content).toBe("Hello")
    const exchange = s.token.requests[0]!
    expect(exchange.method).toBe("POST")
    expect(exchange.path).toBe("/oauth/token")
    expect(exchange.headers["content-type"]).toContain("application/json")
    expect(exchange.json).toEqual({
      grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
      subject_token: SUBJECT,
      subject_token_type: JWT_TYPE,
      identity_provider_id: "idp-test",
      service_account_id: "sa-test",
      client_id: "client-test"
    })
    expect(exchange.headers.authorization).toBeUndefined()
    expect(bearers(s.api)).toEqual([`Bearer ${accessToken(1)}`])
  })

  it("a Kubernetes token file: read before the exchange, trimmed, its content the subject token", async () => {
    const s = await standIns()
    const path = tokenFile(`${SUBJECT}\n`)
    await chat(identityClient(s, k8sServiceAccountTokenProvider(path)))
    expect(s.token.requests[0]!.json).toMatchObject({ subject_token: SUBJECT, subject_token_type: JWT_TYPE })
    expect(bearers(s.api)).toEqual([`Bearer ${accessToken(1)}`])
  })

  it("a Kubernetes provider with its own readFile: called with the path", async () => {
    const s = await standIns()
    const paths: Array<string> = []
    const provider = k8sServiceAccountTokenProvider("/pods/own/token", {
      readFile: async (path) => {
        paths.push(path)
        return SUBJECT
      }
    })
    await chat(identityClient(s, provider))
    expect(paths).toEqual(["/pods/own/token"])
    expect(s.token.requests[0]!.json.subject_token).toBe(SUBJECT)
  })

  it("an Azure managed identity: IMDS asked with its query and `metadata: true`, its access_token the subject", async () => {
    const s = await standIns()
    const imds = await serve((_req, res) => json(res, 200, { access_token: SUBJECT, expires_in: "3599", token_type: "Bearer" }))
    const provider = azureManagedIdentityTokenProvider("api://openai-federation", {
      clientId: "mi-client",
      url: `${imds.url}/metadata/identity/oauth2/token`
    })
    await chat(identityClient(s, provider))
    const asked = imds.requests[0]!
    expect(asked.method).toBe("GET")
    expect(asked.path).toBe("/v1/metadata/identity/oauth2/token")
    expect(asked.headers.metadata).toBe("true")
    expect(Object.fromEntries(asked.query)).toEqual({
      "api-version": "2018-02-01",
      resource: "api://openai-federation",
      client_id: "mi-client"
    })
    expect(s.token.requests[0]!.json).toMatchObject({ subject_token: SUBJECT, subject_token_type: JWT_TYPE })
    expect(bearers(s.api)).toEqual([`Bearer ${accessToken(1)}`])
  })

  it("a GCP identity token: the metadata server asked for the audience with `metadata-flavor: Google`, an id_token", async () => {
    const s = await standIns()
    const metadata = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" })
      res.end(SUBJECT)
    })
    const provider = gcpIDTokenProvider("https://api.openai.com/v1", { url: `${metadata.url}/identity` })
    await chat(identityClient(s, provider))
    const asked = metadata.requests[0]!
    expect(asked.headers["metadata-flavor"]).toBe("Google")
    expect(asked.query.get("audience")).toBe("https://api.openai.com/v1")
    expect(s.token.requests[0]!.json).toMatchObject({ subject_token: SUBJECT, subject_token_type: ID_TYPE })
    expect(bearers(s.api)).toEqual([`Bearer ${accessToken(1)}`])
  })

  it("a provider's own fetch serves its metadata requests only; the exchange goes over the client's transport", async () => {
    const s = await standIns()
    const metadata = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" })
      res.end(SUBJECT)
    })
    const recording = (seen: Array<string>) => (input: any, init?: any) => {
      seen.push(new URL(input instanceof Request ? input.url : String(input)).pathname)
      return fetch(input, init)
    }
    const viaProvider: Array<string> = []
    const provider = gcpIDTokenProvider(undefined, { url: `${metadata.url}/identity`, fetch: recording(viaProvider) })
    // the client on its own transport: the exchange is not sent with the provider's fetch
    await chat(identityClient(s, provider))
    expect(viaProvider).toEqual(["/v1/identity"])
    expect(s.token.requests).toHaveLength(1)
    // the client on a fetch of its own: it does not take the provider's place
    const viaClient: Array<string> = []
    await chat(identityClient(s, provider, {}, { fetch: recording(viaClient) }))
    expect(viaProvider).toEqual(["/v1/identity", "/v1/identity"])
    expect(viaClient).toEqual(["/oauth/token", "/v1/chat/completions"])
  })

  it("a provider object of your own: getToken asked before each exchange, tokenType `id` sent as an id_token", async () => {
    const s = await standIns()
    let asked = 0
    const provider: SubjectTokenProvider = { tokenType: "id", getToken: async () => `${SUBJECT}-${++asked}` }
    await chat(identityClient(s, provider))
    expect(asked).toBe(1)
    expect(s.token.requests[0]!.json).toMatchObject({ subject_token: `${SUBJECT}-1`, subject_token_type: ID_TYPE })
  })

  it("one token serves every request until it nears expiry", async () => {
    const s = await standIns()
    const client = identityClient(s, fixedProvider())
    await chat(client)
    await chat(client)
    await client.models.list()
    expect(s.token.requests).toHaveLength(1)
    expect(new Set(bearers(s.api))).toEqual(new Set([`Bearer ${accessToken(1)}`]))
  })

  it("single flight: 50 concurrent calls wait for one exchange and all carry its token", async () => {
    const s = await standIns({ delayMs: 100, maxRequests: 60 })
    let asked = 0
    const client = identityClient(s, { tokenType: "jwt", getToken: async () => (asked++, SUBJECT) })
    const answers = await Promise.all(Array.from({ length: 50 }, () => chat(client)))
    expect(answers).toHaveLength(50)
    expect(asked).toBe(1)
    expect(s.token.requests).toHaveLength(1)
    expect(s.api.requests).toHaveLength(50)
    expect(new Set(bearers(s.api))).toEqual(new Set([`Bearer ${accessToken(1)}`]))
  })

  it("refreshBufferSeconds: inside the buffer the old token still serves while a new one is fetched", async () => {
    // A 1 s token renewed 0.5 s before expiry: after 0.6 s calls are not kept waiting for the renewal.
    const s = await standIns({ expiresIn: 1, delayMs: 50 })
    const client = identityClient(s, fixedProvider(), { refreshBufferSeconds: 0.5 })
    await chat(client)
    await sleep(600)
    for (let i = 0; i < 20 && !bearers(s.api).includes(`Bearer ${accessToken(2)}`); i++) {
      await chat(client)
      await sleep(10)
    }
    const sent = bearers(s.api)
    expect(s.token.requests).toHaveLength(2)
    expect(sent.at(-1)).toBe(`Bearer ${accessToken(2)}`)
    // the call that started the renewal and any made while it ran went with the old token
    expect(sent.slice(0, -1).length).toBeGreaterThanOrEqual(2)
    expect(new Set(sent.slice(0, -1))).toEqual(new Set([`Bearer ${accessToken(1)}`]))
  })

  it("a Kubernetes token file is read again for the next exchange, so a rotated token is used", async () => {
    const s = await standIns({ api: (req, res) => req.index === 1 ? json(res, 401, { error: { message: "expired" } }) : apiHandler(req, res) })
    const path = tokenFile("subject-before-rotation")
    const client = identityClient(s, k8sServiceAccountTokenProvider(path))
    await chat(client)
    Fs.writeFileSync(path, "subject-after-rotation")
    await chat(client)
    expect(s.token.requests.map((r) => r.json.subject_token)).toEqual(["subject-before-rotation", "subject-after-rotation"])
  })
})

describe("workloadIdentity: a 401 from the API", () => {
  const rejectFirst: Handler = (req, res) =>
    req.headers.authorization === `Bearer ${accessToken(1)}`
      ? json(res, 401, { error: { message: "token revoked", type: "invalid_request_error", code: "invalid_token" } })
      : apiHandler(req, res)

  it("drops the token and replays the request once with a fresh one", async () => {
    const s = await standIns({ api: rejectFirst })
    const client = identityClient(s, fixedProvider())
    const answer = await chat(client)
    expect(answer.choices[0]!.message.content).toBe("Hello")
    expect(s.token.requests).toHaveLength(2)
    expect(bearers(s.api)).toEqual([`Bearer ${accessToken(1)}`, `Bearer ${accessToken(2)}`])
    await chat(client)
    expect(s.token.requests).toHaveLength(2)
  })

  it("a second 401 is final: AuthenticationError, after exactly two attempts, without the token in it", async () => {
    const s = await standIns({
      api: (req, res) =>
        json(res, 401, { error: { message: `revoked: ${req.headers.authorization}`, type: "invalid_request_error", code: null } }, {
          "x-echo": String(req.headers.authorization)
        })
    })
    const error = await rejection(chat(identityClient(s, fixedProvider())))
    expect(error).toBeInstanceOf(AuthenticationError)
    expect(error.status).toBe(401)
    expect(s.api.requests).toHaveLength(2)
    expect(s.token.requests).toHaveLength(2)
    expectNoSecret(error, accessToken(1), accessToken(2), SUBJECT)
  })

  it("is replayed for a stream request too", async () => {
    const s = await standIns({ api: rejectFirst })
    const stream = await identityClient(s, fixedProvider()).chat.completions.create({
      model: "gpt-test",
      messages: [{ role: "user", content: "Hi" }],
      stream: true
    })
    const parts: Array<string> = []
    for await (const event of stream) parts.push(event.choices[0]?.delta.content ?? "")
    expect(parts.join("")).toBe("Hello")
    expect(bearers(s.api)).toEqual([`Bearer ${accessToken(1)}`, `Bearer ${accessToken(2)}`])
  })

  it("a file read from a stream is sent once: its 401 is final; bytes in memory are replayed", async () => {
    const s = await standIns({ api: rejectFirst })
    const path = tokenFile("file content")
    const client = identityClient(s, fixedProvider())
    const error = await rejection(client.files.create({ file: Fs.createReadStream(path), purpose: "assistants" }))
    expect(error).toBeInstanceOf(AuthenticationError)
    expect(s.api.requests).toHaveLength(1)

    const t = await standIns({ api: rejectFirst })
    const again = identityClient(t, fixedProvider())
    const file = await again.files.create({ file: await toFile(Buffer.from("file content"), "a.txt"), purpose: "assistants" })
    expect(file.id).toBe("file-1")
    expect(bearers(t.api)).toEqual([`Bearer ${accessToken(1)}`, `Bearer ${accessToken(2)}`])
  })
})

describe("workloadIdentity: streams", () => {
  it("`stream: true` carries the access token and streams every event", async () => {
    const s = await standIns()
    const client = identityClient(s, fixedProvider())
    const stream = await client.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "Hi" }], stream: true })
    const parts: Array<string> = []
    for await (const event of stream) parts.push(event.choices[0]?.delta.content ?? "")
    expect(parts).toEqual(["Hel", "lo"])
    expect(s.api.requests[0]!.headers.accept).toBe("text/event-stream")
    expect(bearers(s.api)).toEqual([`Bearer ${accessToken(1)}`])
    // The same token serves a following ordinary call.
    await chat(client)
    expect(s.token.requests).toHaveLength(1)
  })
})

describe("workloadIdentity: errors", () => {
  /** A token endpoint that refuses, quoting the subject token it got in its answer and a header. */
  const refusing = (status: number): Handler => (req, res) =>
    json(res, status, {
      error: "invalid_grant",
      error_description: `subject token ${req.json?.subject_token} is not trusted`
    }, { "x-echo-subject": String(req.json?.subject_token) })

  it("a refused exchange is an OAuthError (an APIError) with status and error_code; nothing reaches the API", async () => {
    const s = await standIns({ token: refusing(400) })
    const error = await rejection(chat(identityClient(s, fixedProvider())))
    expect(error).toBeInstanceOf(OAuthError)
    expect(error).toBeInstanceOf(OAuthErrorViaAuth)
    expect(error).toBeInstanceOf(APIError)
    expect(error).toBeInstanceOf(OpenAIError)
    expect(error.name).toBe("OAuthError")
    expect(error.status).toBe(400)
    expect(error.error_code).toBe("invalid_grant")
    expect(error.headers.get("x-echo-subject")).not.toContain(SUBJECT)
    expect(error.message).toContain("invalid_grant")
    expect(s.api.requests).toHaveLength(0)
    expectNoSecret(error, SUBJECT)
  })

  it("401 and 403 from the token endpoint are OAuthErrors too, and are not retried", async () => {
    for (const status of [401, 403]) {
      const s = await standIns({ token: refusing(status) })
      const error = await rejection(chat(identityClient(s, fixedProvider(), {}, { maxRetries: 2 })))
      expect(error).toBeInstanceOf(OAuthError)
      expect(error.status).toBe(status)
      expect(s.token.requests).toHaveLength(1)
      expectNoSecret(error, SUBJECT)
    }
  })

  it("a redirect from the token endpoint is refused: OAuthError, and the redirect is not followed", async () => {
    const elsewhere = await serve((_req, res) => json(res, 200, { access_token: accessToken(9), expires_in: 3600 }))
    const s = await standIns({
      token: (_req, res) => {
        res.writeHead(307, { location: `${elsewhere.url}/token` })
        res.end()
      }
    })
    const error = await rejection(chat(identityClient(s, fixedProvider())))
    expect(error).toBeInstanceOf(OAuthError)
    expect(error.status).toBe(307)
    expect(error.message).toMatch(/redirect/)
    expect(elsewhere.requests).toHaveLength(0)
    expect(s.api.requests).toHaveLength(0)
  })

  it("an exchange answer without access_token is an OAuthError that keeps nothing of the answer", async () => {
    const s = await standIns({ token: (_req, res) => json(res, 200, { refresh_token: `${SUBJECT}-refresh`, token_type: "Bearer" }) })
    const error = await rejection(chat(identityClient(s, fixedProvider())))
    expect(error).toBeInstanceOf(OAuthError)
    expect(error.message).toContain("access_token")
    expectNoSecret(error, SUBJECT)
  })

  it("a 5xx from the token endpoint is an ordinary status error, retried as the client's policy says", async () => {
    const s = await standIns({
      token: (req, res) =>
        req.index === 0
          ? json(res, 503, { error: { message: "busy" } }, { "retry-after-ms": "1" })
          : json(res, 200, { access_token: accessToken(1), token_type: "Bearer", expires_in: 3600 })
    })
    await chat(identityClient(s, fixedProvider(), {}, { maxRetries: 1 }))
    expect(s.token.requests).toHaveLength(2)
    expect(bearers(s.api)).toEqual([`Bearer ${accessToken(1)}`])

    const t = await standIns({ token: (_req, res) => json(res, 503, { error: { message: "busy" } }) })
    expect(await rejection(chat(identityClient(t, fixedProvider())))).toBeInstanceOf(InternalServerError)
  })

  it("a provider that throws: SubjectTokenProviderError naming the provider, nothing exchanged or sent", async () => {
    const s = await standIns()
    const provider: SubjectTokenProvider = {
      tokenType: "jwt",
      getToken: async () => {
        throw new Error("vault is sealed")
      }
    }
    const error = await rejection(chat(identityClient(s, provider)))
    expect(error).toBeInstanceOf(SubjectTokenProviderError)
    expect(error).toBeInstanceOf(SubjectTokenProviderErrorViaAuth)
    expect(error).toBeInstanceOf(OpenAIError)
    expect(error).not.toBeInstanceOf(APIError)
    expect(error.name).toBe("SubjectTokenProviderError")
    expect(error.provider).toBe("custom")
    expect(error.message).toContain("vault is sealed")
    expect(s.token.requests).toHaveLength(0)
    expect(s.api.requests).toHaveLength(0)
    const empty = await rejection(chat(identityClient(s, { tokenType: "jwt", getToken: async () => " " })))
    expect(empty).toBeInstanceOf(SubjectTokenProviderError)
    expect(empty.message).toMatch(/no token/)
  })

  it("a missing Kubernetes token file: SubjectTokenProviderError `kubernetes` naming the path", async () => {
    const s = await standIns()
    const path = Path.join(Os.tmpdir(), "no-such-dir-wi", "token")
    const error = await rejection(chat(identityClient(s, k8sServiceAccountTokenProvider(path))))
    expect(error).toBeInstanceOf(SubjectTokenProviderError)
    expect(error.provider).toBe("kubernetes")
    expect(error.message).toContain(path)
    const empty = await rejection(chat(identityClient(s, k8sServiceAccountTokenProvider(tokenFile("  \n")))))
    expect(empty.provider).toBe("kubernetes")
    expect(empty.message).toMatch(/empty/)
  })

  it("metadata endpoints that fail: SubjectTokenProviderError `azure-managed-identity` / `gcp`, no token quoted", async () => {
    const s = await standIns()
    const imds = await serve((req, res) =>
      req.index === 0
        ? json(res, 500, { error: "unavailable", echo: SUBJECT })
        : json(res, 200, { refresh_token: SUBJECT, token_type: "Bearer" })
    )
    const azure = azureManagedIdentityTokenProvider(undefined, { url: `${imds.url}/token` })
    const down = await rejection(chat(identityClient(s, azure)))
    expect(down).toBeInstanceOf(SubjectTokenProviderError)
    expect(down.provider).toBe("azure-managed-identity")
    expect(down.message).toContain("500")
    expectNoSecret(down, SUBJECT)
    const noToken = await rejection(chat(identityClient(s, azure)))
    expect(noToken.message).toContain("access_token")
    expectNoSecret(noToken, SUBJECT)

    const metadata = await serve((_req, res) => {
      res.writeHead(404, { "content-type": "text/plain" })
      res.end(`no identity for ${SUBJECT}`)
    })
    const gcp = await rejection(chat(identityClient(s, gcpIDTokenProvider(undefined, { url: `${metadata.url}/identity` }))))
    expect(gcp).toBeInstanceOf(SubjectTokenProviderError)
    expect(gcp.provider).toBe("gcp")
    expectNoSecret(gcp, SUBJECT)
    expect(s.token.requests).toHaveLength(0)
  })

  it("a metadata endpoint slower than `timeout`: SubjectTokenProviderError saying it timed out", async () => {
    const s = await standIns()
    const slow = await serve(async (_req, res) => {
      await sleep(500)
      json(res, 200, { access_token: SUBJECT })
    })
    const provider = azureManagedIdentityTokenProvider(undefined, { url: `${slow.url}/token`, timeout: 50 })
    const error = await rejection(chat(identityClient(s, provider)))
    expect(error).toBeInstanceOf(SubjectTokenProviderError)
    expect(error.message).toMatch(/timed out/)
  })

  it("log lines carry neither the subject nor the access token", async () => {
    const s = await standIns({ token: refusing(400) })
    const collected = collectingLogger()
    await rejection(chat(identityClient(s, fixedProvider(), {}, { logger: collected.logger, logLevel: "debug" })))
    const t = await standIns()
    await chat(identityClient(t, fixedProvider(), {}, { logger: collected.logger, logLevel: "debug" }))
    expect(collected.lines.length).toBeGreaterThan(0)
    const text = util.inspect(collected.lines, { depth: Infinity })
    expect(text).not.toContain(SUBJECT)
    expect(text).not.toContain(accessToken(1))
  })
})

describe("the providers on their own: getToken()", () => {
  it("each returns the subject token it would exchange", async () => {
    expect(await k8sServiceAccountTokenProvider(tokenFile(`${SUBJECT}\n`)).getToken()).toBe(SUBJECT)
    expect(await k8sServiceAccountTokenProvider("/x", { readFile: async () => SUBJECT }).getToken()).toBe(SUBJECT)
    const imds = await serve((_req, res) => json(res, 200, { access_token: SUBJECT }))
    const azure = azureManagedIdentityTokenProvider(undefined, { url: `${imds.url}/token` })
    expect(azure.tokenType).toBe("jwt")
    expect(await azure.getToken()).toBe(SUBJECT)
    const metadata = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" })
      res.end(SUBJECT)
    })
    const gcp = gcpIDTokenProvider("aud", { url: `${metadata.url}/identity` })
    expect(gcp.tokenType).toBe("id")
    expect(await gcp.getToken()).toBe(SUBJECT)
    expect(metadata.requests[0]!.query.get("audience")).toBe("aud")
  })

  it("a failure rejects with SubjectTokenProviderError", async () => {
    const error = await rejection(k8sServiceAccountTokenProvider(Path.join(Os.tmpdir(), "no-such-dir-wi", "t")).getToken())
    expect(error).toBeInstanceOf(SubjectTokenProviderError)
    expect(error.provider).toBe("kubernetes")
    const failing = await rejection(
      k8sServiceAccountTokenProvider("/x", {
        readFile: async () => {
          throw new Error("permission denied")
        }
      }).getToken()
    )
    expect(failing).toBeInstanceOf(SubjectTokenProviderError)
    expect(failing.message).toContain("permission denied")
  })
})

describe("apiKey as an async function", () => {
  const keyed = (server: TestServer, apiKey: () => Promise<string>, options: ClientOptions = {}) =>
    new OpenAI({ apiKey, baseURL: server.url, maxRetries: 0, logger: collectingLogger().logger, ...options })

  it("is called once per attempt, and the rotated keys reach the wire", async () => {
    const server = await serve((req: Received, res) =>
      req.index === 1 ? json(res, 500, { error: { message: "again" } }, { "retry-after-ms": "1" }) : apiHandler(req, res)
    )
    let calls = 0
    const client = keyed(server, async () => `sk-rotating-${++calls}`, { maxRetries: 1 })
    await chat(client)
    await chat(client)
    expect(calls).toBe(3)
    expect(bearers(server)).toEqual(["Bearer sk-rotating-1", "Bearer sk-rotating-2", "Bearer sk-rotating-3"])
  })

  it("serves concurrent calls, one call of the function each", async () => {
    const server = await serve(apiHandler, { maxRequests: 30 })
    let calls = 0
    const client = keyed(server, async () => `sk-rotating-${++calls}`)
    await Promise.all(Array.from({ length: 20 }, () => chat(client)))
    expect(calls).toBe(20)
    expect(new Set(bearers(server)).size).toBe(20)
  })

  it("a 401 is final (the key is the function's to rotate): the call rejects after one attempt", async () => {
    const server = await serve((_req, res) => json(res, 401, { error: { message: "bad key" } }))
    let calls = 0
    const error = await rejection(chat(keyed(server, async () => `sk-rotating-${++calls}`)))
    expect(error).toBeInstanceOf(AuthenticationError)
    expect(calls).toBe(1)
    expect(server.requests).toHaveLength(1)
  })

  it("a function that throws or returns no key rejects the call with an OpenAIError saying so; nothing is sent", async () => {
    const server = await serve(apiHandler)
    const thrown = await rejection(chat(keyed(server, async () => {
      throw new Error("the vault is sealed")
    })))
    expect(thrown).toBeInstanceOf(OpenAIError)
    expect(thrown.message).toContain("apiKey function failed")
    expect(thrown.message).toContain("the vault is sealed")
    const empty = await rejection(chat(keyed(server, async () => "")))
    expect(empty).toBeInstanceOf(OpenAIError)
    expect(empty.message).toMatch(/apiKey function.*no key/)
    expect(server.requests).toHaveLength(0)
  })
})
