import type * as HttpClientError from "@effect/platform/HttpClientError"
import { isRecord } from "effect/Predicate"
import * as OpenAIError from "../OpenAIError.js"
import { parseRateLimit } from "./headers.js"
import * as Redact from "./redact.js"

/** Raw text kept on decode errors is cut here so one bad body cannot pin megabytes in an error. */
export const maxKeptBody = 64 * 1024

export const cut = (text: string): string => (text.length > maxKeptBody ? text.slice(0, maxKeptBody) : text)

const str = (u: unknown): string | undefined => (typeof u === "string" ? u : typeof u === "number" ? String(u) : undefined)

/** Reads `{ message, type, param, code }` flat or nested under `error`. */
export const decodeErrorObject = (body: unknown): OpenAIError.APIErrorObject | undefined => {
  if (!isRecord(body)) return undefined
  const inner = isRecord(body.error) ? body.error : body
  const message = str(inner.message)
  const type = str(inner.type)
  const param = str(inner.param)
  const code = str(inner.code)
  if (message === undefined && type === undefined && code === undefined && param === undefined) return undefined
  return { message, type, param, code }
}

/** Parses a body as JSON when it looks like JSON, keeping the text otherwise. */
export const parseBody = (text: string): unknown => {
  const first = text.trimStart().charCodeAt(0)
  if (first === 123 /* { */ || first === 91 /* [ */) {
    try {
      return JSON.parse(text)
    } catch {
      return text
    }
  }
  return text
}

const statusNames: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  408: "Request Timeout",
  409: "Conflict",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout"
}

/**
 * Builds the tagged error for a non-2xx response. `text` is the body as read (at most the cap); the client's
 * credentials are taken out of it and out of the headers before anything is kept.
 */
export const fromStatus = (
  status: number,
  rawHeaders: Readonly<Record<string, string>>,
  rawText: string,
  redactor: Redact.Redactor
): OpenAIError.StatusError => {
  const text = redactor.text(rawText)
  const headers = Redact.headers(redactor, rawHeaders)
  const body = text === "" ? undefined : parseBody(text)
  const error = decodeErrorObject(body)
  const requestId = headers["x-request-id"]
  const detail = error?.message ??
    (typeof body === "string" && body.trim() !== "" ? body.trim().slice(0, 300) : statusNames[status] ?? "status code")
  const message = `${status} ${detail}${requestId === undefined ? "" : ` (request ${requestId})`}`
  const fields: OpenAIError.StatusErrorFields = {
    message,
    status,
    headers,
    requestId,
    error,
    body: typeof body === "string" ? cut(body) : body,
    rateLimit: parseRateLimit(headers)
  }
  switch (status) {
    case 400:
      return new OpenAIError.BadRequestError(fields)
    case 401:
      return new OpenAIError.AuthenticationError(fields)
    case 403:
      return new OpenAIError.PermissionDeniedError(fields)
    case 404:
      return new OpenAIError.NotFoundError(fields)
    case 409:
      return new OpenAIError.ConflictError(fields)
    case 422:
      return new OpenAIError.UnprocessableEntityError(fields)
    case 429:
      return OpenAIError.isQuotaExhausted(error)
        ? new OpenAIError.InsufficientQuotaError(fields)
        : new OpenAIError.RateLimitError(fields)
    default:
      return status >= 500 ? new OpenAIError.InternalServerError(fields) : new OpenAIError.APIError(fields)
  }
}

const describe = (cause: unknown): string => {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code
    const inner = (cause as { cause?: unknown }).cause
    const base = typeof code === "string" ? `${cause.message} (${code})` : cause.message
    return inner instanceof Error && inner.message !== cause.message ? `${base}: ${describe(inner)}` : base
  }
  return String(cause)
}

/**
 * Maps a transport failure to `APIConnectionError`. The platform error carries the request, headers and all,
 * so only its underlying cause is kept: credentials never travel inside our errors.
 */
export const fromTransport = (
  error: HttpClientError.HttpClientError,
  method: string,
  url: string
): OpenAIError.APIConnectionError => fromCause(error.cause ?? error.reason, method, url)

/** A body that failed while being read (the connection dropped): `APIConnectionError` with the cause. */
export const fromCause = (cause: unknown, method: string, url: string): OpenAIError.APIConnectionError => {
  // A platform error wraps the underlying cause (and the request, which is not kept).
  const inner = isRecord(cause) && typeof cause._tag === "string" && cause.cause !== undefined ? cause.cause : cause
  return new OpenAIError.APIConnectionError({
    message: `connection error on ${method} ${url}: ${typeof inner === "string" ? inner : describe(inner)}`,
    method,
    url,
    cause: inner
  })
}
