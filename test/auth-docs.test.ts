/**
 * docs/auth.md: every TypeScript block of the guide is checked by `tsc -b`, being (up to indentation) a part of
 * `scratchpad/auth-examples.ts`, `scratchpad/auth-examples-promise.ts` or this file; the guide's testing examples
 * are the tests below, and run.
 */
import { assert, describe, it } from "@effect/vitest"
import { Chat, OpenAIAuth, OpenAITest, WorkloadIdentity } from "@effect-openai/openai"
import { Effect, TestClock } from "effect"
import { assertBlocksIn } from "./support/guides.js"


describe("docs/auth.md", () => {
  it("every TypeScript block is part of a typechecked file", () =>
    assertBlocksIn("docs/auth.md", ["scratchpad/auth-examples.ts", "scratchpad/auth-examples-promise.ts", "test/auth-docs.test.ts"], 11))
})

// --- the guide's "Testing" section ------------------------------------------------------------------------------

// The code under test needs the client, not a credential.
const greet = Chat.Completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] }).pipe(
  Effect.map((c) => c.choices[0]?.message.content ?? "")
)

const hello = { choices: [{ index: 0, message: { role: "assistant", content: "Hello" } }] } as const

describe("greet", () => {
  it.effect("answers with the first choice", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* greet, "Hello")
    }).pipe(Effect.provide(OpenAITest.layer({ "POST /chat/completions": OpenAITest.json(hello) }))))
})

/** Workload identity under test: `OpenAITest.layer` gives it the scripted transport, so the token endpoint is a route. */
const auth = OpenAIAuth.layerWorkloadIdentity({
  identityProviderId: "idp-test",
  serviceAccountId: "sa-test",
  provider: WorkloadIdentity.custom({ tokenType: "jwt", getToken: Effect.succeed("subject-token") }),
  tokenURL: "https://auth.openai.test/oauth/token" // routed as "POST /oauth/token"
})

/** The client with that credential, the token endpoint answering `token`, the API answering `hello`. */
const withWorkloadIdentity = (token: OpenAITest.Route) =>
  OpenAITest.layer({ "POST /chat/completions": OpenAITest.json(hello) }, {
    auth,
    customRoutes: { "POST /oauth/token": token },
    maxRetries: 0
  })

const issued = (accessToken: string) => OpenAITest.unchecked({ access_token: accessToken, token_type: "Bearer", expires_in: 3600 })
// Lets a background fiber (a renewal) finish: real time passes, the TestClock does not move.
const settled = Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, 50)))

describe("greet with workload identity", () => {
  it.effect("exchanges the subject token and sends the access token", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* greet, "Hello")
      const [exchange, call] = yield* OpenAITest.requests
      assert.strictEqual(exchange!.path, "/oauth/token")
      assert.strictEqual((exchange!.json as { subject_token: string }).subject_token, "subject-token")
      assert.strictEqual(call!.headers.authorization, "Bearer at-1")
    }).pipe(Effect.provide(withWorkloadIdentity(issued("at-1")))))

  it.effect("a refused exchange fails with OAuthError, which the program can catch", () =>
    Effect.gen(function*() {
      const answer = yield* greet.pipe(Effect.catchTag("OAuthError", (e) => Effect.succeed(`refused: ${e.errorCode}`)))
      assert.strictEqual(answer, "refused: invalid_grant")
    }).pipe(Effect.provide(withWorkloadIdentity(OpenAITest.unchecked({ error: "invalid_grant" }, { status: 400 })))))

  it.effect("renews the token 20 minutes before it expires, on the TestClock", () =>
    Effect.gen(function*() {
      yield* greet
      yield* TestClock.adjust("41 minutes") // a 60-minute token: renewal starts at 40
      yield* greet // still the old token; the renewal runs meanwhile, in the background
      yield* settled // (the renewal's own fiber finishes on real time: the TestClock only holds timers)
      yield* greet
      const sent = (yield* OpenAITest.requests).map((r) => r.path === "/oauth/token" ? "exchange" : r.headers.authorization)
      assert.deepStrictEqual(sent, ["exchange", "Bearer at-1", "Bearer at-1", "exchange", "Bearer at-2"])
    }).pipe(Effect.provide(withWorkloadIdentity([issued("at-1"), issued("at-2")]))))
})
