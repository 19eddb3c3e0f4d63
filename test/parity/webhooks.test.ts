/**
 * `client.webhooks` against the official package: the same deliveries (signed here with node:crypto) verify, or
 * are refused with the same kind of error, on both; `unwrap` gives the same event. Where they differ on purpose
 * (malformed headers OpenAI never sends, docs/webhooks.md), each package's own behaviour is asserted.
 */
import { createHmac } from "node:crypto"
import FacadeOpenAI, { InvalidWebhookSignatureError as FacadeInvalidSignature } from "@effect-openai/promise"
import OfficialOpenAI, { InvalidWebhookSignatureError as OfficialInvalidSignature } from "openai"
import { describe, expect, it } from "vitest"

const key = Buffer.from("0123456789abcdef0123456789abcdef")
const secret = `whsec_${key.toString("base64")}`

const body = JSON.stringify({ id: "evt_1", object: "event", created_at: 1_750_000_000, type: "batch.completed", data: { id: "batch_1" } })

const delivery = (payload: string, options: { age?: number; key?: Uint8Array; version?: string } = {}) => {
  const timestamp = String(Math.floor(Date.now() / 1000) - (options.age ?? 0))
  const signature = createHmac("sha256", options.key ?? key).update(`msg_1.${timestamp}.${payload}`).digest("base64")
  return { "webhook-id": "msg_1", "webhook-timestamp": timestamp, "webhook-signature": `${options.version ?? "v1"},${signature}` }
}

/** What a user of either package observes: the event, or the kind of error. */
const outcome = async (
  unwrap: () => Promise<unknown>,
  invalidSignature: abstract new(...args: never) => Error
): Promise<unknown> => {
  try {
    return { event: await unwrap() }
  } catch (error) {
    return { error: error instanceof invalidSignature ? "InvalidWebhookSignatureError" : (error as Error).constructor.name }
  }
}

interface Case {
  readonly name: string
  readonly payload: string
  readonly headers: Readonly<Record<string, string>>
  readonly secret?: string
}

const { "webhook-id": _, ...withoutId } = delivery(body)
const unknownEvent = "{\"type\":\"new.event\",\"id\":\"e\"}"

const cases: ReadonlyArray<Case> = [
  { name: "valid", payload: body, headers: delivery(body) },
  { name: "tampered body", payload: body.replace("batch_1", "batch_2"), headers: delivery(body) },
  { name: "another secret", payload: body, headers: delivery(body, { key: Buffer.from("another key, another key, anoth") }) },
  { name: "old timestamp", payload: body, headers: delivery(body, { age: 600 }) },
  { name: "future timestamp", payload: body, headers: delivery(body, { age: -600 }) },
  { name: "v2 signature only", payload: body, headers: delivery(body, { version: "v2" }) },
  { name: "no webhook-id", payload: body, headers: withoutId },
  { name: "plain secret", payload: body, headers: delivery(body, { key: Buffer.from("plain secret", "utf8") }), secret: "plain secret" },
  { name: "unknown event type", payload: unknownEvent, headers: delivery(unknownEvent) }
]

const both = (c: Case) => {
  const webhookSecret = c.secret ?? secret
  const official = new OfficialOpenAI({ apiKey: "sk-parity", webhookSecret })
  const facade = new FacadeOpenAI({ apiKey: "sk-parity", webhookSecret })
  return {
    official: () => outcome(() => official.webhooks.unwrap(c.payload, c.headers), OfficialInvalidSignature),
    facade: () => outcome(() => facade.webhooks.unwrap(c.payload, c.headers), FacadeInvalidSignature)
  }
}

describe("client.webhooks, facade and official", () => {
  it.each(cases)("agree: $name", async (c) => {
    const { facade, official } = both(c)
    expect(await facade()).toEqual(await official())
  })

  // Malformed headers OpenAI never sends: the official SDK tries to read them, the facade refuses them.
  const differs: ReadonlyArray<Case & { readonly facade: string }> = (() => {
    const timestamp = String(Math.floor(Date.now() / 1000))
    const mac = (content: string) => createHmac("sha256", key).update(content).digest("base64")
    return [
      {
        name: "a signature without a version",
        payload: body,
        headers: { "webhook-id": "msg_1", "webhook-timestamp": timestamp, "webhook-signature": mac(`msg_1.${timestamp}.${body}`) },
        facade: "InvalidWebhookSignatureError"
      },
      {
        name: "a timestamp with a non-digit suffix",
        payload: body,
        headers: { "webhook-id": "msg_1", "webhook-timestamp": `${timestamp}z`, "webhook-signature": `v1,${mac(`msg_1.${timestamp}z.${body}`)}` },
        facade: "InvalidWebhookSignatureError"
      },
      {
        name: "an empty webhook-id",
        payload: body,
        headers: { "webhook-id": "", "webhook-timestamp": timestamp, "webhook-signature": `v1,${mac(`${timestamp}.${body}`)}` },
        facade: "Error"
      }
    ]
  })()

  it.each(differs)("differs: $name (the official SDK accepts it, the facade refuses it)", async (c) => {
    const { facade, official } = both(c)
    expect(await official()).toEqual({ event: JSON.parse(body) })
    expect(await facade()).toEqual({ error: c.facade })
  })

  it("the cases cover success, refusal and plain errors", async () => {
    const kinds = new Set<string>()
    for (const c of cases) kinds.add(((await both(c).official()) as { error?: string }).error ?? "event")
    expect([...kinds].sort()).toEqual(["Error", "InvalidWebhookSignatureError", "event"])
  })
})
