/**
 * `AzureOpenAI`: the official constructor's options and errors, the environment's defaults, and what goes on the
 * wire (deployment paths, `api-version`, `api-key` or an Entra ID token per request, the v1 endpoint), `withOptions`,
 * keys kept out of sight, redirects refused, and Azure's streams.
 */
import * as util from "node:util"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { APIError, AzureOpenAI, InvalidInputError, OpenAIError, toFile } from "@effect-openai/promise"
import { AzureOpenAI as AzureFromSubpath } from "@effect-openai/promise/azure"
import { collectingLogger, json, rejection, SECRET, type TestServer, useServers } from "./support/server.js"

const serve = useServers()

const VERSION = "2024-10-21"

/** Every variable the Azure client (and the client under it) reads, unset for each test. */
const ENV = [
  "AZURE_OPENAI_API_KEY",
  "AZURE_OPENAI_ENDPOINT",
  "OPENAI_API_VERSION",
  "OPENAI_API_KEY",
  "OPENAI_ADMIN_KEY",
  "OPENAI_BASE_URL",
  "OPENAI_ORG_ID",
  "OPENAI_PROJECT_ID",
  "OPENAI_LOG"
] as const

beforeEach(() => {
  for (const name of ENV) vi.stubEnv(name, undefined)
})
afterEach(() => {
  vi.unstubAllEnvs()
})

/** The resource's endpoint: the server's origin. */
const endpointOf = (server: TestServer): string => new URL(server.url).origin

/** A body every call here accepts. */
const anything = () => serve((_req, res) => json(res, 200, { object: "list", data: [], id: "x", has_more: false }))

/** A client of `server` with the test key and a dated API version, no retries, a collecting logger. */
const azure = (server: TestServer, options: ConstructorParameters<typeof AzureOpenAI>[0] = {}) =>
  new AzureOpenAI({
    endpoint: endpointOf(server),
    apiKey: SECRET,
    apiVersion: VERSION,
    maxRetries: 0,
    logger: collectingLogger().logger,
    ...options
  })

const messages = [{ role: "user" as const, content: "Hi" }]

describe("the class", () => {
  it("is a named export of the package and of /azure, and an OpenAI client", async () => {
    expect(AzureFromSubpath).toBe(AzureOpenAI)
    const { default: OpenAI } = await import("@effect-openai/promise")
    const client = new AzureOpenAI({ endpoint: "https://r.openai.azure.com", apiKey: SECRET, apiVersion: VERSION })
    expect(client).toBeInstanceOf(OpenAI)
    expect(client.apiVersion).toBe(VERSION)
    expect(client.baseURL).toBe("https://r.openai.azure.com/openai")
  })
})

describe("constructor errors", () => {
  const endpoint = "https://r.openai.azure.com"

  it("no apiVersion (option or OPENAI_API_VERSION) is an OpenAIError", () => {
    expect(() => new AzureOpenAI({ endpoint, apiKey: SECRET })).toThrow(OpenAIError)
    expect(() => new AzureOpenAI({ endpoint, apiKey: SECRET, apiVersion: "" })).toThrow(/apiVersion|OPENAI_API_VERSION/)
  })

  it("both apiKey and azureADTokenProvider is an OpenAIError", () => {
    expect(() => new AzureOpenAI({ endpoint, apiVersion: VERSION, apiKey: SECRET, azureADTokenProvider: async () => "t" }))
      .toThrow(/mutually exclusive/)
  })

  it("no credentials (option or AZURE_OPENAI_API_KEY) is an OpenAIError", () => {
    expect(() => new AzureOpenAI({ endpoint, apiVersion: VERSION })).toThrow(OpenAIError)
    // OPENAI_API_KEY is not an Azure credential.
    vi.stubEnv("OPENAI_API_KEY", "sk-openai")
    expect(() => new AzureOpenAI({ endpoint, apiVersion: VERSION })).toThrow(/credentials/i)
  })

  it("baseURL and endpoint together is an OpenAIError", () => {
    expect(() => new AzureOpenAI({ endpoint, baseURL: `${endpoint}/openai`, apiVersion: VERSION, apiKey: SECRET }))
      .toThrow(/mutually exclusive/)
  })

  it("neither baseURL, endpoint nor AZURE_OPENAI_ENDPOINT is an OpenAIError", () => {
    expect(() => new AzureOpenAI({ apiVersion: VERSION, apiKey: SECRET })).toThrow(OpenAIError)
  })

  it("the errors never show the key", () => {
    for (const options of [{ apiKey: SECRET }, { apiKey: SECRET, apiVersion: VERSION }]) {
      let thrown: unknown
      try {
        new AzureOpenAI(options)
      } catch (error) {
        thrown = error
      }
      expect(thrown).toBeInstanceOf(OpenAIError)
      expect(util.inspect(thrown)).not.toContain(SECRET)
    }
  })
})

