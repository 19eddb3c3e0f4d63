/**
 * The webhooks OpenAI sends (a background response finished, a batch completed, a call is incoming), verified and
 * read. They follow the Standard Webhooks scheme: each delivery has the headers `webhook-id`, `webhook-timestamp`
 * (Unix seconds) and `webhook-signature`, a space-separated list of `v1,<base64>` entries, each an HMAC-SHA256 of
 * `${id}.${timestamp}.${body}` under the endpoint's signing secret.
 *
 * ```ts
 * const event = yield* Webhooks.unwrap(rawBody, request.headers) // secret: OPENAI_WEBHOOK_SECRET
 * if (event.type === "response.completed") yield* Effect.log(`response ${event.data.id} is done`)
 * ```
 *
 * Verify the body exactly as it arrived (the bytes, or their text), before any JSON parsing: re-serialized JSON
 * does not match its signature. A delivery passes when one `v1` entry of its header matches one of the secrets,
 * compared in constant time, and its timestamp is within {@link Tolerance} (5 minutes by default) of the `Clock`'s
 * time, in either direction. Everything else fails with one `WebhookVerificationError` whose `reason` says why.
 *
 * Secrets: `whsec_<base64>` (as the dashboard gives them) is used as the bytes the base64 stands for; any other
 * string as its UTF-8 bytes, as the official SDK does. Several secrets may be given (while one is rotated); the
 * default is `OPENAI_WEBHOOK_SECRET`, read through `Config`. The module uses WebCrypto (`globalThis.crypto.subtle`)
 * and nothing of Node.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Encoding from "effect/Encoding"
import * as Redacted from "effect/Redacted"
import { knownWebhookEventTypes } from "./generated/EventTypes.js"
import type * as Types from "./generated/Types.js"
import { WebhookVerificationError, type WebhookVerificationReason } from "./OpenAIError.js"

/**
 * A webhook event the spec declares; narrow it on `type`.
 *
 * @since 0.1.0
 * @category models
 */
export type KnownEvent = Types.WebhookEvent

/**
 * A webhook event of a type this version does not know. At run time it keeps its own `type` (see
 * {@link isUnknownEvent}); the compiler sees a placeholder, so that narrowing on `type` still works.
 *
 * @since 0.1.0
 * @category models
 */
export type UnknownEvent = Types.UnknownWebhookEvent

/**
 * What {@link unwrap} gives: a known event, or one of a type this version does not know, passed through.
 *
 * @since 0.1.0
 * @category models
 */
export type Event = KnownEvent | UnknownEvent

/**
 * A signing secret: `whsec_<base64>`, or any other string (its UTF-8 bytes), plain or `Redacted`.
 *
 * @since 0.1.0
 * @category models
 */
export type Secret = string | Redacted.Redacted<string>

/**
 * One secret, or several (any of them may have signed the delivery).
 *
 * @since 0.1.0
 * @category models
 */
export type Secrets = Secret | ReadonlyArray<Secret>

/**
 * The raw body, as received: its bytes, or their text.
 *
 * @since 0.1.0
 * @category models
 */
export type Body = string | Uint8Array

/**
 * Request headers in any of the usual forms: a web `Headers`, a record (names in any case; values may be arrays,
 * as Node's `IncomingHttpHeaders` has them; `@effect/platform`'s `Headers` is one), or `[name, value]` pairs.
 *
 * @since 0.1.0
 * @category models
 */
export type HeadersInput =
  | Headers
  | Readonly<Record<string, string | ReadonlyArray<string> | null | undefined>>
  | ReadonlyArray<readonly [string, string | null | undefined]>

/**
 * How far a delivery's `webhook-timestamp` may be from now, in the past or the future (default 5 minutes).
 * Set it for a call with `Effect.provideService(Webhooks.Tolerance, Duration.minutes(10))`.
 *
 * @since 0.1.0
 * @category tags
 */
export class Tolerance extends Context.Reference<Tolerance>()("@effect-openai/openai/Webhooks/Tolerance", {
  defaultValue: (): Duration.Duration => Duration.minutes(5)
}) {}

/**
 * Whether an event is of a type this version does not know (the generated list of the spec's webhook events).
 *
 * @since 0.1.0
 * @category guards
 */
export const isUnknownEvent = (event: Event): event is UnknownEvent => !knownWebhookEventTypes.has(event.type)

