/**
 * Azure OpenAI on the wire, over loopback servers and the real transports: credentials (`api-key`, Entra ID
 * tokens), `api-version`, deployment-scoped paths, the v1 endpoint, redirects refused for `api-key`, the
 * environment, and Azure's stream quirks.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, ConfigError, ConfigProvider, Effect, Layer, Redacted, Stream } from "effect"
import type * as Scope from "effect/Scope"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import * as AzureOpenAI from "../src/AzureOpenAI.js"
import * as OpenAI from "../src/OpenAI.js"
import type { OpenAIClient } from "../src/OpenAIClient.js"
import * as OpenAIError from "../src/OpenAIError.js"
import * as Uploads from "../src/Uploads.js"
import { Audio, Batches, Chat, Completions, Embeddings, Files, Images, Models, Responses } from "../src/index.js"

const KEY = "azure-key-5f4e3d2c1b0a99887766"
const VERSION = "2024-10-21"

// -----------------------------------------------------------------------------
// loopback servers
// -----------------------------------------------------------------------------

/** One request as the server saw it. */
interface Received {
  readonly method: string
  /** The path as sent, percent-encoding kept, without the query. */
  readonly path: string
  /** The raw query, without `?`. */
  readonly search: string
  readonly query: URLSearchParams
  readonly headers: Http.IncomingHttpHeaders
  readonly text: string
}

type Handler = (req: Received, res: Http.ServerResponse, index: number) => void

interface Server {
  /** `http://127.0.0.1:port`, the resource's endpoint. */
  readonly origin: string
  readonly requests: Array<Received>
}

const json = (res: Http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { "content-type": "application/json", ...headers })
  res.end(JSON.stringify(body))
}

/** A body every operation here accepts (responses are not checked against schemas by default). */
const ok: Handler = (req, res) => {
  if (req.path.endsWith("/audio/speech")) {
    res.writeHead(200, { "content-type": "audio/mpeg" })
    res.end(Buffer.from([1, 2, 3]))
  } else json(res, 200, { object: "list", data: [], id: "x" })
}

/** A server for one test, closed with its scope; past 20 requests it answers 400, so a loop fails fast. */
const loopback = (handler: Handler = ok): Effect.Effect<Server, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<{ readonly server: Http.Server; readonly state: Server }>((resume) => {
      const requests: Array<Received> = []
      const server = Http.createServer((req, res) => {
        const parts: Array<Buffer> = []
        req.on("data", (c: Buffer) => parts.push(c))
        req.on("end", () => {
          const raw = req.url ?? "/"
          const url = new URL(raw, "http://loopback")
          const received: Received = {
            method: req.method ?? "",
            path: raw.split("?")[0]!,
            search: url.search.slice(1),
            query: url.searchParams,
            headers: req.headers,
            text: Buffer.concat(parts).toString("utf8")
          }
          const index = requests.push(received) - 1
          if (index >= 20) json(res, 400, { error: { message: "loopback: past the request cap" } })
          else handler(received, res, index)
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed({ server, state: { origin: `http://127.0.0.1:${port}`, requests } }))
      })
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map(({ state }) => state))

/** A field of a `multipart/form-data` body. */
const formField = (text: string, name: string): string | undefined =>
  new RegExp(`name="${name}"\\r\\n(?:[^\\r\\n]+\\r\\n)*\\r\\n([^\\r]*)\\r\\n`).exec(text)?.[1]

// -----------------------------------------------------------------------------
// clients
// -----------------------------------------------------------------------------

type KeyOptions = Omit<AzureOpenAI.Options, "apiKey" | "tokenProvider"> & { readonly baseURL?: string }

/** A client of `server` with the test key and a dated API version, no retries, no logs. */
const keyed = (server: Server, { baseURL, ...options }: KeyOptions = {}) => {
  const location: AzureOpenAI.Location = baseURL === undefined ? { endpoint: server.origin } : { baseURL }
  return AzureOpenAI.layer({ apiVersion: VERSION, maxRetries: 0, logLevel: "off", ...options, ...location, apiKey: Redacted.make(KEY) })
}

const file = () => Uploads.toFile(new Uint8Array([82, 73, 70, 70]), "clip.wav")
const png = () => Uploads.toFile(new Uint8Array([137, 80, 78, 71]), "a.png")
const chatParams = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content: "Hi" }] }

