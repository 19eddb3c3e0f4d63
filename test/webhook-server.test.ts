/**
 * docs/webhooks.md: every TypeScript block of the guide is (up to indentation) a part of
 * `scratchpad/webhook-server.ts` or of this file, both checked by `tsc -b`; the scratchpad's route is served here
 * with NodeHttpServer on a loopback port, and so is the guide's Promise facade endpoint. Deliveries are signed with
 * node:crypto, independently of the verification under test.
 */
import { createHmac } from "node:crypto"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import * as Path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { HttpServer, type HttpRouter } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Webhooks } from "@effect-openai/openai"
import OpenAI, { InvalidWebhookSignatureError } from "@effect-openai/promise"
import type { UnwrapWebhookEvent } from "@effect-openai/promise/resources/webhooks"
import { Config, ConfigProvider, Context, Duration, Effect, Layer, Logger, LogLevel } from "effect"
import { assertBlocksIn } from "./support/guides.js"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const scratchpadFile = Path.join(root, "scratchpad/webhook-server.ts")


// --- a sender: deliveries signed as OpenAI signs them ----------------------------------------------------------

const key = Buffer.from("0123456789abcdef0123456789abcdef")
const secret = `whsec_${key.toString("base64")}`

const completed = JSON.stringify({ id: "evt_1", object: "event", created_at: 1_750_000_000, type: "response.completed", data: { id: "resp_1" } })

const signedHeaders = (body: string, signingKey: Uint8Array = key): Record<string, string> => {
  const timestamp = String(Math.floor(Date.now() / 1000))
  const signature = createHmac("sha256", signingKey).update(`msg_1.${timestamp}.${body}`).digest("base64")
  return { "webhook-id": "msg_1", "webhook-timestamp": timestamp, "webhook-signature": `v1,${signature}`, "content-type": "application/json" }
}

const deliver = async (url: string, body: string, headers: Record<string, string>) => {
  const response = await fetch(url, { method: "POST", headers, body })
  return { status: response.status, text: await response.text() }
}

// --- the guide's Promise facade endpoint -----------------------------------------------------------------------

/** A webhook endpoint with the Promise facade on `node:http`. */
const promiseEndpoint = (client: OpenAI, handle: (event: UnwrapWebhookEvent) => Promise<void>) =>
  Http.createServer(async (req, res) => {
    const chunks: Array<Buffer> = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    try {
      // the body as it arrived, as text: the signature covers it, not a re-serialized value
      const event = await client.webhooks.unwrap(Buffer.concat(chunks).toString("utf8"), req.headers)
      await handle(event)
      res.writeHead(200).end()
    } catch (error) {
      res.writeHead(error instanceof InvalidWebhookSignatureError ? 400 : 500).end()
    }
  })

// --- the guide's Effect examples beyond the server ------------------------------------------------------------

/** While a secret is rotated, a delivery signed with either one passes. */
const unwrapRotating = (body: Uint8Array, headers: Webhooks.HeadersInput) =>
  Effect.gen(function*() {
    const current = yield* Config.redacted("OPENAI_WEBHOOK_SECRET")
    const previous = yield* Config.redacted("OPENAI_WEBHOOK_SECRET_PREVIOUS")
    return yield* Webhooks.unwrap(body, headers, [current, previous])
  })

/** Deliveries up to 10 minutes old (or ahead) pass. */
const unwrapLenient = (body: Uint8Array, headers: Webhooks.HeadersInput) =>
  Webhooks.unwrap(body, headers).pipe(Effect.provideService(Webhooks.Tolerance, Duration.minutes(10)))

// --- the tests -------------------------------------------------------------------------------------------------

interface ScratchpadModule {
  readonly webhookRoute: (handle: (event: Webhooks.Event) => Effect.Effect<void>) => HttpRouter.HttpRouter
}

// scratchpad is a TypeScript project of its own, so its route is loaded at run time, not imported.
const loadScratchpad = (): Promise<ScratchpadModule> => import(pathToFileURL(scratchpadFile).href)

/** The scratchpad's route on a loopback port, with `env` as the configuration; its URL. */
const serveRoute = (route: HttpRouter.HttpRouter, env: Record<string, string>) =>
  Effect.gen(function*() {
    const context = yield* Layer.build(
      HttpServer.serve(route).pipe(
        Layer.provideMerge(NodeHttpServer.layer(Http.createServer, { port: 0, host: "127.0.0.1" })),
        Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))),
        // the route logs refused deliveries; the test output stays quiet
        Layer.provide(Logger.minimumLogLevel(LogLevel.None))
      )
    )
    const address = Context.get(context, HttpServer.HttpServer).address
    if (address._tag !== "TcpAddress") return yield* Effect.dieMessage("not a TCP address")
    return `http://127.0.0.1:${address.port}/webhooks`
  })