describe("the environment", () => {
  it("AZURE_OPENAI_API_KEY, OPENAI_API_VERSION and AZURE_OPENAI_ENDPOINT are the defaults", async () => {
    const server = await anything()
    vi.stubEnv("AZURE_OPENAI_API_KEY", SECRET)
    vi.stubEnv("OPENAI_API_VERSION", VERSION)
    vi.stubEnv("AZURE_OPENAI_ENDPOINT", `${endpointOf(server)}/`)
    const client = new AzureOpenAI({ maxRetries: 0 })
    expect(client.apiVersion).toBe(VERSION)
    expect(client.baseURL).toBe(`${endpointOf(server)}/openai`)
    await client.chat.completions.create({ model: "gpt-4o", messages })
    const [request] = server.requests
    expect(request!.path).toBe("/openai/deployments/gpt-4o/chat/completions")
    expect(request!.query.get("api-version")).toBe(VERSION)
    expect(request!.headers["api-key"]).toBe(SECRET)
  })

  it("OPENAI_BASE_URL is the base URL when neither baseURL nor endpoint is given; beside an endpoint it is an error", async () => {
    const server = await anything()
    vi.stubEnv("OPENAI_BASE_URL", `${endpointOf(server)}/gateway/openai`)
    const client = new AzureOpenAI({ apiKey: SECRET, apiVersion: VERSION, maxRetries: 0 })
    await client.chat.completions.create({ model: "gpt-4o", messages })
    expect(server.requests[0]!.path).toBe("/gateway/openai/deployments/gpt-4o/chat/completions")
    expect(() => new AzureOpenAI({ apiKey: SECRET, apiVersion: VERSION, endpoint: endpointOf(server) })).toThrow(/mutually exclusive/)
  })

  it("options win over the environment", async () => {
    const server = await anything()
    vi.stubEnv("AZURE_OPENAI_API_KEY", "env-key")
    vi.stubEnv("OPENAI_API_VERSION", "2020-01-01")
    vi.stubEnv("AZURE_OPENAI_ENDPOINT", "http://127.0.0.1:9/")
    await azure(server).models.list()
    const [request] = server.requests
    expect(request!.path).toBe("/openai/models")
    expect(request!.query.get("api-version")).toBe(VERSION)
    expect(request!.headers["api-key"]).toBe(SECRET)
  })
})