/** Every operation Azure serves per deployment: its path, and a call naming `model`. */
const deploymentOperations: ReadonlyArray<
  readonly [path: string, call: (model: string) => Effect.Effect<unknown, OpenAIError.OpenAIError, OpenAIClient>]
> = [
  ["/completions", (model) => Completions.create({ model, prompt: "Say hi" })],
  ["/chat/completions", (model) => Chat.Completions.create({ ...chatParams, model })],
  ["/embeddings", (model) => Embeddings.create({ model, input: "hi" })],
  ["/audio/transcriptions", (model) => Audio.Transcriptions.create({ model, file: file() })],
  ["/audio/translations", (model) => Audio.Translations.create({ model, file: file() })],
  ["/audio/speech", (model) => Stream.runDrain(Audio.Speech.create({ model, input: "hi", voice: "alloy" }))],
  ["/images/generations", (model) => Images.generate({ model, prompt: "a cat" })],
  ["/images/edits", (model) => Images.edit({ model, prompt: "a hat", image: png() })],
  // A batch has no `model`: only the client's deployment routes it.
  ["/batches", () => Batches.create({ input_file_id: "file-1", endpoint: "/v1/chat/completions", completion_window: "24h" })]
]

const lastRequest = (server: Server): Received => server.requests.at(-1)!

// -----------------------------------------------------------------------------
// tests
// -----------------------------------------------------------------------------

