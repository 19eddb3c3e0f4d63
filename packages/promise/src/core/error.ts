/**
 * The error classes of the official SDK, with its fields, so that code written for it keeps catching what it
 * caught. Errors the Effect core tells apart more finely are subclasses of the nearest official class: a quota
 * exhausted 429 is still a `RateLimitError`, a truncated stream still an `APIConnectionError`.
 */

/** Every error this package throws. */
export class OpenAIError extends Error {}

type ErrorBody = Object

const describe = (status: number | undefined, error: ErrorBody | undefined, message: string | undefined): string => {
  const own = (error as { message?: unknown } | undefined)?.message
  const text = own !== undefined && own !== null && own !== ""
    ? typeof own === "string" ? own : JSON.stringify(own)
    : error !== undefined && error !== null
    ? JSON.stringify(error)
    : message
  if (status !== undefined && text) return `${status} ${text}`
  if (status !== undefined) return `${status} status code (no body)`
  return text || "(no status code or body)"
}

/** A request that failed: an HTTP status (`status`, `headers`, `error`), or no response at all. */
export class APIError<
  TStatus extends number | undefined = number | undefined,
  THeaders extends Headers | undefined = Headers | undefined,
  TError extends ErrorBody | undefined = ErrorBody | undefined
> extends OpenAIError {
  readonly status: TStatus
  readonly headers: THeaders
  /** The error object of the body (its `error` field), as the server sent it. */
  readonly error: TError
  readonly code: string | null | undefined
  readonly param: string | null | undefined
  readonly type: string | undefined
  /** The `x-request-id` header. */
  readonly requestID: string | null | undefined

  constructor(status: TStatus, error: TError, message: string | undefined, headers: THeaders) {
    super(describe(status, error, message))
    this.status = status
    this.headers = headers
    this.requestID = headers?.get("x-request-id")
    this.error = error
    const fields = error as { code?: string | null; param?: string | null; type?: string } | undefined
    this.code = fields?.code
    this.param = fields?.param
    this.type = fields?.type
  }

  /** The class the official SDK uses for a status. */
  static generate(
    status: number | undefined,
    errorResponse: ErrorBody | undefined,
    message: string | undefined,
    headers: Headers | undefined
  ): APIError {
    if (status === undefined || headers === undefined) {
      return new APIConnectionError({ message, cause: errorResponse instanceof Error ? errorResponse : undefined })
    }
    const error = (errorResponse as { error?: ErrorBody } | undefined)?.error
    const Class = classForStatus(status)
    return new Class(status, error, message, headers)
  }
}

/** The caller aborted: its `signal`, or `controller.abort()` on a stream. */
export class APIUserAbortError extends APIError<undefined, undefined, undefined> {
  constructor({ message }: { message?: string } = {}) {
    super(undefined, undefined, message || "Request was aborted.", undefined)
  }
}

/** No response: refused, reset, DNS, TLS, or the connection dropped mid-body. */
export class APIConnectionError extends APIError<undefined, undefined, undefined> {
  constructor({ message, cause }: { message?: string | undefined; cause?: Error | undefined }) {
    super(undefined, undefined, message || "Connection error.", undefined)
    if (cause !== undefined) (this as { cause?: unknown }).cause = cause
  }
}

/** A time limit ran out. */
export class APIConnectionTimeoutError extends APIConnectionError {
  constructor({ message }: { message?: string } = {}) {
    super({ message: message ?? "Request timed out." })
  }
}

export class BadRequestError extends APIError<400, Headers> {}
export class AuthenticationError extends APIError<401, Headers> {}
export class PermissionDeniedError extends APIError<403, Headers> {}
export class NotFoundError extends APIError<404, Headers> {}
export class ConflictError extends APIError<409, Headers> {}
export class UnprocessableEntityError extends APIError<422, Headers> {}
export class RateLimitError extends APIError<429, Headers> {}
export class InternalServerError extends APIError<number, Headers> {}