describe("requests on the wire", () => {
  it("api-key and no Authorization; api-version on every request", async () => {
    const server = await anything()
    const client = azure(server)
    await client.chat.completions.create({ model: "gpt-4o", messages })
    await client.models.list()
    await client.files.create({ file: await toFile(Buffer.from("{}"), "a.jsonl"), purpose: "batch" })
    expect(server.requests).toHaveLength(3)
    for (const request of server.requests) {
      expect(request.headers["api-key"]).toBe(SECRET)
      expect(request.headers.authorization).toBeUndefined()
      expect(request.query.getAll("api-version")).toEqual([VERSION])
    }
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /openai/deployments/gpt-4o/chat/completions",
      "GET /openai/models",
      "POST /openai/files"
    ])
  })

  it("the deployment option routes the model endpoints, whatever the model", async () => {
    const server = await anything()
    const client = azure(server, { deployment: "prod-chat" })
    expect(client.deploymentName).toBe("prod-chat")
    await client.chat.completions.create({ model: "gpt-4o", messages })
    await client.embeddings.create({ model: "text-embedding-3-small", input: "hi" })
    await client.audio.transcriptions.create({ model: "whisper-1", file: await toFile(Buffer.from("RIFF"), "a.wav") })
    await client.batches.create({ input_file_id: "file-1", endpoint: "/v1/chat/completions", completion_window: "24h" })
    expect(server.requests.map((r) => r.path)).toEqual([
      "/openai/deployments/prod-chat/chat/completions",
      "/openai/deployments/prod-chat/embeddings",
      "/openai/deployments/prod-chat/audio/transcriptions",
      "/openai/deployments/prod-chat/batches"
    ])
    expect(server.requests[0]!.json.model).toBe("gpt-4o")
  })

  it("without a deployment, the request's model names it: JSON bodies and multipart ones", async () => {
    const server = await anything()
    const client = azure(server)
    await client.chat.completions.create({ model: "chat-dep", messages })
    await client.embeddings.create({ model: "embed-dep", input: "hi" })
    await client.audio.transcriptions.create({ model: "whisper-dep", file: await toFile(Buffer.from("RIFF"), "a.wav") })
    await client.images.generate({ model: "image-dep", prompt: "a cat" })
    expect(server.requests.map((r) => r.path)).toEqual([
      "/openai/deployments/chat-dep/chat/completions",
      "/openai/deployments/embed-dep/embeddings",
      "/openai/deployments/whisper-dep/audio/transcriptions",
      "/openai/deployments/image-dep/images/generations"
    ])
    expect(String(server.requests[2]!.headers["content-type"])).toMatch(/^multipart\/form-data/)
  })

  it("a model is one encoded path segment; a dot segment is refused before sending", async () => {
    const server = await anything()
    const client = azure(server)
    await client.chat.completions.create({ model: "team/gpt 4o", messages })
    expect(server.requests[0]!.path).toBe("/openai/deployments/team%2Fgpt%204o/chat/completions")
    const error = await rejection(client.chat.completions.create({ model: "..", messages }))
    expect(error).toBeInstanceOf(InvalidInputError)
    expect(server.requests).toHaveLength(1)
  })

  it("a baseURL with a deployments segment is used as given", async () => {
    const server = await anything()
    const client = azure(server, { endpoint: undefined, baseURL: `${endpointOf(server)}/openai/deployments/fixed` })
    await client.chat.completions.create({ model: "gpt-4o", messages })
    expect(server.requests[0]!.path).toBe("/openai/deployments/fixed/chat/completions")
    expect(server.requests[0]!.query.get("api-version")).toBe(VERSION)
  })

  it("azureADTokenProvider is asked before every request, retries included; no api-key is sent", async () => {
    const server = await serve((req, res) =>
      req.index === 0
        ? json(res, 500, { error: { message: "busy" } }, { "retry-after-ms": "1" })
        : json(res, 200, { object: "list", data: [] })
    )
    let calls = 0
    const client = new AzureOpenAI({
      endpoint: endpointOf(server),
      apiVersion: VERSION,
      azureADTokenProvider: async () => `entra-${++calls}`,
      maxRetries: 1,
      logger: collectingLogger().logger
    })
    await client.chat.completions.create({ model: "gpt-4o", messages })
    await client.models.list()
    expect(server.requests.map((r) => r.headers.authorization)).toEqual(["Bearer entra-1", "Bearer entra-2", "Bearer entra-3"])
    for (const request of server.requests) {
      expect(request.headers["api-key"]).toBeUndefined()
      expect(request.query.get("api-version")).toBe(VERSION)
    }
    // The environment's key is no credential here: the provider is.
    expect(client.apiKey).toBeNull()
  })

  it("an azureADTokenProvider that throws fails the call with an OpenAIError, and nothing is sent", async () => {
    const server = await anything()
    const client = new AzureOpenAI({
      endpoint: endpointOf(server),
      apiVersion: VERSION,
      azureADTokenProvider: async () => {
        throw new Error("no managed identity here")
      },
      maxRetries: 0,
      logger: collectingLogger().logger
    })
    const error = await rejection(client.models.list())
    expect(error).toBeInstanceOf(OpenAIError)
    expect(error.message).toContain("no managed identity here")
    expect(server.requests).toHaveLength(0)
  })
})

describe("the v1 endpoint", () => {
  it("apiVersion \"v1\": {endpoint}/openai/v1, no api-version, no deployment path", async () => {
    const server = await anything()
    const client = azure(server, { apiVersion: "v1", deployment: "ignored" })
    expect(client.baseURL).toBe(`${endpointOf(server)}/openai/v1`)
    await client.chat.completions.create({ model: "gpt-4o", messages })
    await client.audio.transcriptions.create({ model: "whisper-1", file: await toFile(Buffer.from("RIFF"), "a.wav") })
    await client.models.list()
    expect(server.requests.map((r) => `${r.path}?${r.query}`)).toEqual([
      "/openai/v1/chat/completions?",
      "/openai/v1/audio/transcriptions?",
      "/openai/v1/models?"
    ])
    expect(server.requests[0]!.headers["api-key"]).toBe(SECRET)
    expect(server.requests[0]!.json.model).toBe("gpt-4o")
  })
})