describe("AzureOpenAI.layer with a dated API version", () => {
  it.scopedLive("sends the key as api-key (no Authorization) and api-version on every request", () =>
    Effect.gen(function*() {
      const server = yield* loopback()
      const layer = keyed(server)
      yield* Chat.Completions.create(chatParams).pipe(Effect.provide(layer))
      yield* Models.list().pipe(Effect.provide(layer))
      yield* Files.create({ file: file(), purpose: "batch" }).pipe(Effect.provide(layer))
      assert.strictEqual(server.requests.length, 3)
      for (const request of server.requests) {
        assert.strictEqual(request.headers["api-key"], KEY)
        assert.isUndefined(request.headers.authorization)
        assert.strictEqual(request.query.get("api-version"), VERSION)
        assert.deepStrictEqual(request.query.getAll("api-version"), [VERSION])
      }
    }))

  it.scopedLive("a call's own query keeps api-version beside it", () =>
    Effect.gen(function*() {
      const server = yield* loopback()
      yield* Files.list({ limit: 2 }).pipe(Effect.provide(keyed(server)))
      const request = lastRequest(server)
      assert.strictEqual(request.path, "/openai/files")
      assert.strictEqual(request.query.get("api-version"), VERSION)
      assert.strictEqual(request.query.get("limit"), "2")
    }))

  describe("deployment paths", () => {
    for (const [path, call] of deploymentOperations) {
      it.scopedLive(`POST ${path} goes to the client's deployment, whatever the model`, () =>
        Effect.gen(function*() {
          const server = yield* loopback()
          yield* call("gpt-4o").pipe(Effect.provide(keyed(server, { deployment: "my-deployment" })))
          const request = lastRequest(server)
          assert.strictEqual(request.method, "POST")
          assert.strictEqual(request.path, `/openai/deployments/my-deployment${path}`)
          assert.strictEqual(request.search, `api-version=${VERSION}`)
        }))

      it.scopedLive(`POST ${path} without a client deployment goes to the request's model`, () =>
        Effect.gen(function*() {
          const server = yield* loopback()
          yield* call("gpt-4o-prod").pipe(Effect.provide(keyed(server)))
          const request = lastRequest(server)
          const expected = path === "/batches" ? "/openai/batches" : `/openai/deployments/gpt-4o-prod${path}`
          assert.strictEqual(request.path, expected)
          assert.strictEqual(request.search, `api-version=${VERSION}`)
        }))
    }

    it.scopedLive("the model comes from a JSON body and from a multipart field, and stays in the body", () =>
      Effect.gen(function*() {
        const server = yield* loopback()
        const layer = keyed(server)
        yield* Chat.Completions.create({ ...chatParams, model: "chat-dep" }).pipe(Effect.provide(layer))
        yield* Audio.Transcriptions.create({ model: "whisper-dep", file: file() }).pipe(Effect.provide(layer))
        const [chat, transcription] = server.requests
        assert.strictEqual(chat!.path, "/openai/deployments/chat-dep/chat/completions")
        assert.strictEqual(JSON.parse(chat!.text).model, "chat-dep")
        assert.strictEqual(transcription!.path, "/openai/deployments/whisper-dep/audio/transcriptions")
        assert.match(String(transcription!.headers["content-type"]), /^multipart\/form-data/)
        assert.strictEqual(formField(transcription!.text, "model"), "whisper-dep")
      }))

    it.scopedLive("endpoints that are not deployment-scoped keep their paths, deployment or not", () =>
      Effect.gen(function*() {
        const server = yield* loopback()
        const layer = keyed(server, { deployment: "my-deployment" })
        yield* Models.list().pipe(Effect.provide(layer))
        yield* Files.create({ file: file(), purpose: "batch" }).pipe(Effect.provide(layer))
        yield* Batches.list().pipe(Effect.provide(layer))
        yield* Responses.create({ model: "gpt-4o", input: "hi" }).pipe(Effect.provide(layer))
        yield* Models.retrieve("gpt-4o").pipe(Effect.provide(layer))
        assert.deepStrictEqual(server.requests.map((r) => `${r.method} ${r.path}`), [
          "GET /openai/models",
          "POST /openai/files",
          "GET /openai/batches",
          "POST /openai/responses",
          "GET /openai/models/gpt-4o"
        ])
      }))

    it.scopedLive("a model with '/', spaces or '?' is encoded as one path segment", () =>
      Effect.gen(function*() {
        const server = yield* loopback()
        const layer = keyed(server)
        for (const model of ["team/gpt-4o", "my deployment", "../files", "a?b#c", "%2e%2e%2ffiles"]) {
          yield* Chat.Completions.create({ ...chatParams, model }).pipe(Effect.provide(layer))
        }
        assert.deepStrictEqual(server.requests.map((r) => r.path), [
          "/openai/deployments/team%2Fgpt-4o/chat/completions",
          "/openai/deployments/my%20deployment/chat/completions",
          "/openai/deployments/..%2Ffiles/chat/completions",
          "/openai/deployments/a%3Fb%23c/chat/completions",
          "/openai/deployments/%252e%252e%252ffiles/chat/completions"
        ])
        for (const request of server.requests) assert.strictEqual(request.search, `api-version=${VERSION}`)
      }))

    it.scopedLive("a model or deployment that is a dot segment is InvalidInputError, and nothing is sent", () =>
      Effect.gen(function*() {
        const server = yield* loopback()
        for (const model of ["..", ".", "%2e%2e", "%2E."]) {
          const error = yield* Effect.flip(Chat.Completions.create({ ...chatParams, model }).pipe(Effect.provide(keyed(server))))
          assert.strictEqual(error._tag, "InvalidInputError", model)
        }
        const error = yield* Effect.flip(
          Embeddings.create({ model: "m", input: "hi" }).pipe(Effect.provide(keyed(server, { deployment: ".." })))
        )
        assert.strictEqual(error._tag, "InvalidInputError")
        assert.include(error.message, "deployment")
        assert.strictEqual(server.requests.length, 0)
      }))

    it.scopedLive("a base URL that already has a deployments segment gets no second one", () =>
      Effect.gen(function*() {
        const server = yield* loopback()
        const baseURL = `${server.origin}/openai/deployments/fixed`
        yield* Chat.Completions.create(chatParams).pipe(Effect.provide(keyed(server, { baseURL })))
        yield* Chat.Completions.create(chatParams).pipe(Effect.provide(keyed(server, { baseURL, deployment: "other" })))
        for (const request of server.requests) {
          assert.strictEqual(request.path, "/openai/deployments/fixed/chat/completions")
          assert.strictEqual(request.search, `api-version=${VERSION}`)
        }
      }))

    it.scopedLive("a segment that only starts like deployments does not count", () =>
      Effect.gen(function*() {
        const server = yield* loopback()
        const baseURL = `${server.origin}/deployments-proxy/openai`
        yield* Chat.Completions.create(chatParams).pipe(Effect.provide(keyed(server, { baseURL })))
        assert.strictEqual(lastRequest(server).path, "/deployments-proxy/openai/deployments/gpt-4o-mini/chat/completions")
      }))

    it.scopedLive("an endpoint with trailing slashes gives the same URLs", () =>
      Effect.gen(function*() {
        const server = yield* loopback()
        yield* Chat.Completions.create(chatParams).pipe(
          Effect.provide(AzureOpenAI.layer({ endpoint: `${server.origin}//`, apiVersion: VERSION, apiKey: KEY, maxRetries: 0 }))
        )
        assert.strictEqual(lastRequest(server).path, "/openai/deployments/gpt-4o-mini/chat/completions")
      }))
  })

  it.scopedLive("an api-key echoed by a 401 appears nowhere in the error", () =>
    Effect.gen(function*() {
      const server = yield* loopback((req, res) => {
        const key = String(req.headers["api-key"])
        json(res, 401, { error: { message: `Access denied for key ${key}`, type: "invalid_request_error", code: "401" } }, {
          "x-echo": key
        })
      })
      const error = yield* Effect.flip(Chat.Completions.create(chatParams).pipe(Effect.provide(keyed(server))))
      assert.strictEqual(error._tag, "AuthenticationError")
      assert.notInclude(String(error), KEY)
      assert.notInclude(JSON.stringify(error), KEY)
    }))
})