/** A 429 that says the quota or billing is exhausted: waiting does not help, so it is never retried. */
export class InsufficientQuotaError extends RateLimitError {}

/** The server sent an error event in the middle of a stream; `headers` are the stream's response headers. */
export class StreamError extends APIError<undefined, Headers | undefined, ErrorBody | undefined> {}

/** A stream ended without its terminal event: what arrived is not the whole answer. */
export class StreamTruncatedError extends APIConnectionError {
  /** How many events arrived before the end. */
  readonly eventsReceived: number
  constructor({ message, eventsReceived }: { message: string; eventsReceived: number }) {
    super({ message })
    this.eventsReceived = eventsReceived
  }
}

/** A body or event that is not what the API promises (invalid JSON, an oversized event, a list without data). */
export class ResponseDecodeError extends APIError<number | undefined, Headers | undefined, undefined> {
  /** The raw text, cut at 64 KiB, with credentials taken out. */
  readonly body: string
  constructor(status: number | undefined, message: string, headers: Headers | undefined, body: string) {
    super(status, undefined, message, headers)
    this.body = body
  }
}

/** Arguments refused before anything was sent (a path parameter, a header, a file that cannot be read). */
export class InvalidInputError extends OpenAIError {}

/** A file given to an upload could not be read (a missing path, a stream that failed). Nothing was sent. */
export class UploadError extends OpenAIError {}

/**
 * Workload identity: the token exchange refused the subject token (400, 401, 403), redirected, or answered
 * without an access token. `error_code` is the OAuth `error`; nothing in it shows a token.
 */
export class OAuthError extends APIError<number, Headers> {
  readonly error_code: string | undefined
  constructor(status: number, error: ErrorBody | undefined, message: string | undefined, headers: Headers) {
    super(status, error, message, headers)
    // The core's wording says what was refused and why; the answer's fields stay in `error` and `error_code`.
    if (message !== undefined) this.message = message
    const code = (error as { error?: unknown } | undefined)?.error
    this.error_code = typeof code === "string" ? code : undefined
  }
}

/** Workload identity: the subject-token provider could not get a token. `provider` names it. */
export class SubjectTokenProviderError extends OpenAIError {
  readonly provider: string
  override readonly cause: Error | undefined
  constructor(message: string, provider: string, cause?: Error) {
    super(message)
    this.provider = provider
    this.cause = cause
  }
}

/** `parse` and the format helpers: the answer was cut by the token limit (`finish_reason: "length"`). */
export class LengthFinishReasonError extends OpenAIError {
  constructor() {
    super("The answer was cut by the token limit (finish reason `length`), so its content cannot be parsed.")
  }
}

/** `parse` and the format helpers: the content filter stopped the answer (`finish_reason: "content_filter"`). */
export class ContentFilterFinishReasonError extends OpenAIError {
  constructor() {
    super("The answer was stopped by the content filter, so its content cannot be parsed.")
  }
}

/**
 * A format or tool helper was given a schema strict structured outputs cannot express (a tuple, a record, a union at
 * the root, a value without a JSON form), or no JSON Schema at all. Thrown when the format is made: nothing is sent.
 */
export class UnsupportedSchemaError extends OpenAIError {
  /** The response format's or tool's name. */
  readonly schemaName: string
  /** Where in the schema: `$` is the root, `$.items[]` an array's items, `$.a.anyOf[1]` a union's member. */
  readonly path: string
  readonly reason: string
  constructor({ schemaName, path, reason }: { schemaName: string; path: string; reason: string }) {
    super(`The schema of "${schemaName}" cannot be a strict structured output: at ${path}, ${reason}`)
    this.schemaName = schemaName
    this.path = path
    this.reason = reason
  }
}

/**
 * `parse`: an answer (message content, or a tool call's arguments) that is not JSON or that its schema refuses.
 * `text` is the raw answer; `cause` the `SyntaxError`, the schema library's error or its issues.
 */
