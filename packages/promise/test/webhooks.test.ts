/**
 * `client.webhooks.unwrap` and `client.webhooks.verifySignature` as the official SDK has them: deliveries signed
 * here with node:crypto (independently of the core's WebCrypto verification) pass; everything else throws what the
 * official SDK throws.
 */
import { createHmac } from "node:crypto"
import { afterEach, describe, expect, it, vi } from "vitest"
import OpenAI, { InvalidWebhookSignatureError } from "@effect-openai/promise"
import type {
  ResponseCompletedWebhookEvent,
  UnwrapWebhookEvent
} from "@effect-openai/promise/resources/webhooks"

const key = Buffer.from("0123456789abcdef0123456789abcdef")
const secret = `whsec_${key.toString("base64")}`
const otherKey = Buffer.from("another key, another key, anoth")
const otherSecret = `whsec_${otherKey.toString("base64")}`

const nowSeconds = () => Math.floor(Date.now() / 1000)

const body = JSON.stringify({
  id: "evt_1",
  object: "event",
  created_at: 1_750_000_000,
  type: "response.completed",
  data: { id: "resp_1" }
})

const sign = (k: Uint8Array, id: string, timestamp: string, payload: string) =>
  createHmac("sha256", k).update(`${id}.${timestamp}.${payload}`).digest("base64")

/** The headers of a delivery of `payload`, signed with `k`, sent `age` seconds ago. */
const signed = (payload: string, options: { key?: Uint8Array; age?: number } = {}) => {
  const timestamp = String(nowSeconds() - (options.age ?? 0))
  return {
    "webhook-id": "msg_1",
    "webhook-timestamp": timestamp,
    "webhook-signature": `v1,${sign(options.key ?? key, "msg_1", timestamp, payload)}`
  }
}

const client = (options: { webhookSecret?: string | null } = {}) => new OpenAI({ apiKey: "sk-test", ...options })

const rejection = async (promise: Promise<unknown>): Promise<Error> => {
  try {
    await promise
  } catch (error) {
    return error as Error
  }
  throw new Error("expected a rejection")
}

afterEach(() => {
  vi.unstubAllEnvs()
})

describe("client.webhooks.unwrap", () => {
  it("gives the event of a valid delivery, typed as the official union", async () => {
    const event: UnwrapWebhookEvent = await client({ webhookSecret: secret }).webhooks.unwrap(body, signed(body))
    expect(event).toEqual(JSON.parse(body))
    if (event.type !== "response.completed") throw new Error("narrowing")
    const completed: ResponseCompletedWebhookEvent = event
    expect(completed.data.id).toBe("resp_1")
  })

  it("passes an event of a type it does not know through", async () => {
    const unknown = JSON.stringify({ id: "evt_2", object: "event", created_at: 1, type: "agent.session.idle", data: { id: "s" } })
    const event = await client().webhooks.unwrap(unknown, signed(unknown), secret)
    expect(event).toEqual(JSON.parse(unknown))
  })

  it("throws the parser's error for a verified body that is not JSON, as the official SDK does", async () => {
    const error = await rejection(client().webhooks.unwrap("{oops", signed("{oops"), secret))
    expect(error).toBeInstanceOf(SyntaxError)
  })
})