describe("the v1 endpoint", () => {
  it.scopedLive("is the default: {endpoint}/openai/v1, no api-version, no deployment in the path", () =>
    Effect.gen(function*() {
      const server = yield* loopback()
      yield* Chat.Completions.create(chatParams).pipe(
        Effect.provide(AzureOpenAI.layer({ endpoint: `${server.origin}/`, apiKey: KEY, maxRetries: 0 }))
      )
      const request = lastRequest(server)
      assert.strictEqual(request.path, "/openai/v1/chat/completions")
      assert.strictEqual(request.search, "")
      assert.strictEqual(request.headers["api-key"], KEY)
      assert.strictEqual(JSON.parse(request.text).model, "gpt-4o-mini")
    }))

  it.scopedLive("apiVersion \"v1\" ignores a deployment; the model travels in the body", () =>
    Effect.gen(function*() {
      const server = yield* loopback()
      const layer = AzureOpenAI.layer({ endpoint: server.origin, apiVersion: "v1", deployment: "dep", apiKey: KEY, maxRetries: 0 })
      yield* Chat.Completions.create(chatParams).pipe(Effect.provide(layer))
      yield* Audio.Transcriptions.create({ model: "whisper", file: file() }).pipe(Effect.provide(layer))
      yield* Models.list().pipe(Effect.provide(layer))
      assert.deepStrictEqual(server.requests.map((r) => `${r.path}?${r.search}`), [
        "/openai/v1/chat/completions?",
        "/openai/v1/audio/transcriptions?",
        "/openai/v1/models?"
      ])
    }))
})

