/**
 * `AzureOpenAI` of the facade against the official package's: the same calls over the same kind of loopback
 * server must put the same requests on the wire (method, path, query, `api-key`, `Authorization`), and the same
 * constructor options must fail with the same error classes. Where the facade differs on purpose, the test's name
 * says so and it asserts each package's own behaviour.
 */
import { AzureOpenAI as FacadeAzureOpenAI, OpenAIError as FacadeOpenAIError, toFile as facadeToFile } from "@effect-openai/promise"
import { AzureOpenAI as OfficialAzureOpenAI, OpenAIError as OfficialOpenAIError, toFile as officialToFile } from "openai"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { collectingLogger, json, type Recorded, serve, type Server } from "./support.js"

interface Package {
  readonly name: "official" | "facade"
  /** The facade is typed as the official class: code written for the official package is what it must run. */
  readonly AzureOpenAI: typeof OfficialAzureOpenAI
  readonly OpenAIError: typeof OfficialOpenAIError
  readonly toFile: typeof officialToFile
}

const official: Package = { name: "official", AzureOpenAI: OfficialAzureOpenAI, OpenAIError: OfficialOpenAIError, toFile: officialToFile }
const facade: Package = {
  name: "facade",
  AzureOpenAI: FacadeAzureOpenAI as unknown as typeof OfficialAzureOpenAI,
  OpenAIError: FacadeOpenAIError as unknown as typeof OfficialOpenAIError,
  toFile: facadeToFile as unknown as typeof officialToFile
}
const packages = [official, facade] as const

type AzureOptions = NonNullable<ConstructorParameters<typeof OfficialAzureOpenAI>[0]>

const KEY = "azure-parity-key-0a1b2c3d"
const VERSION = "2024-10-21"
const messages = [{ role: "user" as const, content: "Hi" }]

const ENV = ["AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT", "OPENAI_API_VERSION", "OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID", "OPENAI_LOG"]
beforeEach(() => {
  for (const name of ENV) vi.stubEnv(name, undefined)
})
afterEach(() => {
  vi.unstubAllEnvs()
})

const endpointOf = (server: Server): string => new URL(server.url).origin

/** What a test compares of a request. */
const shape = (request: Recorded) => ({
  method: request.method,
  path: request.path,
  query: request.query,
  apiKey: request.headers["api-key"] ?? null,
  authorization: request.headers.authorization ?? null
})

type Shape = ReturnType<typeof shape>

/**
 * Runs `call` with a client of each package (its own server; options over the endpoint, key and dated version,
 * made per package when a function) and gives the requests each server received.
 */
const onBoth = async (
  call: (client: OfficialAzureOpenAI, pkg: Package) => Promise<unknown>,
  options: AzureOptions | ((server: Server) => AzureOptions) = {}
): Promise<{ readonly official: Array<Shape>; readonly facade: Array<Shape> }> => {
  const run = async (pkg: Package) => {
    const server = await serve((req, res) =>
      req.path.endsWith("/audio/transcriptions")
        ? json(res, 200, { text: "hi" })
        : json(res, 200, { object: "list", data: [], id: "x", has_more: false })
    )
    const client = new pkg.AzureOpenAI({
      endpoint: endpointOf(server),
      apiKey: KEY,
      apiVersion: VERSION,
      maxRetries: 0,
      logger: collectingLogger().logger,
      logLevel: "off",
      ...(typeof options === "function" ? options(server) : options)
    })
    await call(client, pkg)
    return server.requests.map(shape)
  }
  return { official: await run(official), facade: await run(facade) }
}

const request = (path: string, headers: { apiKey?: string | null; authorization?: string | null } = {}) => ({
  path,
  query: { "api-version": VERSION },
  apiKey: headers.apiKey === undefined ? KEY : headers.apiKey,
  authorization: headers.authorization ?? null
})

