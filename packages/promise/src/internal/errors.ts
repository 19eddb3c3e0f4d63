/**
 * The core's tagged errors as the official SDK's classes. Each class keeps the official fields; the finer tags of
 * the core become subclasses of the nearest official class.
 */
import type * as CoreError from "@effect-openai/openai/OpenAIError"
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  InsufficientQuotaError,
  InvalidInputError,
  OAuthError,
  type OpenAIError,
  ResponseDecodeError,
  ResumeNotAvailableError,
  statusClass,
  StreamError,
  StreamTruncatedError,
  SubjectTokenProviderError,
  UploadError
} from "../core/error.js"

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** The body's `error` object as sent, or the flat error object some endpoints send. */
const errorObject = (body: unknown): Object | undefined => {
  if (!isRecord(body)) return undefined
  if (body.error !== undefined && body.error !== null) return body.error as Object
  return typeof body.message === "string" ? body : undefined
}

/** The message the official SDK gives when the body is not JSON: its text. */
const textOf = (body: unknown): string | undefined => (typeof body === "string" && body !== "" ? body : undefined)

export const toHeaders = (record: Readonly<Record<string, string>>): Headers => {
  const headers = new Headers()
  for (const key in record) {
    try {
      headers.set(key, record[key]!)
    } catch {
      // a value `Headers` refuses (not ByteString) is left out
    }
  }
  return headers
}

/**
 * The official class of a core error. `responseHeaders` are those of the stream the error came in, if any: an
 * error event carries them (and so its `requestID`), as in the official SDK.
 */
export const fromCore = (error: CoreError.OpenAIError, responseHeaders?: Readonly<Record<string, string>>): OpenAIError => {
  switch (error._tag) {
    case "BadRequestError":
    case "AuthenticationError":
    case "PermissionDeniedError":
    case "NotFoundError":
    case "ConflictError":
    case "UnprocessableEntityError":
    case "RateLimitError":
    case "InternalServerError":
    case "APIError": {
      const Class = statusClass(error.status)
      return new Class(error.status, errorObject(error.body), textOf(error.body), toHeaders(error.headers))
    }
    case "InsufficientQuotaError":
      return new InsufficientQuotaError(429, errorObject(error.body), textOf(error.body), toHeaders(error.headers))
    case "APIConnectionError":
      return new APIConnectionError({
        message: error.message,
        cause: error.cause instanceof Error ? error.cause : undefined
      })
    case "APIConnectionTimeoutError":
      return new APIConnectionTimeoutError({ message: error.message })
    case "ResponseDecodeError":
      return new ResponseDecodeError(error.status, error.message, undefined, error.body)
    case "StreamError": {
      const event = error.event
      const inner = isRecord(event) && isRecord(event.error) ? event.error : event
      // The official message is the error object's own; the core's message when the event has none.
      const headers = responseHeaders === undefined ? undefined : toHeaders(responseHeaders)
      const failure = new StreamError(undefined, isRecord(inner) ? inner : undefined, error.message, headers)
      // An error event before the stream was handed over (its first event) comes without the headers; its id does.
      if (headers === undefined) (failure as { requestID: string | null | undefined }).requestID = error.requestId
      return failure
    }
    case "StreamTruncatedError":
      return new StreamTruncatedError({ message: error.message, eventsReceived: error.eventsReceived })
    case "InvalidInputError":
      return new InvalidInputError(error.message, { cause: error.cause })
    case "UploadError":
      return new UploadError(error.message, { cause: error.cause })
    case "OAuthError":
      return new OAuthError(
        error.status,
        isRecord(error.body) ? error.body : undefined,
        error.message,
        toHeaders(error.headers)
      )
    case "SubjectTokenProviderError":
      return new SubjectTokenProviderError(
        error.message,
        error.provider,
        error.cause instanceof Error ? error.cause : undefined
      )
  }
}

/** The core's refusal to stream a response again, as the facade's `ResumeNotAvailableError` (a `BadRequestError`). */
export const fromResumeNotAvailable = (error: CoreError.ResumeNotAvailableError): ResumeNotAvailableError =>
  new ResumeNotAvailableError(
    errorObject(error.cause.body),
    textOf(error.cause.body),
    toHeaders(error.cause.headers),
    error.responseId,
    error.startingAfter ?? null
  )