describe("Microsoft Entra ID tokens", () => {
  it.scopedLive("the provider is asked before every attempt, retries included, and its token is the bearer", () =>
    Effect.gen(function*() {
      const server = yield* loopback((req, res, index) => {
        if (index === 0) json(res, 500, { error: { message: "busy" } }, { "retry-after-ms": "1" })
        else ok(req, res, index)
      })
      let calls = 0
      const tokenProvider = Effect.sync(() => Redacted.make(`entra-token-${++calls}`))
      const layer = AzureOpenAI.layer({ endpoint: server.origin, apiVersion: VERSION, tokenProvider, maxRetries: 1, logLevel: "off" })
      yield* Chat.Completions.create(chatParams).pipe(Effect.provide(layer))
      yield* Models.list().pipe(Effect.provide(layer))
      assert.strictEqual(calls, 3)
      assert.deepStrictEqual(server.requests.map((r) => r.headers.authorization), [
        "Bearer entra-token-1",
        "Bearer entra-token-2",
        "Bearer entra-token-3"
      ])
      for (const request of server.requests) {
        assert.isUndefined(request.headers["api-key"])
        assert.strictEqual(request.query.get("api-version"), VERSION)
      }
      assert.strictEqual(server.requests[0]!.path, "/openai/deployments/gpt-4o-mini/chat/completions")
    }))

  it.scopedLive("a provider that fails fails the call, and nothing is sent", () =>
    Effect.gen(function*() {
      const server = yield* loopback()
      const tokenProvider = Effect.fail(new OpenAIError.InvalidInputError({ message: "no token today" }))
      const error = yield* Effect.flip(
        Chat.Completions.create(chatParams).pipe(
          Effect.provide(AzureOpenAI.layer({ endpoint: server.origin, apiVersion: VERSION, tokenProvider, maxRetries: 0, logLevel: "off" }))
        )
      )
      assert.strictEqual(error._tag, "InvalidInputError")
      assert.include(error.message, "no token today")
      assert.strictEqual(server.requests.length, 0)
    }))
})

describe("redirects", () => {
  /** A resource that redirects everything to `target`, another origin. */
  const redirecting = (target: Server) =>
    loopback((req, res) => {
      res.writeHead(307, { location: `${target.origin}${req.path}?${req.search}`, "content-type": "application/json" })
      res.end("{}")
    })

  const transports: ReadonlyArray<readonly [string, Layer.Layer<HttpClient.HttpClient> | undefined]> = [
    ["the fetch transport", FetchHttpClient.layer],
    ["the default transport", undefined]
  ]

  for (const [name, httpClient] of transports) {
    it.scopedLive(`api-key is never carried to another origin: a 307 is an error (${name})`, () =>
      Effect.gen(function*() {
        const elsewhere = yield* loopback()
        const server = yield* redirecting(elsewhere)
        const layer = AzureOpenAI.layer({
          endpoint: server.origin,
          apiVersion: VERSION,
          apiKey: KEY,
          maxRetries: 0,
          logLevel: "off",
          ...(httpClient === undefined ? {} : { httpClient })
        })
        const error = yield* Effect.flip(Chat.Completions.create(chatParams).pipe(Effect.provide(layer)))
        assert.strictEqual(error._tag, "APIError")
        if (error._tag === "APIError") assert.strictEqual(error.status, 307)
        assert.notInclude(String(error), KEY)
        assert.strictEqual(server.requests.length, 1)
        assert.strictEqual(elsewhere.requests.length, 0)
      }))
  }

  it.scopedLive("the control: the fetch transport does follow the same 307 for a bearer key", () =>
    Effect.gen(function*() {
      const elsewhere = yield* loopback()
      const server = yield* redirecting(elsewhere)
      yield* Models.list().pipe(
        Effect.provide(OpenAI.layer({ apiKey: "sk-bearer", baseURL: `${server.origin}/v1`, maxRetries: 0, httpClient: FetchHttpClient.layer }))
      )
      assert.strictEqual(elsewhere.requests.length, 1)
    }))

  it.scopedLive("a RequestInit already in context keeps its other fields, but not its redirect", () =>
    Effect.gen(function*() {
      const elsewhere = yield* loopback()
      const server = yield* redirecting(elsewhere)
      const layer = AzureOpenAI.layer({
        endpoint: server.origin,
        apiVersion: VERSION,
        apiKey: KEY,
        maxRetries: 0,
        logLevel: "off",
        httpClient: FetchHttpClient.layer
      })
      const error = yield* Effect.flip(
        Chat.Completions.create(chatParams).pipe(
          Effect.provide(layer),
          Effect.provideService(FetchHttpClient.RequestInit, { redirect: "follow", headers: { "x-from-init": "yes" } })
        )
      )
      assert.strictEqual(error._tag, "APIError")
      assert.strictEqual(server.requests[0]!.headers["x-from-init"], "yes")
      assert.strictEqual(elsewhere.requests.length, 0)
    }))
})