/**
 * Checks a delivery's signature and timestamp. `secret` defaults to `OPENAI_WEBHOOK_SECRET` (through `Config`).
 *
 * @since 0.1.0
 * @category verification
 */
export const verify = (body: Body, headers: HeadersInput, secret?: Secrets): Effect.Effect<void, WebhookVerificationError> =>
  Effect.gen(function*() {
    const keys = yield* secretBytes(secret)
    const signatures = header(headers, "webhook-signature")
    // Sent twice, the id and the timestamp count once: the first value is the one the signature must cover.
    const timestamp = header(headers, "webhook-timestamp")?.[0]
    const id = header(headers, "webhook-id")?.[0]
    if (signatures === undefined) return yield* missing("webhook-signature")
    if (timestamp === undefined) return yield* missing("webhook-timestamp")
    if (id === undefined) return yield* missing("webhook-id")

    if (!/^\d{1,15}$/.test(timestamp)) {
      return yield* fail("InvalidTimestamp", "The webhook-timestamp header is not a number of seconds")
    }
    const sentAt = Number(timestamp)
    const now = Math.floor((yield* Clock.currentTimeMillis) / 1000)
    const tolerance = Duration.toSeconds(yield* Tolerance)
    if (now - sentAt > tolerance) {
      return yield* fail("TimestampTooOld", `The webhook was sent ${now - sentAt}s ago, more than the tolerance of ${tolerance}s`)
    }
    if (sentAt - now > tolerance) {
      return yield* fail("TimestampTooNew", `The webhook's timestamp is ${sentAt - now}s ahead, more than the tolerance of ${tolerance}s`)
    }

    const candidates = signatures.flatMap(v1Signatures)
    if (candidates.length === 0) {
      return yield* fail("NoMatchingSignature", "The webhook-signature header has no v1 signature")
    }
    const content = signedContent(id, timestamp, body)
    let matched = false
    for (const key of keys) {
      const expected = yield* hmacSha256(key, content)
      // Every candidate is compared, whichever matches: the time taken does not depend on where a match is.
      for (const candidate of candidates) matched = constantTimeEqual(candidate, expected) || matched
    }
    if (!matched) {
      return yield* fail("NoMatchingSignature", "No signature of the webhook-signature header matches the secret")
    }
  })

/**
 * {@link verify}, then the body parsed into its event. Unknown event types pass through unchanged.
 *
 * @since 0.1.0
 * @category verification
 */
export const unwrap = (body: Body, headers: HeadersInput, secret?: Secrets): Effect.Effect<Event, WebhookVerificationError> =>
  Effect.zipRight(verify(body, headers, secret), Effect.suspend(() => parse(body)))

// ---------------------------------------------------------------------------------------------------------------
// The machinery.
// ---------------------------------------------------------------------------------------------------------------

const fail = (reason: WebhookVerificationReason, message: string, cause?: unknown) =>
  Effect.fail(
    new WebhookVerificationError(
      cause === undefined ? { reason, message, header: undefined } : { reason, message, header: undefined, cause }
    )
  )

const missing = (name: "webhook-id" | "webhook-timestamp" | "webhook-signature") =>
  Effect.fail(new WebhookVerificationError({ reason: "MissingHeader", message: `The ${name} header is missing`, header: name }))

const isArray = (u: unknown): u is ReadonlyArray<unknown> => Array.isArray(u)

const isWebHeaders = (u: unknown): u is Headers =>
  typeof u === "object" && u !== null && typeof (u as { get?: unknown }).get === "function"

/** Every non-empty value of a header, whatever form the headers come in; `undefined` when there is none. */
const header = (headers: HeadersInput, name: string): Array<string> | undefined => {
  const values: Array<string> = []
  const add = (value: unknown): void => {
    if (typeof value === "string") {
      if (value.trim() !== "") values.push(value.trim())
    } else if (isArray(value)) {
      for (const v of value) add(v)
    }
  }
  if (isWebHeaders(headers)) {
    add(headers.get(name))
  } else if (isArray(headers)) {
    for (const pair of headers) if (isArray(pair) && String(pair[0]).toLowerCase() === name) add(pair[1])
  } else {
    for (const key of Object.keys(headers)) if (key.toLowerCase() === name) add(headers[key])
  }
  return values.length === 0 ? undefined : values
}

/**
 * The `v1` signatures of one header value, decoded; other versions and unreadable entries are passed over. A
 * header given twice and joined by `Headers` (`a, b`) leaves a comma after an entry, which base64 never has.
 */