describe("withOptions", () => {
  it("keeps apiVersion, deployment and the key", async () => {
    const server = await anything()
    const client = azure(server, { deployment: "dep" }).withOptions({ timeout: 5_000 })
    expect(client).toBeInstanceOf(AzureOpenAI)
    expect(client.apiVersion).toBe(VERSION)
    expect(client.deploymentName).toBe("dep")
    expect(client.timeout).toBe(5_000)
    await client.chat.completions.create({ model: "gpt-4o", messages })
    const [request] = server.requests
    expect(request!.path).toBe("/openai/deployments/dep/chat/completions")
    expect(request!.query.get("api-version")).toBe(VERSION)
    expect(request!.headers["api-key"]).toBe(SECRET)
  })

  it("changes what it is given: a deployment, an API version, an endpoint", async () => {
    const first = await anything()
    const second = await anything()
    const client = azure(first, { deployment: "dep" })
      .withOptions({ deployment: "other", apiVersion: "2025-01-01" })
      .withOptions({ endpoint: endpointOf(second) })
    await client.embeddings.create({ model: "m", input: "hi" })
    expect(first.requests).toHaveLength(0)
    expect(second.requests[0]!.path).toBe("/openai/deployments/other/embeddings")
    expect(second.requests[0]!.query.get("api-version")).toBe("2025-01-01")
  })

  it("keeps an azureADTokenProvider", async () => {
    const server = await anything()
    const client = new AzureOpenAI({
      endpoint: endpointOf(server),
      apiVersion: VERSION,
      azureADTokenProvider: async () => "entra",
      maxRetries: 0
    }).withOptions({ maxRetries: 1 })
    await client.models.list()
    expect(server.requests[0]!.headers.authorization).toBe("Bearer entra")
    expect(server.requests[0]!.headers["api-key"]).toBeUndefined()
  })
})

describe("the key stays out of sight", () => {
  it("util.inspect (hidden properties too), JSON.stringify and String show no key, withOptions clients neither", () => {
    const client = new AzureOpenAI({ endpoint: "https://r.openai.azure.com", apiKey: SECRET, apiVersion: VERSION, deployment: "d" })
    expect(client.apiKey).toBe(SECRET)
    for (const shown of [client, client.withOptions({ timeout: 1_000 })]) {
      for (
        const text of [
          String(shown),
          util.inspect(shown, { depth: Infinity }),
          util.inspect(shown, { depth: Infinity, showHidden: true }),
          JSON.stringify(shown)
        ]
      ) expect(text).not.toContain(SECRET)
    }
    expect(String(client)).toContain("r.openai.azure.com")
  })
})

describe("redirects", () => {
  /** A resource answering 307 to `target`, another origin. */
  const redirecting = (target: TestServer) =>
    serve((req, res) => {
      res.writeHead(307, { location: `${endpointOf(target)}${req.path}?${req.query}`, "content-type": "application/json" })
      res.end("{}")
    })

  const transports = [
    ["the default transport", {}],
    ["a fetch", { fetch: (input: string | URL | Request, init?: RequestInit) => globalThis.fetch(input, init) }],
    ["fetchOptions asking to follow redirects", { fetchOptions: { redirect: "follow" as const } }]
  ] as const

  for (const [name, options] of transports) {
    it(`an api-key is never carried to another origin: a 307 is an APIError (${name})`, async () => {
      const elsewhere = await anything()
      const server = await redirecting(elsewhere)
      const error = await rejection(azure(server, options).chat.completions.create({ model: "gpt-4o", messages }))
      expect(error).toBeInstanceOf(APIError)
      expect(error.status).toBe(307)
      expect(util.inspect(error)).not.toContain(SECRET)
      expect(server.requests).toHaveLength(1)
      expect(elsewhere.requests).toHaveLength(0)
    })
  }
})

describe("Azure's streams", () => {
  const filters = { hate: { filtered: false, severity: "safe" } }
  const chunk = (choices: ReadonlyArray<unknown>) => ({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "gpt-4o", choices })
  const events = [
    { id: "", object: "", created: 0, model: "", choices: [], prompt_filter_results: [{ prompt_index: 0, content_filter_results: filters }] },
    chunk([{ index: 0, delta: { role: "assistant", content: "Hel" }, finish_reason: null, content_filter_results: filters }]),
    chunk([{ index: 0, delta: { content: "lo" }, finish_reason: "stop", content_filter_results: filters }]),
    chunk([{ index: 0, finish_reason: null, content_filter_results: filters }])
  ]

  it("prompt filter results with empty choices and choices without a delta iterate with for await", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" })
      for (const event of events) res.write(`data: ${JSON.stringify(event)}\n\n`)
      res.end("data: [DONE]\n\n")
    })
    const stream = await azure(server).chat.completions.create({ model: "gpt-4o", messages, stream: true })
    const seen: Array<{ readonly choices: ReadonlyArray<{ readonly delta?: { readonly content?: string | null } }> }> = []
    for await (const item of stream) seen.push(item)
    expect(seen).toEqual(events)
    expect(seen.flatMap((c) => c.choices.map((choice) => choice.delta?.content ?? "")).join("")).toBe("Hello")
    expect(server.requests[0]!.path).toBe("/openai/deployments/gpt-4o/chat/completions")
    expect(server.requests[0]!.json.stream).toBe(true)
  })
})