describe("AzureOpenAI.layerConfig", () => {
  const withEnv = (env: Record<string, string>) => Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

  it.scopedLive("reads AZURE_OPENAI_API_KEY, AZURE_OPENAI_ENDPOINT and OPENAI_API_VERSION", () =>
    Effect.gen(function*() {
      const server = yield* loopback()
      const layer = AzureOpenAI.layerConfig({ maxRetries: 0 }).pipe(Layer.provide(withEnv({
        AZURE_OPENAI_API_KEY: KEY,
        AZURE_OPENAI_ENDPOINT: server.origin,
        OPENAI_API_VERSION: VERSION
      })))
      yield* Embeddings.create({ model: "embed-dep", input: "hi" }).pipe(Effect.provide(layer))
      const request = lastRequest(server)
      assert.strictEqual(request.path, "/openai/deployments/embed-dep/embeddings")
      assert.strictEqual(request.search, `api-version=${VERSION}`)
      assert.strictEqual(request.headers["api-key"], KEY)
    }))

  it.scopedLive("without OPENAI_API_VERSION it is the v1 endpoint; options win over the environment", () =>
    Effect.gen(function*() {
      const server = yield* loopback()
      const env = withEnv({ AZURE_OPENAI_API_KEY: KEY, AZURE_OPENAI_ENDPOINT: server.origin, OPENAI_API_VERSION: "  " })
      yield* Chat.Completions.create(chatParams).pipe(Effect.provide(AzureOpenAI.layerConfig().pipe(Layer.provide(env))))
      yield* Chat.Completions.create(chatParams).pipe(
        Effect.provide(AzureOpenAI.layerConfig({ apiVersion: "2025-01-01", deployment: "d" }).pipe(Layer.provide(env)))
      )
      assert.deepStrictEqual(server.requests.map((r) => `${r.path}?${r.search}`), [
        "/openai/v1/chat/completions?",
        "/openai/deployments/d/chat/completions?api-version=2025-01-01"
      ])
    }))

  it.scopedLive("a tokenProvider in the options stands in for the key", () =>
    Effect.gen(function*() {
      const server = yield* loopback()
      const layer = AzureOpenAI.layerConfig({ tokenProvider: Effect.succeed("entra") }).pipe(
        Layer.provide(withEnv({ AZURE_OPENAI_ENDPOINT: server.origin, OPENAI_API_VERSION: VERSION }))
      )
      yield* Models.list().pipe(Effect.provide(layer))
      assert.strictEqual(lastRequest(server).headers.authorization, "Bearer entra")
      assert.isUndefined(lastRequest(server).headers["api-key"])
    }))

  it.effect("a missing endpoint is a ConfigError naming AZURE_OPENAI_ENDPOINT", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Models.list().pipe(Effect.provide(AzureOpenAI.layerConfig().pipe(Layer.provide(withEnv({ AZURE_OPENAI_API_KEY: KEY })))))
      )
      assert.isTrue(ConfigError.isConfigError(error))
      assert.include(String(error), "AZURE_OPENAI_ENDPOINT")
      assert.notInclude(String(error), KEY)
    }))

  it.effect("a missing key (without a tokenProvider) is a ConfigError naming AZURE_OPENAI_API_KEY", () =>
    Effect.gen(function*() {
      for (const key of [undefined, ""]) {
        const env = { AZURE_OPENAI_ENDPOINT: "https://r.openai.azure.com", ...(key === undefined ? {} : { AZURE_OPENAI_API_KEY: key }) }
        const error = yield* Effect.flip(
          Models.list().pipe(Effect.provide(AzureOpenAI.layerConfig().pipe(Layer.provide(withEnv(env)))))
        )
        assert.isTrue(ConfigError.isConfigError(error))
        assert.include(String(error), "AZURE_OPENAI_API_KEY")
      }
    }))
})

