import { assert, describe, it } from "@effect/vitest"
import { Config, ConfigProvider, Effect, Layer, Redacted, Ref } from "effect"
import * as HttpClient from "@effect/platform/HttpClient"
import * as OpenAI from "../src/OpenAI.js"
import * as OpenAIClient from "../src/OpenAIClient.js"
import * as OpenAITest from "../src/OpenAITest.js"
import { Admin, Models } from "../src/index.js"

/** Builds `layerConfig` over a scripted transport with the given environment, and returns the first request. */
const firstRequest = (
  env: Record<string, string>,
  config: Partial<OpenAI.ConfigOf> = {},
  options: Parameters<typeof OpenAI.layerConfig>[1] = {}
) =>
  Effect.gen(function*() {
    const recorded = yield* Ref.make<ReadonlyArray<OpenAITest.RecordedRequest>>([])
    const http = Layer.succeed(
      HttpClient.HttpClient,
      OpenAITest.makeHttpClient({ "GET /models/:id": OpenAITest.json({ id: "m" }) }, recorded, env.OPENAI_BASE_URL ?? "https://api.openai.com/v1")
    )
    const layer = OpenAI.layerConfigWithoutHttpClient(config, options).pipe(Layer.provide(http))
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

  it.effect("a Config given for an option wins over the environment variable", () =>
    Effect.gen(function*() {
      const request = yield* firstRequest(
        { OPENAI_API_KEY: "sk-env", MY_KEY: "sk-mine" },
        { apiKey: Config.redacted("MY_KEY"), project: Config.succeed("p") }
      )
      assert.strictEqual(request.headers.authorization, "Bearer sk-mine")
      assert.strictEqual(request.headers["openai-project"], "p")
    }))

  it.effect("options that are not configuration come as plain values beside it", () =>
    Effect.gen(function*() {
      const request = yield* firstRequest({ OPENAI_API_KEY: "sk-env" }, {}, { defaultHeaders: { "x-team": "search" } })
      assert.strictEqual(request.headers["x-team"], "search")
    }))

  it.effect("a whole configuration of settings reads and applies", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(firstRequest(
        { OPENAI_API_KEY: "sk-env", RETRIES: "not a number" },
        { maxRetries: Config.integer("RETRIES") }
      ))
      assert.include(String(error), "RETRIES")
      const ok = yield* firstRequest({ MY_KEY: "sk-x" }, { apiKey: Config.succeed(Redacted.make("sk-x")) })
      assert.strictEqual(ok.headers.authorization, "Bearer sk-x")
    }))

  it.effect("an unknown OPENAI_LOG is a config error naming it", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(firstRequest({ OPENAI_API_KEY: "k", OPENAI_LOG: "loud" }))
      assert.include(String(error), "OPENAI_LOG")
    }))
})

describe("admin endpoints", () => {
  it.effect("admin operations use the admin key when configured, the others the API key", () =>
    Effect.gen(function*() {
      yield* Admin.Organization.Projects.list()
      yield* Admin.Organization.AuditLogs.list({ project_ids: ["p1", "p2"] })
      yield* Models.list()
      const [projects, audit, models] = yield* OpenAITest.requests
      assert.strictEqual(projects!.headers.authorization, "Bearer sk-admin")
      assert.strictEqual(audit!.headers.authorization, "Bearer sk-admin")
      assert.strictEqual(models!.headers.authorization, "Bearer sk-user")
      // bracketed query names take the official SDK's name and go on the wire bracketed once
      assert.strictEqual(audit!.url.search, "?project_ids%5B%5D=p1&project_ids%5B%5D=p2")
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /organization/projects": OpenAITest.json({ object: "list", data: [], has_more: false }),
      "GET /organization/audit_logs": OpenAITest.json({ object: "list", data: [], has_more: false }),
      "GET /models": OpenAITest.json({ object: "list", data: [] })
    }, { apiKey: "sk-user", adminApiKey: "sk-admin" }))))

  it.effect("without an admin key, admin operations use the API key", () =>
    Effect.gen(function*() {
      yield* Admin.Organization.Projects.list()
      const [request] = yield* OpenAITest.requests
      assert.strictEqual(request!.headers.authorization, "Bearer sk-user")
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /organization/projects": OpenAITest.json({ object: "list", data: [], has_more: false })
    }, { apiKey: "sk-user" }))))
})

describe("version", () => {
  it("the User-Agent version matches package.json", async () => {
    const { version } = await import("../src/internal/version.js")
    const { readFile } = await import("node:fs/promises")
    const pkg = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
    assert.strictEqual(version, pkg.version)
  })
})