const v1Signatures = (value: string): Array<Uint8Array> => {
  const out: Array<Uint8Array> = []
  for (const entry of value.split(/\s+/)) {
    if (!entry.startsWith("v1,")) continue
    const bytes = decodeBase64(entry.slice(3).replace(/,$/, ""))
    if (bytes !== undefined && bytes.length === 32) out.push(bytes)
  }
  return out
}

/** Base64, with or without its `=` padding, in the standard or the URL-safe alphabet. */
const decodeBase64 = (text: string): Uint8Array | undefined => {
  if (text.length % 4 === 1) return undefined
  const standard = text.replace(/-/g, "+").replace(/_/g, "/")
  const decoded = Encoding.decodeBase64(standard.length % 4 === 0 ? standard : standard + "=".repeat(4 - (standard.length % 4)))
  return Either.isRight(decoded) ? decoded.right : undefined
}

const encoder = new TextEncoder()

/** The secrets as key bytes; the default comes from `OPENAI_WEBHOOK_SECRET`. */
const secretBytes = (secret: Secrets | undefined): Effect.Effect<Array<Uint8Array>, WebhookVerificationError> =>
  Effect.gen(function*() {
    const given: ReadonlyArray<Secret> = secret === undefined
      ? yield* Config.option(Config.redacted("OPENAI_WEBHOOK_SECRET")).pipe(
        Effect.map((found) => (found._tag === "Some" ? [found.value] : [])),
        // A provider that cannot read the variable leaves no secret either (the error names the variable only).
        Effect.orElseSucceed(() => [])
      )
      : isArray(secret)
      ? secret
      : [secret as Secret]
    const keys: Array<Uint8Array> = []
    for (const s of given) {
      const text = (Redacted.isRedacted(s) ? Redacted.value(s) : s).trim()
      if (text === "") continue
      if (!text.startsWith("whsec_")) {
        keys.push(encoder.encode(text))
        continue
      }
      const bytes = decodeBase64(text.slice("whsec_".length))
      if (bytes === undefined || bytes.length === 0) {
        return yield* fail("InvalidSecret", "A webhook secret starts with whsec_ but the rest is not base64")
      }
      keys.push(bytes)
    }
    if (keys.length === 0) {
      return yield* fail(
        "MissingSecret",
        secret === undefined
          ? "No webhook secret: set OPENAI_WEBHOOK_SECRET or pass the secret"
          : "No webhook secret: the secret given is empty"
      )
    }
    return keys
  })

/** `${id}.${timestamp}.` then the body's own bytes (bytes are not decoded and encoded again). */
const signedContent = (id: string, timestamp: string, body: Body): Uint8Array<ArrayBuffer> => {
  const prefix = encoder.encode(`${id}.${timestamp}.`)
  const rest = typeof body === "string" ? encoder.encode(body) : body
  const out = new Uint8Array(prefix.length + rest.length)
  out.set(prefix, 0)
  out.set(rest, prefix.length)
  return out
}

const hmacSha256 = (key: Uint8Array, content: Uint8Array<ArrayBuffer>): Effect.Effect<Uint8Array> => {
  const subtle = globalThis.crypto?.subtle
  if (subtle === undefined) return Effect.dieMessage("Webhooks need WebCrypto (globalThis.crypto.subtle), which this runtime lacks")
  return Effect.promise(async () => {
    const cryptoKey = await subtle.importKey("raw", Uint8Array.from(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"])
    return new Uint8Array(await subtle.sign("HMAC", cryptoKey, content))
  })
}

/** Equal bytes, in a time that depends on the length only. */
const constantTimeEqual = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false
  let difference = 0
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!
  return difference === 0
}

const decoder = new TextDecoder("utf-8", { fatal: true })

const parse = (body: Body): Effect.Effect<Event, WebhookVerificationError> => {
  let value: unknown
  try {
    value = JSON.parse(typeof body === "string" ? body : decoder.decode(body))
  } catch (cause) {
    return fail("InvalidJson", "The webhook's body is not JSON", cause)
  }
  if (typeof value !== "object" || value === null || Array.isArray(value) || typeof (value as { type?: unknown }).type !== "string") {
    return fail("InvalidJson", "The webhook's body is not an event: a JSON object with a string `type`")
  }
  return Effect.succeed(value as Event)
}