describe("Azure's stream quirks", () => {
  const chunk = (choices: ReadonlyArray<unknown>, extra: Record<string, unknown> = {}) => ({
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    created: 1,
    model: "gpt-4o-mini",
    choices,
    ...extra
  })
  const filters = { hate: { filtered: false, severity: "safe" }, violence: { filtered: false, severity: "safe" } }
  // As Azure sends them: prompt filter results first (empty choices, empty id and model), content filter results
  // on the deltas, and a last choice that carries only its filter results (no delta).
  const promptFilterResults = [{ prompt_index: 0, content_filter_results: filters }]
  const events = [
    { id: "", object: "", created: 0, model: "", choices: [], prompt_filter_results: promptFilterResults },
    chunk([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null, content_filter_results: {} }]),
    chunk([{ index: 0, delta: { content: "Hel" }, finish_reason: null, content_filter_results: filters }]),
    chunk([{ index: 0, delta: { content: "lo" }, finish_reason: null, content_filter_results: filters }]),
    chunk([{ index: 0, delta: {}, finish_reason: "stop", content_filter_results: filters }]),
    chunk([{ index: 0, finish_reason: null, content_filter_offsets: { check_offset: 0, start_offset: 0, end_offset: 5 }, content_filter_results: filters }]),
    chunk([], { usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } })
  ]
  const azureStream = (events: ReadonlyArray<unknown>): Handler => (_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" })
    for (const event of events) res.write(`data: ${JSON.stringify(event)}\n\n`)
    res.end("data: [DONE]\n\n")
  }

  const collectChat = (server: Server, decodeResponses: boolean) =>
    Chat.Completions.createStream(chatParams).pipe(
      Stream.runCollect,
      Effect.map(Chunk.toReadonlyArray),
      Effect.provide(keyed(server, { decodeResponses }))
    )

  it.scopedLive("empty choices and choices without a delta stream without error", () =>
    Effect.gen(function*() {
      const server = yield* loopback(azureStream(events))
      const chunks = yield* collectChat(server, false)
      assert.strictEqual(chunks.length, events.length)
      assert.deepStrictEqual(chunks.map((c) => c.choices.length), [0, 1, 1, 1, 1, 1, 0])
      const text = chunks.flatMap((c) => c.choices.map((choice) => choice.delta?.content ?? "")).join("")
      assert.strictEqual(text, "Hello")
      assert.deepStrictEqual((chunks[0] as unknown as { prompt_filter_results: unknown }).prompt_filter_results, promptFilterResults)
      assert.isUndefined(chunks[5]!.choices[0]!.delta)
      assert.strictEqual(lastRequest(server).path, "/openai/deployments/gpt-4o-mini/chat/completions")
      assert.strictEqual(JSON.parse(lastRequest(server).text).stream, true)
    }))

  it.scopedLive("with decodeResponses on, empty choices and a choice without a delta pass the schema check", () =>
    Effect.gen(function*() {
      const conforming = [{ ...events[0]!, object: "chat.completion.chunk" }, ...events.slice(1)]
      const server = yield* loopback(azureStream(conforming))
      const chunks = yield* collectChat(server, true)
      assert.strictEqual(chunks.length, events.length)
    }))

  // Known limit: Azure's prompt-filter chunk says `object: ""`, and the generated stream-event schema takes only
  // "chat.completion.chunk", so the opt-in schema check (`decodeResponses`) fails the stream with
  // ResponseDecodeError. Widening the enum would make our chunk type unassignable to the official one (the parity
  // type check), so the default (decodeResponses off, above) is the supported path on Azure; docs/auth.md says so.
  it.scopedLive.fails("with decodeResponses on, Azure's `object: \"\"` prompt-filter chunk streams too", () =>
    Effect.gen(function*() {
      const server = yield* loopback(azureStream(events))
      const chunks = yield* collectChat(server, true)
      assert.strictEqual(chunks.length, events.length)
    }))
})
