import * as HttpClient from "@effect/platform/HttpClient"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Redacted, Ref, TestClock } from "effect"
import * as OpenAI from "../src/OpenAI.js"
import * as OpenAIAuth from "../src/OpenAIAuth.js"
import * as OpenAIError from "../src/OpenAIError.js"
import * as OpenAITest from "../src/OpenAITest.js"
import { Models } from "../src/index.js"

const baseURL = "https://api.openai.test/v1"
const modelList = OpenAITest.json({ object: "list", data: [] })

/**
 * The client with `auth` over a scripted transport answering `routes`, and the requests it recorded. Backoff
 * sleeps follow the test clock.
 */
const scripted = <E, R>(
  auth: Layer.Layer<OpenAIAuth.OpenAIAuth, E, R>,
  routes: OpenAITest.Routes,
  options: OpenAI.Options = {}
) =>
  Effect.map(Ref.make<ReadonlyArray<OpenAITest.RecordedRequest>>([]), (recorded) => ({
    layer: OpenAI.layerWithAuth(auth, {
      baseURL,
      maxRetries: 0,
      httpClient: Layer.succeed(HttpClient.HttpClient, OpenAITest.makeHttpClient(routes, recorded, baseURL)),
      ...options
    }),
    authorizations: Effect.map(Ref.get(recorded), (all) => all.map((request) => request.headers.authorization))
  }))

/** Keys `sk-rotating-1`, `sk-rotating-2`, ... one per call, as strings and as `Redacted` in turn. */
const rotating = () => {
  let calls = 0
  const provider = Effect.sync((): OpenAIAuth.Secret => {
    calls++
    const key = `sk-rotating-${calls}`
    return calls % 2 === 0 ? Redacted.make(key) : key
  })
  return { provider, calls: () => calls }
}

describe("layerApiKeyProvider", () => {
  it.effect("asks the provider before every attempt, retries included, and sends each key it gives", () =>
    Effect.gen(function*() {
      const keys = rotating()
      const client = yield* scripted(OpenAIAuth.layerApiKeyProvider(keys.provider), {
        "GET /models": [OpenAITest.error(500), modelList]
      }, { maxRetries: 1 })
      yield* Effect.gen(function*() {
        const fiber = yield* Effect.fork(Models.list())
        yield* TestClock.adjust("1 minute")
        yield* Fiber.join(fiber)
        assert.strictEqual(keys.calls(), 2)
        yield* Models.list()
        assert.strictEqual(keys.calls(), 3)
      }).pipe(Effect.provide(client.layer))
      assert.deepStrictEqual(yield* client.authorizations, [
        "Bearer sk-rotating-1",
        "Bearer sk-rotating-2",
        "Bearer sk-rotating-3"
      ])
    }))

  it.effect("a key the server echoes never shows in the error, and a 401 is final (no replay)", () =>
    Effect.gen(function*() {
      const key = "sk-echoed-key-123456"
      const client = yield* scripted(OpenAIAuth.layerApiKeyProvider(Effect.succeed(key)), {
        "GET /models": OpenAITest.error(401, {
          message: `Incorrect API key provided: ${key}`,
          headers: { "x-echo": `Bearer ${key}` }
        })
      }, { maxRetries: 2 })
      const error = yield* Effect.flip(Models.list()).pipe(Effect.provide(client.layer))
      assert.strictEqual(error._tag, "AuthenticationError")
      const status = error as OpenAIError.AuthenticationError
      assert.include(status.message, "Incorrect API key provided: <redacted>")
      assert.strictEqual(status.headers["x-echo"], "<redacted>")
      for (const text of [status.message, String(status), JSON.stringify(status), JSON.stringify(status.body)]) {
        assert.notInclude(text, key)
      }
      assert.deepStrictEqual(yield* client.authorizations, [`Bearer ${key}`])
    }))

  it.effect("a failing provider fails the request with its own error, and nothing is sent", () =>
    Effect.gen(function*() {
      const failure = new OpenAIError.InvalidInputError({ message: "the vault is sealed" })
      const client = yield* scripted(OpenAIAuth.layerApiKeyProvider(Effect.fail(failure)), { "GET /models": modelList })
      const error = yield* Effect.flip(Models.list()).pipe(Effect.provide(client.layer))
      assert.strictEqual(error, failure)
      assert.deepStrictEqual(yield* client.authorizations, [])
    }))

  it.effect("a provider failure the retry policy retries asks the provider again", () =>
    Effect.gen(function*() {
      let calls = 0
      const provider = Effect.suspend(() =>
        ++calls === 1
          ? Effect.fail(new OpenAIError.APIConnectionError({ message: "vault unreachable", method: "GET", url: "vault", cause: undefined }))
          : Effect.succeed("sk-after-retry")
      )
      const client = yield* scripted(OpenAIAuth.layerApiKeyProvider(provider), { "GET /models": modelList }, { maxRetries: 1 })
      yield* Effect.gen(function*() {
        const fiber = yield* Effect.fork(Models.list())
        yield* TestClock.adjust("1 minute")
        yield* Fiber.join(fiber)
      }).pipe(Effect.provide(client.layer))
      assert.strictEqual(calls, 2)
      assert.deepStrictEqual(yield* client.authorizations, ["Bearer sk-after-retry"])
    }))
})

describe("layerBearer", () => {
  it.effect("sends the token of every attempt as a bearer", () =>
    Effect.gen(function*() {
      let calls = 0
      const token = Effect.sync(() => Redacted.make(`entra-token-${++calls}`))
      const client = yield* scripted(OpenAIAuth.layerBearer(token), { "GET /models": modelList })
      yield* Effect.all([Models.list(), Models.list()]).pipe(Effect.provide(client.layer))
      assert.deepStrictEqual(yield* client.authorizations, ["Bearer entra-token-1", "Bearer entra-token-2"])
    }))
})
