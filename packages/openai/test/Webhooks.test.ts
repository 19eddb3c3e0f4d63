/**
 * Webhooks: deliveries signed here with node:crypto (an implementation independent of the module's WebCrypto one)
 * are verified against the Standard Webhooks rules; the time is the TestClock's.
 */
import { createHmac } from "node:crypto"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Redacted, TestClock } from "effect"
import type { WebhookVerificationError } from "../src/OpenAIError.js"
import * as Webhooks from "../src/Webhooks.js"

const keyBytes = Buffer.from("0123456789abcdef0123456789abcdef")
const secret = `whsec_${keyBytes.toString("base64")}`
const otherSecret = `whsec_${Buffer.from("another key, another key, anoth").toString("base64")}`
const now = 1_750_000_000 // seconds

const signature = (key: Uint8Array, id: string, timestamp: string, body: string | Uint8Array): string =>
  createHmac("sha256", key).update(`${id}.${timestamp}.`).update(body).digest("base64")

const completed = JSON.stringify({
  id: "evt_1",
  object: "event",
  created_at: now,
  type: "response.completed",
  data: { id: "resp_1" }
})

/** A delivery's headers, signed with `key` at `timestamp` (now by default). */
const signed = (body: string | Uint8Array, options: { key?: Uint8Array; timestamp?: number; id?: string } = {}) => {
  const id = options.id ?? "msg_1"
  const timestamp = String(options.timestamp ?? now)
  return {
    "webhook-id": id,
    "webhook-timestamp": timestamp,
    "webhook-signature": `v1,${signature(options.key ?? keyBytes, id, timestamp, body)}`
  }
}

/** Runs on the TestClock set to `now`. */
const atNow = <A, E>(effect: Effect.Effect<A, E>) => Effect.zipRight(TestClock.setTime(now * 1000), effect)

const failure = <A>(effect: Effect.Effect<A, WebhookVerificationError>) => atNow(Effect.flip(effect))

describe("Webhooks.unwrap", () => {
  it.effect("gives the typed event of a valid delivery", () =>
    atNow(Effect.gen(function*() {
      const event = yield* Webhooks.unwrap(completed, signed(completed), secret)
      assert.strictEqual(event.type, "response.completed")
      if (event.type !== "response.completed") return assert.fail("narrowing")
      assert.strictEqual(event.data.id, "resp_1")
      assert.strictEqual(event.created_at, now)
      assert.isFalse(Webhooks.isUnknownEvent(event))
    })))

  it.effect("verifies the body's bytes as sent, a Uint8Array or its text", () =>
    atNow(Effect.gen(function*() {
      const text = JSON.stringify({ id: "evt_2", created_at: now, type: "batch.completed", data: { id: "batch_é✓" } })
      const bytes = new TextEncoder().encode(text)
      const fromBytes = yield* Webhooks.unwrap(bytes, signed(bytes), secret)
      const fromText = yield* Webhooks.unwrap(text, signed(bytes), secret)
      assert.deepStrictEqual(fromBytes, JSON.parse(text))
      assert.deepStrictEqual(fromText, fromBytes)
    })))

  it.effect("passes an event of a type it does not know through unchanged", () =>
    atNow(Effect.gen(function*() {
      const body = JSON.stringify({ id: "evt_3", created_at: now, type: "agent.session.created", data: { id: "s_1", extra: [1] } })
      const event = yield* Webhooks.unwrap(body, signed(body), secret)
      assert.deepStrictEqual(event, JSON.parse(body))
      assert.isTrue(Webhooks.isUnknownEvent(event))
      assert.strictEqual(event.type as string, "agent.session.created")
    })))

  it.effect("refuses a verified body that is not a JSON event", () =>
    Effect.gen(function*() {
      for (const body of ["{not json", "[1,2]", "\"text\"", "{\"id\":\"x\"}"]) {
        const error = yield* failure(Webhooks.unwrap(body, signed(body), secret))
        assert.strictEqual(error.reason, "InvalidJson", body)
      }
      const bytes = Uint8Array.of(0x7b, 0xff, 0x7d) // not UTF-8
      assert.strictEqual((yield* failure(Webhooks.unwrap(bytes, signed(bytes), secret))).reason, "InvalidJson")
    }))
})