describe("client.webhooks.verifySignature", () => {
  it("resolves for a valid delivery, with headers as a record, a Headers or pairs", async () => {
    const webhooks = client().webhooks
    const headers = signed(body)
    await expect(webhooks.verifySignature(body, headers, secret)).resolves.toBeUndefined()
    await expect(webhooks.verifySignature(body, new Headers(headers), secret)).resolves.toBeUndefined()
    const pairs = Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v] as const)
    await expect(webhooks.verifySignature(body, pairs, secret)).resolves.toBeUndefined()
  })

  it("throws InvalidWebhookSignatureError for a tampered body or another secret", async () => {
    const webhooks = client().webhooks
    const tampered = await rejection(webhooks.verifySignature(body.replace("resp_1", "resp_2"), signed(body), secret))
    expect(tampered).toBeInstanceOf(InvalidWebhookSignatureError)
    expect(tampered).toBeInstanceOf(OpenAI.InvalidWebhookSignatureError)
    expect(tampered.name).toBe("InvalidWebhookSignatureError")
    const wrong = await rejection(webhooks.verifySignature(body, signed(body), otherSecret))
    expect(wrong).toBeInstanceOf(InvalidWebhookSignatureError)
  })

  it("accepts a header with several signatures when one matches (a secret being rotated)", async () => {
    const mine = signed(body)
    const theirs = signed(body, { key: otherKey })
    const header = `${theirs["webhook-signature"]} ${mine["webhook-signature"]}`
    await client().webhooks.verifySignature(body, { ...mine, "webhook-signature": header }, secret)
    await client().webhooks.verifySignature(body, { ...mine, "webhook-signature": header }, otherSecret)
  })

  it("ignores signatures of another version", async () => {
    const headers = signed(body)
    const v2 = headers["webhook-signature"].replace(/^v1,/, "v2,")
    const error = await rejection(client().webhooks.verifySignature(body, { ...headers, "webhook-signature": v2 }, secret))
    expect(error).toBeInstanceOf(InvalidWebhookSignatureError)
  })

  it("refuses a timestamp outside the tolerance, 300 seconds or the one given", async () => {
    const webhooks = client().webhooks
    const old = await rejection(webhooks.verifySignature(body, signed(body, { age: 400 }), secret))
    expect(old).toBeInstanceOf(InvalidWebhookSignatureError)
    const ahead = await rejection(webhooks.verifySignature(body, signed(body, { age: -400 }), secret))
    expect(ahead).toBeInstanceOf(InvalidWebhookSignatureError)
    expect(ahead.message).not.toBe(old.message)
    await webhooks.verifySignature(body, signed(body, { age: 400 }), secret, 600)
    const strict = await rejection(webhooks.verifySignature(body, signed(body, { age: 60 }), secret, 30))
    expect(strict).toBeInstanceOf(InvalidWebhookSignatureError)
  })

  it("throws a plain Error naming a missing header, as the official SDK does", async () => {
    for (const name of ["webhook-id", "webhook-timestamp", "webhook-signature"] as const) {
      const { [name]: _, ...rest } = signed(body)
      const error = await rejection(client().webhooks.verifySignature(body, rest, secret))
      expect(error).not.toBeInstanceOf(InvalidWebhookSignatureError)
      expect(error).toBeInstanceOf(Error)
      expect(error.message).toContain(name)
    }
  })

  it("uses a secret without the whsec_ prefix as its UTF-8 bytes", async () => {
    const plain = "my plain webhook secret"
    await client().webhooks.verifySignature(body, signed(body, { key: Buffer.from(plain, "utf8") }), plain)
  })

  it("takes the secret from the client's webhookSecret, else OPENAI_WEBHOOK_SECRET; an argument wins", async () => {
    await client({ webhookSecret: secret }).webhooks.verifySignature(body, signed(body))
    vi.stubEnv("OPENAI_WEBHOOK_SECRET", secret)
    await client().webhooks.verifySignature(body, signed(body))
    // the option over the environment, the argument over both
    const wrong = await rejection(client({ webhookSecret: otherSecret }).webhooks.verifySignature(body, signed(body)))
    expect(wrong).toBeInstanceOf(InvalidWebhookSignatureError)
    await client({ webhookSecret: otherSecret }).webhooks.verifySignature(body, signed(body), secret)
  })

  it("throws a plain Error without a secret, `null` included, and never prints the secret", async () => {
    vi.stubEnv("OPENAI_WEBHOOK_SECRET", "")
    const none = await rejection(client().webhooks.verifySignature(body, signed(body)))
    expect(none).not.toBeInstanceOf(InvalidWebhookSignatureError)
    expect(none.message).toContain("webhookSecret")
    // `null` is no secret, whatever the client and the environment have
    vi.stubEnv("OPENAI_WEBHOOK_SECRET", secret)
    const nulled = await rejection(client({ webhookSecret: secret }).webhooks.verifySignature(body, signed(body), null))
    expect(nulled.message).toBe(none.message)
    const headers = signed(body, { age: 1000 })
    for (const error of [
      await rejection(client({ webhookSecret: secret }).webhooks.verifySignature(body, headers)),
      await rejection(client({ webhookSecret: secret }).webhooks.verifySignature("{}", signed(body))),
      await rejection(client().webhooks.verifySignature(body, signed(body), "whsec_***"))
    ]) {
      for (const text of [error.message, String(error), error.stack ?? ""]) {
        expect(text).not.toContain(key.toString("base64"))
        expect(text).not.toContain(headers["webhook-signature"].slice(3))
      }
    }
  })
})
