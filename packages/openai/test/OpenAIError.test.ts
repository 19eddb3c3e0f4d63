import { assert, describe, it } from "@effect/vitest"
import { Duration } from "effect"
import * as OpenAIError from "../src/OpenAIError.js"
import { fromStatus } from "../src/internal/errors.js"
import * as Redact from "../src/internal/redact.js"

const status = (code: number, headers: Record<string, string> = {}, body: unknown = { error: { message: "m" } }) =>
  fromStatus(code, headers, JSON.stringify(body), Redact.none)

const connection = new OpenAIError.APIConnectionError({ message: "reset", method: "GET", url: "u", cause: undefined })
const timeout = new OpenAIError.APIConnectionTimeoutError({
  message: "slow",
  method: "GET",
  url: "u",
  phase: "request",
  timeout: Duration.seconds(1)
})

describe("retryRule and isRetryable", () => {
  it("statuses: 408, 409, 429 and 5xx are retried; other 4xx are not", () => {
    for (const code of [408, 409, 429, 500, 502, 503]) assert.strictEqual(OpenAIError.retryRule(status(code)), "retry", String(code))
    for (const code of [400, 401, 403, 404, 422, 418]) assert.strictEqual(OpenAIError.retryRule(status(code)), "no", String(code))
    assert.isTrue(OpenAIError.isRetryable(status(503)))
    assert.isFalse(OpenAIError.isRetryable(status(400)))
  })

  it("x-should-retry decides for a status error: true retries a 400, false stops a 503 for any schedule", () => {
    assert.strictEqual(OpenAIError.retryRule(status(400, { "x-should-retry": "true" })), "retry")
    assert.strictEqual(OpenAIError.retryRule(status(503, { "x-should-retry": "false" })), "never")
    assert.isTrue(OpenAIError.isRetryable(status(400, { "x-should-retry": "true" })))
    assert.isFalse(OpenAIError.isRetryable(status(503, { "x-should-retry": "false" })))
  })

  it("an exhausted quota is never retried, whatever the headers say", () => {
    const quota = status(429, { "x-should-retry": "true" }, { error: { message: "pay up", code: "insufficient_quota" } })
    assert.strictEqual(quota._tag, "InsufficientQuotaError")
    assert.strictEqual(OpenAIError.retryRule(quota), "never")
    const billing = status(429, {}, { error: { message: "limit", type: "billing_hard_limit_reached" } })
    assert.strictEqual(billing._tag, "InsufficientQuotaError")
    assert.isFalse(OpenAIError.isRetryable(billing))
    assert.strictEqual(status(429, {}, { error: { message: "slow down", code: "rate_limit_exceeded" } })._tag, "RateLimitError")
  })

  it("connection errors and timeouts are retried; decoding and stream failures may be by a custom schedule; bad input never", () => {
    assert.strictEqual(OpenAIError.retryRule(connection), "retry")
    assert.strictEqual(OpenAIError.retryRule(timeout), "retry")
    const decode = new OpenAIError.ResponseDecodeError({ message: "bad", status: 200, requestId: undefined, body: "" })
    const truncated = new OpenAIError.StreamTruncatedError({ message: "cut", requestId: undefined, eventsReceived: 1, lastEventType: undefined })
    const streamError = new OpenAIError.StreamError({ message: "e", code: undefined, type: undefined, param: undefined, requestId: undefined, event: {} })
    for (const error of [decode, truncated, streamError]) assert.strictEqual(OpenAIError.retryRule(error), "no", error._tag)
    assert.strictEqual(OpenAIError.retryRule(new OpenAIError.InvalidInputError({ message: "x" })), "never")
    assert.strictEqual(OpenAIError.retryRule(new OpenAIError.UploadError({ message: "x" })), "never")
  })

  it("guards recognise every tag and nothing else", () => {
    assert.isTrue(OpenAIError.isOpenAIError(status(500)))
    assert.isTrue(OpenAIError.isOpenAIError(new OpenAIError.UploadError({ message: "x" })))
    assert.isTrue(OpenAIError.isStatusError(status(404)))
    assert.isFalse(OpenAIError.isStatusError(connection))
    assert.isFalse(OpenAIError.isOpenAIError({ _tag: "SomethingElse" }))
    assert.isFalse(OpenAIError.isOpenAIError(new Error("plain")))
  })
})