describe("Webhooks.verify", () => {
  it.effect("refuses a tampered body, and a delivery signed with another secret", () =>
    Effect.gen(function*() {
      const tampered = completed.replace("resp_1", "resp_2")
      const a = yield* failure(Webhooks.verify(tampered, signed(completed), secret))
      assert.strictEqual(a._tag, "WebhookVerificationError")
      assert.strictEqual(a.reason, "NoMatchingSignature")
      const b = yield* failure(Webhooks.verify(completed, signed(completed), otherSecret))
      assert.strictEqual(b.reason, "NoMatchingSignature")
      // the id and the timestamp are signed too
      const headers = signed(completed)
      const c = yield* failure(Webhooks.verify(completed, { ...headers, "webhook-id": "msg_2" }, secret))
      assert.strictEqual(c.reason, "NoMatchingSignature")
    }))

  it.effect("accepts any of several secrets (rotation), and any of several signatures", () =>
    atNow(Effect.gen(function*() {
      yield* Webhooks.verify(completed, signed(completed), [otherSecret, secret])
      const mine = signed(completed)
      const theirs = signed(completed, { key: Buffer.from("another key, another key, anoth") })
      yield* Webhooks.verify(completed, { ...mine, "webhook-signature": `${theirs["webhook-signature"]} ${mine["webhook-signature"]}` }, secret)
      yield* Webhooks.verify(completed, { ...mine, "webhook-signature": `${mine["webhook-signature"]} ${theirs["webhook-signature"]}` }, secret)
    })))

  it.effect("ignores signatures of other versions than v1", () =>
    Effect.gen(function*() {
      const headers = signed(completed)
      const good = headers["webhook-signature"].slice(3)
      const v2 = yield* failure(Webhooks.verify(completed, { ...headers, "webhook-signature": `v2,${good}` }, secret))
      assert.strictEqual(v2.reason, "NoMatchingSignature")
      const bare = yield* failure(Webhooks.verify(completed, { ...headers, "webhook-signature": good }, secret))
      assert.strictEqual(bare.reason, "NoMatchingSignature")
      yield* atNow(Webhooks.verify(completed, { ...headers, "webhook-signature": `v2,${good} v1a,${good}  v1,${good}` }, secret))
    }))

  it.effect("refuses a timestamp older or further ahead than the tolerance, at its bounds", () =>
    Effect.gen(function*() {
      const old = yield* failure(Webhooks.verify(completed, signed(completed, { timestamp: now - 301 }), secret))
      assert.strictEqual(old.reason, "TimestampTooOld")
      const ahead = yield* failure(Webhooks.verify(completed, signed(completed, { timestamp: now + 301 }), secret))
      assert.strictEqual(ahead.reason, "TimestampTooNew")
      yield* atNow(Webhooks.verify(completed, signed(completed, { timestamp: now - 300 }), secret))
      yield* atNow(Webhooks.verify(completed, signed(completed, { timestamp: now + 300 }), secret))
    }))

  it.effect("measures the age on the Clock, with a tolerance set per call", () =>
    atNow(Effect.gen(function*() {
      const headers = signed(completed)
      yield* Webhooks.verify(completed, headers, secret)
      yield* TestClock.adjust(Duration.minutes(6))
      const late = yield* Effect.flip(Webhooks.verify(completed, headers, secret))
      assert.strictEqual(late.reason, "TimestampTooOld")
      yield* Webhooks.verify(completed, headers, secret).pipe(Effect.provideService(Webhooks.Tolerance, Duration.minutes(10)))
      const strict = yield* Effect.flip(
        Webhooks.verify(completed, signed(completed, { timestamp: now + 360 - 2 }), secret).pipe(
          Effect.provideService(Webhooks.Tolerance, Duration.seconds(1))
        )
      )
      assert.strictEqual(strict.reason, "TimestampTooOld")
    })))

  it.effect("refuses a timestamp that is not a number of seconds", () =>
    Effect.gen(function*() {
      for (const timestamp of ["soon", "1750000000.5", "-1", "1e9"]) {
        const headers = { ...signed(completed), "webhook-timestamp": timestamp }
        const error = yield* failure(Webhooks.verify(completed, headers, secret))
        assert.strictEqual(error.reason, "InvalidTimestamp", timestamp)
      }
    }))

  it.effect("names the missing header, an empty one counting as missing", () =>
    Effect.gen(function*() {
      for (const name of ["webhook-id", "webhook-timestamp", "webhook-signature"] as const) {
        const { [name]: _, ...rest } = signed(completed)
        const error = yield* failure(Webhooks.verify(completed, rest, secret))
        assert.strictEqual(error.reason, "MissingHeader")
        assert.strictEqual(error.header, name)
        assert.include(error.message, name)
        const empty = yield* failure(Webhooks.verify(completed, { ...signed(completed), [name]: " " }, secret))
        assert.strictEqual(empty.header, name)
      }
    }))

  it.effect("reads headers as a Headers, a record in any case with array values, or pairs", () =>
    atNow(Effect.gen(function*() {
      const headers = signed(completed)
      const other = signed(completed, { key: Buffer.from("another key, another key, anoth") })
      yield* Webhooks.verify(completed, new Headers(headers), secret)
      yield* Webhooks.verify(completed, {
        "Webhook-Id": headers["webhook-id"],
        "WEBHOOK-TIMESTAMP": [headers["webhook-timestamp"]],
        "webhook-Signature": [other["webhook-signature"], headers["webhook-signature"]]
      }, secret)
      yield* Webhooks.verify(completed, Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v] as const), secret)
      // a header sent twice, which `Headers` joins with ", "
      const joined = new Headers(headers)
      joined.set("webhook-signature", other["webhook-signature"])
      joined.append("webhook-signature", headers["webhook-signature"])
      yield* Webhooks.verify(completed, joined, secret)
    })))

  it.effect("uses a secret without the whsec_ prefix as its UTF-8 bytes; with it, its base64 in either alphabet", () =>
    atNow(Effect.gen(function*() {
      const plain = "a plain secret ✓"
      yield* Webhooks.verify(completed, signed(completed, { key: Buffer.from(plain, "utf8") }), plain)
      // with the prefix, the rest is base64: the same text means other bytes
      const asText = yield* Effect.flip(Webhooks.verify(completed, signed(completed, { key: Buffer.from(secret, "utf8") }), secret))
      assert.strictEqual(asText.reason, "NoMatchingSignature")
      const unpadded = secret.replace(/=+$/, "")
      yield* Webhooks.verify(completed, signed(completed), Redacted.make(unpadded))
      // the URL-safe alphabet stands for the same bytes
      const odd = Buffer.alloc(24, 0xfb)
      assert.match(odd.toString("base64"), /[+/]/)
      yield* Webhooks.verify(completed, signed(completed, { key: odd }), `whsec_${odd.toString("base64")}`)
      yield* Webhooks.verify(completed, signed(completed, { key: odd }), `whsec_${odd.toString("base64url")}`)
    })))

  it.effect("refuses a whsec_ secret that is not base64, and an empty one, without printing it", () =>
    Effect.gen(function*() {
      const invalid = yield* failure(Webhooks.verify(completed, signed(completed), "whsec_not*base64!"))
      assert.strictEqual(invalid.reason, "InvalidSecret")
      assert.notInclude(invalid.message, "not*base64")
      for (const empty of ["", "  ", [] as ReadonlyArray<string>, Redacted.make("")]) {
        assert.strictEqual((yield* failure(Webhooks.verify(completed, signed(completed), empty))).reason, "MissingSecret")
      }
    }))

  it.effect("reads the secret from OPENAI_WEBHOOK_SECRET when none is given", () =>
    Effect.gen(function*() {
      const withEnv = (env: Record<string, string>) => Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
      const event = yield* atNow(Webhooks.unwrap(completed, signed(completed)).pipe(withEnv({ OPENAI_WEBHOOK_SECRET: secret })))
      assert.strictEqual(event.type, "response.completed")
      const wrong = yield* failure(Webhooks.verify(completed, signed(completed)).pipe(withEnv({ OPENAI_WEBHOOK_SECRET: otherSecret })))
      assert.strictEqual(wrong.reason, "NoMatchingSignature")
      const none = yield* failure(Webhooks.verify(completed, signed(completed)).pipe(withEnv({})))
      assert.strictEqual(none.reason, "MissingSecret")
      assert.include(none.message, "OPENAI_WEBHOOK_SECRET")
      // a secret given wins over the environment
      yield* atNow(Webhooks.verify(completed, signed(completed), secret).pipe(withEnv({ OPENAI_WEBHOOK_SECRET: otherSecret })))
    }))

  it.effect("never puts the secret or a signature in a message", () =>
    Effect.gen(function*() {
      const headers = signed(completed)
      const sig = headers["webhook-signature"].slice(3)
      const errors = [
        yield* failure(Webhooks.verify("{}", headers, secret)),
        yield* failure(Webhooks.verify(completed, signed(completed, { timestamp: now - 999 }), secret)),
        yield* failure(Webhooks.verify(completed, { ...headers, "webhook-id": "" }, secret)),
        yield* failure(Webhooks.verify(completed, headers, "whsec_%%%%"))
      ]
      for (const error of errors) {
        for (const text of [error.message, String(error), JSON.stringify(error)]) {
          assert.notInclude(text, keyBytes.toString("base64"))
          assert.notInclude(text, sig)
        }
      }
    }))
})