describe("docs/webhooks.md", () => {
  it("every TypeScript block is part of a typechecked file", () =>
    assertBlocksIn("docs/webhooks.md", [scratchpadFile, fileURLToPath(import.meta.url)], 5))
})

describe("scratchpad/webhook-server.ts", () => {
  it.live("hands a verified delivery's typed event to the handler, refuses a tampered one with 400", () =>
    Effect.scoped(Effect.gen(function*() {
      const { webhookRoute } = yield* Effect.promise(loadScratchpad)
      const received: Array<Webhooks.Event> = []
      const url = yield* serveRoute(webhookRoute((event) => Effect.sync(() => void received.push(event))), { OPENAI_WEBHOOK_SECRET: secret })

      const ok = yield* Effect.promise(() => deliver(url, completed, signedHeaders(completed)))
      assert.strictEqual(ok.status, 200)
      assert.strictEqual(received.length, 1)
      const event = received[0]!
      assert.strictEqual(event.type, "response.completed")
      if (event.type === "response.completed") assert.strictEqual(event.data.id, "resp_1")

      const tampered = yield* Effect.promise(() => deliver(url, completed.replace("resp_1", "resp_2"), signedHeaders(completed)))
      assert.deepStrictEqual(tampered, { status: 400, text: "NoMatchingSignature" })
      const unsigned = yield* Effect.promise(() => deliver(url, completed, { "content-type": "application/json" }))
      assert.deepStrictEqual(unsigned, { status: 400, text: "MissingHeader" })
      assert.strictEqual(received.length, 1)
    })))

  it.live("answers 500 when the server has no secret, so that OpenAI delivers again", () =>
    Effect.scoped(Effect.gen(function*() {
      const { webhookRoute } = yield* Effect.promise(loadScratchpad)
      const url = yield* serveRoute(webhookRoute(() => Effect.void), {})
      const response = yield* Effect.promise(() => deliver(url, completed, signedHeaders(completed)))
      assert.deepStrictEqual(response, { status: 500, text: "MissingSecret" })
    })))
})

describe("the guide's other examples", () => {
  it("the Promise facade endpoint: 200 with the event handled, 400 for a tampered delivery", async () => {
    const received: Array<UnwrapWebhookEvent> = []
    const server = promiseEndpoint(new OpenAI({ apiKey: "sk-test", webhookSecret: secret }), async (event) => void received.push(event))
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
      assert.strictEqual((await deliver(url, completed, signedHeaders(completed))).status, 200)
      assert.deepStrictEqual(received, [JSON.parse(completed)])
      assert.strictEqual((await deliver(url, completed.replace("resp_1", "resp_2"), signedHeaders(completed))).status, 400)
      assert.strictEqual((await deliver(url, completed, { "content-type": "application/json" })).status, 500)
      assert.strictEqual(received.length, 1)
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it.effect("rotation: either secret; tolerance: set per call (on the TestClock, at time 0)", () =>
    Effect.gen(function*() {
      const previous = Buffer.from("the previous key, thirty-two b.")
      const bytes = new TextEncoder().encode(completed)
      const env = ConfigProvider.fromMap(new Map([
        ["OPENAI_WEBHOOK_SECRET", secret],
        ["OPENAI_WEBHOOK_SECRET_PREVIOUS", `whsec_${previous.toString("base64")}`]
      ]))
      yield* unwrapRotating(bytes, signedAt(completed, 0, previous)).pipe(Effect.withConfigProvider(env))
      yield* unwrapRotating(bytes, signedAt(completed, 0)).pipe(Effect.withConfigProvider(env))
      const stranger = yield* Effect.flip(unwrapRotating(bytes, signedAt(completed, 0, Buffer.from("x"))).pipe(Effect.withConfigProvider(env)))
      assert.strictEqual(stranger._tag === "WebhookVerificationError" && stranger.reason, "NoMatchingSignature")

      const ahead = signedAt(completed, 9 * 60)
      const strict = yield* Effect.flip(Webhooks.unwrap(bytes, ahead, secret))
      assert.strictEqual(strict.reason, "TimestampTooNew")
      const event = yield* unwrapLenient(bytes, ahead).pipe(Effect.withConfigProvider(env))
      assert.strictEqual(event.type, "response.completed")
    }))
})

/** Headers signed for a delivery sent at `seconds` (Unix time). */
const signedAt = (body: string, seconds: number, signingKey: Uint8Array = key): Record<string, string> => {
  const signature = createHmac("sha256", signingKey).update(`msg_1.${seconds}.${body}`).digest("base64")
  return { "webhook-id": "msg_1", "webhook-timestamp": String(seconds), "webhook-signature": `v1,${signature}` }
}
