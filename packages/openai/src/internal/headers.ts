import * as Duration from "effect/Duration"
import type { RateLimit } from "../OpenAIError.js"

/** Header names whose values never leave the client: not in logs, errors, spans or `toString()`. */
export const secretHeaderNames: ReadonlySet<string> = new Set([
  "authorization",
  "api-key",
  "x-api-key",
  "cookie",
  "set-cookie",
  "openai-organization",
  "openai-project",
  "proxy-authorization"
])

/** A copy of `headers` with every secret value replaced. */
export const redactHeaders = (headers: Readonly<Record<string, string>>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const name in headers) {
    out[name] = secretHeaderNames.has(name.toLowerCase()) ? "<redacted>" : headers[name]!
  }
  return out
}

const unitMillis: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, "µs": 0.001, ns: 0.000001 }
const durationPart = /(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/y

/**
 * Parses the Go-style durations of `x-ratelimit-reset-*` (`6m0s`, `17ms`, `1h2m3.5s`); a bare number is
 * seconds. Anything else is `undefined`.
 */
export const parseResetDuration = (value: string | undefined): Duration.Duration | undefined => {
  if (value === undefined) return undefined
  const text = value.trim()
  if (text === "") return undefined
  if (/^\d+(?:\.\d+)?$/.test(text)) return Duration.millis(Number(text) * 1000)
  let millis = 0
  let index = 0
  durationPart.lastIndex = 0
  while (index < text.length) {
    durationPart.lastIndex = index
    const match = durationPart.exec(text)
    if (match === null) return undefined
    millis += Number(match[1]) * unitMillis[match[2]!]!
    index = durationPart.lastIndex
  }
  return Duration.millis(millis)
}

const parseCount = (value: string | undefined): number | undefined => {
  if (value === undefined || value.trim() === "") return undefined
  const n = Number(value)
  return Number.isFinite(n) ? n : undefined
}

/** Reads `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`. */
export const parseRateLimit = (headers: Readonly<Record<string, string>>): RateLimit => ({
  limitRequests: parseCount(headers["x-ratelimit-limit-requests"]),
  limitTokens: parseCount(headers["x-ratelimit-limit-tokens"]),
  remainingRequests: parseCount(headers["x-ratelimit-remaining-requests"]),
  remainingTokens: parseCount(headers["x-ratelimit-remaining-tokens"]),
  resetRequests: parseResetDuration(headers["x-ratelimit-reset-requests"]),
  resetTokens: parseResetDuration(headers["x-ratelimit-reset-tokens"])
})

/**
 * How long the server asks us to wait: `retry-after-ms`, then `retry-after` as seconds or an HTTP date.
 * Only a wait above 0 and at most `cap` counts; otherwise `undefined` (fall back to backoff).
 */
export const parseRetryAfter = (
  headers: Readonly<Record<string, string>>,
  cap: Duration.Duration,
  now: number
): Duration.Duration | undefined => {
  let millis: number | undefined
  const ms = headers["retry-after-ms"]
  if (ms !== undefined && ms.trim() !== "") {
    const n = Number(ms)
    if (Number.isFinite(n)) millis = n
  }
  if (millis === undefined) {
    const value = headers["retry-after"]
    if (value !== undefined && value.trim() !== "") {
      const seconds = Number(value)
      if (Number.isFinite(seconds)) {
        millis = seconds * 1000
      } else {
        const date = Date.parse(value)
        if (Number.isFinite(date)) millis = date - now
      }
    }
  }
  if (millis === undefined || !(millis > 0) || millis > Duration.toMillis(cap)) return undefined
  return Duration.millis(millis)
}
