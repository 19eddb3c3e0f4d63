import { assert, describe, it } from "@effect/vitest"
import { Duration } from "effect"
import { parseRateLimit, parseResetDuration, parseRetryAfter, redactHeaders } from "../src/internal/headers.js"

const millis = (duration: Duration.Duration | undefined): number | undefined =>
  duration === undefined ? undefined : Duration.toMillis(duration)

describe("parseResetDuration", () => {
  const cases: ReadonlyArray<readonly [string | undefined, number | undefined]> = [
    ["6m0s", 360_000],
    ["17ms", 17],
    ["1s", 1_000],
    ["0.5s", 500],
    ["1h2m3.5s", 3_723_500],
    ["2m30s", 150_000],
    ["1m1ms", 60_001],
    ["1500us", 1.5],
    ["2", 2_000],
    ["0.25", 250],
    [" 3s ", 3_000],
    ["0s", 0],
    ["", undefined],
    ["   ", undefined],
    [undefined, undefined],
    ["garbage", undefined],
    ["1x", undefined],
    ["1s garbage", undefined],
    ["s", undefined],
    ["-1s", undefined],
    ["1.s", undefined],
    ["1 s", undefined]
  ]

  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} -> ${expected === undefined ? "undefined" : `${expected} ms`}`, () => {
      assert.strictEqual(millis(parseResetDuration(input)), expected)
    })
  }

  it("does not carry state between calls", () => {
    assert.strictEqual(millis(parseResetDuration("1x")), undefined)
    assert.strictEqual(millis(parseResetDuration("1s")), 1_000)
    assert.strictEqual(millis(parseResetDuration("5ms")), 5)
  })
})

describe("parseRateLimit", () => {
  it("reads the six x-ratelimit headers", () => {
    const rateLimit = parseRateLimit({
      "x-ratelimit-limit-requests": "10000",
      "x-ratelimit-limit-tokens": "2000000",
      "x-ratelimit-remaining-requests": "9999",
      "x-ratelimit-remaining-tokens": "1999500",
      "x-ratelimit-reset-requests": "6ms",
      "x-ratelimit-reset-tokens": "6m0s"
    })
    assert.strictEqual(rateLimit.limitRequests, 10_000)
    assert.strictEqual(rateLimit.limitTokens, 2_000_000)
    assert.strictEqual(rateLimit.remainingRequests, 9_999)
    assert.strictEqual(rateLimit.remainingTokens, 1_999_500)
    assert.strictEqual(millis(rateLimit.resetRequests), 6)
    assert.strictEqual(millis(rateLimit.resetTokens), 360_000)
  })

  it("leaves missing, empty and unreadable values undefined", () => {
    const rateLimit = parseRateLimit({
      "x-ratelimit-limit-requests": "",
      "x-ratelimit-remaining-requests": "lots",
      "x-ratelimit-remaining-tokens": "0",
      "x-ratelimit-reset-requests": "soon",
      "content-type": "application/json"
    })
    assert.deepStrictEqual(rateLimit, {
      limitRequests: undefined,
      limitTokens: undefined,
      remainingRequests: undefined,
      remainingTokens: 0,
      resetRequests: undefined,
      resetTokens: undefined
    })
  })
})

describe("parseRetryAfter", () => {
  const cap = Duration.seconds(60)
  const now = Date.parse("Wed, 21 Oct 2015 07:28:00 GMT")
  const retryAfter = (headers: Record<string, string>) => millis(parseRetryAfter(headers, cap, now))

  it("prefers retry-after-ms over retry-after", () => {
    assert.strictEqual(retryAfter({ "retry-after-ms": "1500", "retry-after": "30" }), 1_500)
    assert.strictEqual(retryAfter({ "retry-after-ms": "250.5" }), 250.5)
  })

  it("falls back to retry-after when retry-after-ms is empty or unreadable", () => {
    assert.strictEqual(retryAfter({ "retry-after-ms": "soon", "retry-after": "3" }), 3_000)
    assert.strictEqual(retryAfter({ "retry-after-ms": " ", "retry-after": "3" }), 3_000)
  })

  it("reads retry-after as seconds", () => {
    assert.strictEqual(retryAfter({ "retry-after": "2" }), 2_000)
    assert.strictEqual(retryAfter({ "retry-after": "0.5" }), 500)
  })

  it("reads retry-after as an HTTP date relative to now", () => {
    assert.strictEqual(retryAfter({ "retry-after": "Wed, 21 Oct 2015 07:28:30 GMT" }), 30_000)
    assert.strictEqual(millis(parseRetryAfter({ "retry-after": "Wed, 21 Oct 2015 07:28:30 GMT" }, cap, now + 10_000)), 20_000)
  })

  it("ignores an HTTP date that is now or in the past", () => {
    assert.strictEqual(retryAfter({ "retry-after": "Wed, 21 Oct 2015 07:28:00 GMT" }), undefined)
    assert.strictEqual(retryAfter({ "retry-after": "Wed, 21 Oct 2015 07:27:00 GMT" }), undefined)
  })

  it("ignores zero and negative waits", () => {
    assert.strictEqual(retryAfter({ "retry-after": "0" }), undefined)
    assert.strictEqual(retryAfter({ "retry-after": "-5" }), undefined)
    assert.strictEqual(retryAfter({ "retry-after-ms": "0" }), undefined)
    assert.strictEqual(retryAfter({ "retry-after-ms": "-100" }), undefined)
  })

  it("accepts a wait equal to the cap and ignores one above it", () => {
    assert.strictEqual(retryAfter({ "retry-after": "60" }), 60_000)
    assert.strictEqual(retryAfter({ "retry-after": "61" }), undefined)
    assert.strictEqual(retryAfter({ "retry-after-ms": "60001" }), undefined)
    assert.strictEqual(retryAfter({ "retry-after": "Wed, 21 Oct 2015 07:30:00 GMT" }), undefined)
    assert.strictEqual(millis(parseRetryAfter({ "retry-after": "61" }, Duration.minutes(2), now)), 61_000)
  })

  it("ignores garbage, empty and missing headers", () => {
    assert.strictEqual(retryAfter({ "retry-after": "soon" }), undefined)
    assert.strictEqual(retryAfter({ "retry-after": "" }), undefined)
    assert.strictEqual(retryAfter({ "retry-after": "Infinity" }), undefined)
    assert.strictEqual(retryAfter({}), undefined)
  })
})

describe("redactHeaders", () => {
  it("replaces secret values, matching names case-insensitively, and keeps the rest", () => {
    const headers = {
      Authorization: "Bearer sk-secret-1",
      "API-Key": "azure-secret-2",
      cookie: "session=secret-3",
      "Set-Cookie": "id=secret-4",
      "OpenAI-Organization": "org-secret-5",
      "openai-project": "proj_secret-6",
      "x-request-id": "req_123",
      "Content-Type": "application/json"
    }
    const redacted = redactHeaders(headers)
    assert.deepStrictEqual(Object.keys(redacted), Object.keys(headers))
    for (const name of ["Authorization", "API-Key", "cookie", "Set-Cookie", "OpenAI-Organization", "openai-project"]) {
      const value = redacted[name]
      assert.isDefined(value, name)
      assert.notInclude(value!, "secret", name)
      assert.notStrictEqual(value, headers[name as keyof typeof headers], name)
    }
    assert.strictEqual(redacted["x-request-id"], "req_123")
    assert.strictEqual(redacted["Content-Type"], "application/json")
    assert.notInclude(JSON.stringify(redacted), "secret")
  })

  it("does not modify its input", () => {
    const headers = { authorization: "Bearer sk-secret" }
    redactHeaders(headers)
    assert.strictEqual(headers.authorization, "Bearer sk-secret")
  })
})