export class StructuredOutputParseError extends OpenAIError {
  /** The response format's or tool's name. */
  readonly schemaName: string
  readonly text: string
  override readonly cause: unknown
  constructor({ schemaName, text, issue, cause }: { schemaName: string; text: string; issue: string; cause: unknown }) {
    super(`The answer for "${schemaName}" does not match its schema: ${issue}`)
    this.schemaName = schemaName
    this.text = text
    this.cause = cause
  }
}

/**
 * `responses.stream({ ..., resume })`: the API refused to stream the response again (it was not created with
 * `background: true`, or it is too old to stream). A `BadRequestError` (400) with the API's `error`, `param` and
 * `code`, and the response it was about.
 */
export class ResumeNotAvailableError extends BadRequestError {
  readonly responseId: string
  /** The `starting_after` of the refused request; `null` when it asked from the start. */
  readonly startingAfter: number | null
  constructor(
    error: ErrorBody | undefined,
    message: string | undefined,
    headers: Headers,
    responseId: string,
    startingAfter: number | null
  ) {
    super(400, error, message, headers)
    this.responseId = responseId
    this.startingAfter = startingAfter
  }
}

/** A webhook whose signature does not verify. */
export class InvalidWebhookSignatureError extends Error {
  constructor(message: string) {
    super(message)
  }
}

// Errors print their class name (`BadRequestError: 400 ...`), also after a minifier has renamed the classes.
for (
  const [Class, name] of [
    [OpenAIError, "OpenAIError"],
    [APIError, "APIError"],
    [APIUserAbortError, "APIUserAbortError"],
    [APIConnectionError, "APIConnectionError"],
    [APIConnectionTimeoutError, "APIConnectionTimeoutError"],
    [BadRequestError, "BadRequestError"],
    [AuthenticationError, "AuthenticationError"],
    [PermissionDeniedError, "PermissionDeniedError"],
    [NotFoundError, "NotFoundError"],
    [ConflictError, "ConflictError"],
    [UnprocessableEntityError, "UnprocessableEntityError"],
    [RateLimitError, "RateLimitError"],
    [InternalServerError, "InternalServerError"],
    [InsufficientQuotaError, "InsufficientQuotaError"],
    [ResumeNotAvailableError, "ResumeNotAvailableError"],
    [StreamError, "StreamError"],
    [StreamTruncatedError, "StreamTruncatedError"],
    [ResponseDecodeError, "ResponseDecodeError"],
    [InvalidInputError, "InvalidInputError"],
    [UploadError, "UploadError"],
    [InvalidWebhookSignatureError, "InvalidWebhookSignatureError"],
    [OAuthError, "OAuthError"],
    [SubjectTokenProviderError, "SubjectTokenProviderError"],
    [LengthFinishReasonError, "LengthFinishReasonError"],
    [ContentFilterFinishReasonError, "ContentFilterFinishReasonError"],
    [UnsupportedSchemaError, "UnsupportedSchemaError"],
    [StructuredOutputParseError, "StructuredOutputParseError"]
  ] as const
) Object.defineProperty(Class.prototype, "name", { value: name, writable: true, configurable: true })

type StatusClass = new(status: number, error: ErrorBody | undefined, message: string | undefined, headers: Headers) => APIError

const classForStatus = (status: number): StatusClass => {
  switch (status) {
    case 400:
      return BadRequestError as unknown as StatusClass
    case 401:
      return AuthenticationError as unknown as StatusClass
    case 403:
      return PermissionDeniedError as unknown as StatusClass
    case 404:
      return NotFoundError as unknown as StatusClass
    case 409:
      return ConflictError as unknown as StatusClass
    case 422:
      return UnprocessableEntityError as unknown as StatusClass
    case 429:
      return RateLimitError as unknown as StatusClass
    default:
      return (status >= 500 ? InternalServerError : APIError) as unknown as StatusClass
  }
}

/** @internal */
export const statusClass = classForStatus
