import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Ref } from "effect"
import * as HttpClient from "@effect/platform/HttpClient"
import * as OpenAI from "../src/OpenAI.js"
import * as OpenAIClient from "../src/OpenAIClient.js"
import * as OpenAITest from "../src/OpenAITest.js"

/** Builds `layerConfig` over a scripted transport with the given environment, and returns the first request. */
const firstRequest = (env: Record<string, string>, overrides: OpenAI.Options = {}) =>
  Effect.gen(function*() {
    const recorded = yield* Ref.make<ReadonlyArray<OpenAITest.RecordedRequest>>([])
    const http = Layer.succeed(
      HttpClient.HttpClient,
      OpenAITest.makeHttpClient({ "GET /models/:id": OpenAITest.json({ id: "m" }) }, recorded, env.OPENAI_BASE_URL ?? "https://api.openai.com/v1")
    )
    const layer = OpenAI.layerConfigWithoutHttpClient(overrides).pipe(Layer.provide(http))
    yield* OpenAIClient.request({ method: "GET", path: "/models/m" }).pipe(
      Effect.provide(layer),
      Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
    )
    return (yield* Ref.get(recorded))[0]!
  })

describe("OpenAI.layerConfig", () => {
  it.effect("reads the key, base URL, organization and project from the environment", () =>
    Effect.gen(function*() {
      const request = yield* firstRequest({
        OPENAI_API_KEY: "sk-env",
        OPENAI_BASE_URL: "https://proxy.example/v9",
        OPENAI_ORG_ID: "org-env",
        OPENAI_PROJECT_ID: "proj-env"
      })
      assert.strictEqual(request.headers.authorization, "Bearer sk-env")
      assert.strictEqual(request.url.href, "https://proxy.example/v9/models/m")
      assert.strictEqual(request.headers["openai-organization"], "org-env")
      assert.strictEqual(request.headers["openai-project"], "proj-env")
    }))

  it.effect("a missing key fails when the layer is built, naming the variable", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(firstRequest({}))
      assert.include(String(error), "OPENAI_API_KEY")
    }))

  it.effect("an admin key alone is enough and is used for admin endpoints", () =>
    Effect.gen(function*() {
      const request = yield* firstRequest({ OPENAI_ADMIN_KEY: "sk-admin" })
      assert.strictEqual(request.headers.authorization, "Bearer sk-admin")
    }))

  it.effect("overrides win over the environment", () =>
    Effect.gen(function*() {
      const request = yield* firstRequest({ OPENAI_API_KEY: "sk-env" }, { apiKey: "sk-override", project: "p" })
      assert.strictEqual(request.headers.authorization, "Bearer sk-override")
      assert.strictEqual(request.headers["openai-project"], "p")
    }))

  it.effect("an unknown OPENAI_LOG is a config error naming it", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(firstRequest({ OPENAI_API_KEY: "k", OPENAI_LOG: "loud" }))
      assert.include(String(error), "OPENAI_LOG")
    }))
})

describe("admin endpoints", () => {
  it.effect("use the admin key when configured, the API key otherwise", () =>
    Effect.gen(function*() {
      yield* OpenAIClient.request({ method: "GET", path: "/organization/projects", admin: true })
      yield* OpenAIClient.request({ method: "GET", path: "/models" })
      const [admin, user] = yield* OpenAITest.requests
      assert.strictEqual(admin!.headers.authorization, "Bearer sk-admin")
      assert.strictEqual(user!.headers.authorization, "Bearer sk-user")
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /organization/projects": OpenAITest.json({ data: [] }),
      "GET /models": OpenAITest.json({ data: [] })
    }, { apiKey: "sk-user", adminApiKey: "sk-admin" }))))
})

describe("version", () => {
  it("the User-Agent version matches package.json", async () => {
    const { version } = await import("../src/internal/version.js")
    const { readFile } = await import("node:fs/promises")
    const pkg = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
    assert.strictEqual(version, pkg.version)
  })
})