describe("AzureOpenAI: requests on the wire", () => {
  it("chat.completions.create with the deployment option", async () => {
    const sent = await onBoth((client) => client.chat.completions.create({ model: "gpt-4o", messages }), { deployment: "prod-chat" })
    expect(sent.facade).toEqual(sent.official)
    expect(sent.official).toEqual([{ method: "POST", ...request("/openai/deployments/prod-chat/chat/completions") }])
  })

  it("chat.completions.create with a model only: the model names the deployment", async () => {
    const sent = await onBoth((client) => client.chat.completions.create({ model: "gpt-4o", messages }))
    expect(sent.facade).toEqual(sent.official)
    expect(sent.official).toEqual([{ method: "POST", ...request("/openai/deployments/gpt-4o/chat/completions") }])
  })

  it("a model with '/' and a space is one encoded segment", async () => {
    const sent = await onBoth((client) => client.chat.completions.create({ model: "team/gpt 4o", messages }))
    expect(sent.facade).toEqual(sent.official)
    expect(sent.official[0]!.path).toBe("/openai/deployments/team%2Fgpt%204o/chat/completions")
  })

  it("embeddings.create", async () => {
    const sent = await onBoth((client) => client.embeddings.create({ model: "text-embedding-3-small", input: "hi" }))
    expect(sent.facade).toEqual(sent.official)
    expect(sent.official).toEqual([{ method: "POST", ...request("/openai/deployments/text-embedding-3-small/embeddings") }])
  })

  it("audio.transcriptions.create (multipart): the model field names the deployment", async () => {
    const sent = await onBoth(async (client, pkg) =>
      client.audio.transcriptions.create({ model: "whisper-dep", file: await pkg.toFile(Buffer.from("RIFF"), "a.wav") })
    )
    expect(sent.facade).toEqual(sent.official)
    expect(sent.official).toEqual([{ method: "POST", ...request("/openai/deployments/whisper-dep/audio/transcriptions") }])
  })

  it("models.list and files.list are not deployment-scoped, deployment or not", async () => {
    const sent = await onBoth(async (client) => {
      await client.models.list()
      await client.files.list({ limit: 2 })
    }, { deployment: "prod-chat" })
    expect(sent.facade).toEqual(sent.official)
    expect(sent.official).toEqual([
      { method: "GET", ...request("/openai/models") },
      { method: "GET", ...request("/openai/files"), query: { limit: "2", "api-version": VERSION } }
    ])
  })

  it("a baseURL with a deployments segment gets no second one", async () => {
    const sent = await onBoth(
      (client) => client.chat.completions.create({ model: "gpt-4o", messages }),
      (server) => ({ endpoint: undefined, baseURL: `${endpointOf(server)}/openai/deployments/fixed` })
    )
    expect(sent.facade).toEqual(sent.official)
    expect(sent.official).toEqual([{ method: "POST", ...request("/openai/deployments/fixed/chat/completions") }])
  })

  it("azureADTokenProvider: a bearer token from the provider per request, no api-key", async () => {
    const sent = await onBoth(async (client) => {
      await client.chat.completions.create({ model: "gpt-4o", messages })
      await client.models.list()
    }, () => {
      let calls = 0
      return { apiKey: undefined, azureADTokenProvider: async () => `entra-${++calls}` }
    })
    expect(sent.facade).toEqual(sent.official)
    expect(sent.official).toEqual([
      { method: "POST", ...request("/openai/deployments/gpt-4o/chat/completions", { apiKey: null, authorization: "Bearer entra-1" }) },
      { method: "GET", ...request("/openai/models", { apiKey: null, authorization: "Bearer entra-2" }) }
    ])
  })

  it("OPENAI_BASE_URL is the base URL when neither baseURL nor endpoint is given", async () => {
    const sent = await onBoth(
      (client) => client.chat.completions.create({ model: "gpt-4o", messages }),
      (server) => {
        vi.stubEnv("OPENAI_BASE_URL", `${endpointOf(server)}/gateway/openai`)
        return { endpoint: undefined }
      }
    )
    expect(sent.facade).toEqual(sent.official)
    expect(sent.official).toEqual([{ method: "POST", ...request("/gateway/openai/deployments/gpt-4o/chat/completions") }])
  })

  it("intended: apiVersion \"v1\" is Azure's v1 endpoint in the facade, a literal api-version in the official package", async () => {
    const sent = await onBoth((client) => client.chat.completions.create({ model: "gpt-4o", messages }), { apiVersion: "v1" })
    expect(sent.official).toEqual([
      { method: "POST", ...request("/openai/deployments/gpt-4o/chat/completions"), query: { "api-version": "v1" } }
    ])
    expect(sent.facade).toEqual([{ method: "POST", ...request("/openai/v1/chat/completions"), query: {} }])
  })
})

describe("AzureOpenAI: constructor errors", () => {
  const endpoint = "https://r.openai.azure.com"
  const cases: ReadonlyArray<readonly [string, AzureOptions]> = [
    ["no apiVersion", { endpoint, apiKey: KEY }],
    ["an empty apiVersion", { endpoint, apiKey: KEY, apiVersion: "" }],
    ["both apiKey and azureADTokenProvider", { endpoint, apiKey: KEY, apiVersion: VERSION, azureADTokenProvider: async () => "t" }],
    ["no credentials", { endpoint, apiVersion: VERSION }],
    ["baseURL and endpoint", { endpoint, baseURL: `${endpoint}/openai`, apiVersion: VERSION, apiKey: KEY }],
    ["neither baseURL nor endpoint", { apiVersion: VERSION, apiKey: KEY }]
  ]

  for (const [name, options] of cases) {
    it(`${name}: each package throws its OpenAIError, not an API error`, () => {
      for (const pkg of packages) {
        let thrown: unknown
        try {
          new pkg.AzureOpenAI(options)
        } catch (error) {
          thrown = error
        }
        expect(thrown, pkg.name).toBeInstanceOf(pkg.OpenAIError)
        expect((thrown as Error).constructor.name, pkg.name).toBe("OpenAIError")
        expect(String(thrown), pkg.name).not.toContain(KEY)
      }
    })
  }

  it("OPENAI_BASE_URL beside an endpoint option: each package throws its OpenAIError", () => {
    vi.stubEnv("OPENAI_BASE_URL", "https://gateway.example/openai")
    for (const pkg of packages) {
      expect(() => new pkg.AzureOpenAI({ endpoint, apiKey: KEY, apiVersion: VERSION }), pkg.name).toThrow(pkg.OpenAIError)
    }
  })

  it("differs: AZURE_OPENAI_API_KEY in the environment beside an azureADTokenProvider throws in the official package; the facade takes the provider", () => {
    // The facade refuses only an `apiKey` given as an option with a provider: a key left in the environment (for
    // other tools) does not stop a client that authenticates with Entra ID.
    vi.stubEnv("AZURE_OPENAI_API_KEY", KEY)
    const options: AzureOptions = { endpoint, apiVersion: VERSION, azureADTokenProvider: async () => "t" }
    expect(() => new official.AzureOpenAI(options)).toThrow(/mutually exclusive/)
    expect(new facade.AzureOpenAI(options).apiKey).toBeNull()
  })

  it("the environment fills in what the options leave out, the same way", async () => {
    for (const pkg of packages) {
      vi.stubEnv("AZURE_OPENAI_API_KEY", KEY)
      vi.stubEnv("OPENAI_API_VERSION", VERSION)
      vi.stubEnv("AZURE_OPENAI_ENDPOINT", "https://r.openai.azure.com/")
      const client = new pkg.AzureOpenAI()
      expect(client.baseURL, pkg.name).toBe("https://r.openai.azure.com/openai")
      expect(client.apiVersion, pkg.name).toBe(VERSION)
      expect(client.apiKey, pkg.name).toBe(KEY)
    }
  })
})
