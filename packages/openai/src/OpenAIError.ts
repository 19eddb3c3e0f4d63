/**
 * Every way an OpenAI call can fail, as one flat union of tagged errors.
 *
 * | tag                         | when                                                  | retried by default |
 * |-----------------------------|-------------------------------------------------------|--------------------|
 * | `BadRequestError`           | HTTP 400                                              | no                 |
 * | `AuthenticationError`       | HTTP 401                                              | no                 |
 * | `PermissionDeniedError`     | HTTP 403                                              | no                 |
 * | `NotFoundError`             | HTTP 404                                              | no                 |
 * | `ConflictError`             | HTTP 409                                              | yes                |
 * | `UnprocessableEntityError`  | HTTP 422                                              | no                 |
 * | `RateLimitError`            | HTTP 429                                              | yes                |
 * | `InsufficientQuotaError`    | HTTP 429 whose code says quota or billing is exhausted | no                 |
 * | `InternalServerError`       | HTTP >= 500                                           | yes                |
 * | `APIError`                  | any other HTTP status (408 is retried)                | 408 only           |
 * | `APIConnectionError`        | DNS, refused, reset, TLS, aborted socket              | yes                |
 * | `APIConnectionTimeoutError` | attempt timeout, time to first event, stream idle     | yes (before data)  |
 * | `ResponseDecodeError`       | a body or event that cannot be read (raw text kept)   | no                 |
 * | `StreamError`               | an `error` event inside a stream                      | no                 |
 * | `StreamTruncatedError`      | a stream that ended before its terminal event         | no                 |
 * | `InvalidInputError`         | arguments the client refuses before sending anything  | no                 |
 * | `UploadError`               | a file to upload could not be read                    | no                 |
 * | `OAuthError`                | workload identity: the token exchange was refused     | no                 |
 * | `SubjectTokenProviderError` | workload identity: no subject token from the provider | no                 |
 *
 * Structured outputs (`StructuredOutput`) add their own family, {@link StructuredOutputError}: a schema strict mode
 * cannot express, refused before anything is sent; and, once the answer came, what keeps it from being decoded.
 * None is retried (the request succeeded; asking again is the caller's choice).
 *
 * Resumable streams (`ResponseStream.resumable`) add one, beside the union too: `ResumeNotAvailableError`, the API's
 * 400 to a request to stream a response again (it was not created with `background: true`, or it is too old to
 * stream). Not retried: asking again gets the same answer.
 *
 * | tag                              | when                                                                  |
 * |----------------------------------|-----------------------------------------------------------------------|
 * | `UnsupportedSchemaError`         | the schema has a construct strict mode cannot express; nothing sent   |
 * | `RefusalError`                   | the model refused (its refusal text is kept)                          |
 * | `LengthFinishReasonError`        | the answer was cut by the token limit, so its JSON is incomplete      |
 * | `ContentFilterFinishReasonError` | the content filter stopped the answer                                 |
 * | `StructuredOutputParseError`     | the answer is not JSON or does not decode with the schema (raw text kept) |
 *
 * The families, as operations' error types use them:
 * - {@link RequestError}: what any request can fail with (statuses, connection, timeouts, decoding, invalid input,
 *   and the {@link AuthFailure}s of credentials that are fetched, such as workload identity);
 * - {@link StreamFailure}: what a stream adds (`StreamError`, `StreamTruncatedError`), only on streaming operations;
 * - {@link UploadFailure}: what a file upload adds (`UploadError`), only on operations that send files.
 *
 * Webhooks (`Webhooks.verify`, `Webhooks.unwrap`) fail with one error outside the union, no request being made:
 * `WebhookVerificationError`, whose `reason` says why (`MissingSecret`, `InvalidSecret`, `MissingHeader`,
 * `InvalidTimestamp`, `TimestampTooOld`, `TimestampTooNew`, `NoMatchingSignature`, `InvalidJson`). The official SDK
 * has no one class for these (a bad signature or timestamp is its `InvalidWebhookSignatureError`, a missing secret
 * or header a plain `Error`), so the tag names what failed; the facade throws the official classes.
 *
 * Polling (`Polling.batch`, `Polling.createRun`, ...) adds two errors outside the union, in its own module as they
 * carry the polled object with its type: `PollFailedError` (the object ended `failed`, `cancelled`, `expired`, ...)
 * and `PollExhaustedError` (a schedule the caller gave ended first). Neither is retried.
 *
 * Realtime sessions (`RealtimeSession`, over WebSocket) have their own family, {@link RealtimeError}, beside the
 * union; nothing in it is retried, and a session given a `reconnect` schedule reconnects only after what
 * `RealtimeSession.isReconnectable` accepts:
 *
 * | tag                           | when                                                                | reconnected |
 * |-------------------------------|---------------------------------------------------------------------|-------------|
 * | `RealtimeConnectError`        | the socket could not be opened (`status`: the refused upgrade's)    | no status, 408, 429, 5xx |
 * | `RealtimeClosedError`         | the server closed (`code`, `reason`) or the connection dropped (1006) | 1001, 1005, 1006, 1011-1014 |
 * | `RealtimeSessionExpiredError` | an `error` event with code `session_expired`                        | yes         |
 * | `RealtimeServerError`         | an `error` event, only through `RealtimeSession.failOnServerError`  | no          |
 * | `RealtimeInvalidMessageError` | a frame that is not a JSON event, with `invalidMessage: "fail"`     | no          |
 *
 * A response header `x-should-retry: true|false` overrides the column above for status errors, except that
 * `InsufficientQuotaError` is never retried.
 * Tags equal the official SDK's class names where it has one, so the Promise facade maps each tag to one class.
 *
 * @since 0.1.0
 */
import type * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"
import * as Predicate from "effect/Predicate"

/**
 * The `{ message, type, param, code }` object the API sends with a failed status, flat or nested under `error`.
 *
 * @since 0.1.0
 * @category models
 */
export interface APIErrorObject {
  readonly message: string | undefined
  readonly type: string | undefined
  readonly param: string | undefined
  readonly code: string | undefined
}

/**
 * The parsed `x-ratelimit-*` headers of a response. Absent headers stay `undefined`.
 *
 * @since 0.1.0
 * @category models
 */
export interface RateLimit {
  readonly limitRequests: number | undefined
  readonly limitTokens: number | undefined
  readonly remainingRequests: number | undefined
  readonly remainingTokens: number | undefined
  readonly resetRequests: Duration.Duration | undefined
  readonly resetTokens: Duration.Duration | undefined
}

/**
 * What every HTTP status error carries.
 *
 * @since 0.1.0
 * @category models
 */
export interface StatusErrorFields {
  readonly message: string
  readonly status: number
  /** Response headers, lower-cased; cookies are redacted. */
  readonly headers: Readonly<Record<string, string>>
  /** The `x-request-id` header, the id OpenAI support asks for. */
  readonly requestId: string | undefined
  /** The decoded error object, when the body had one. */
  readonly error: APIErrorObject | undefined
  /** The body as parsed JSON, or its text when it was not JSON. */
  readonly body: unknown
  readonly rateLimit: RateLimit
}

/** Convenience accessors shared by every status error, named as in the official SDK. */
interface StatusErrorAccessors {
  readonly code: string | undefined
  readonly type: string | undefined
  readonly param: string | undefined
  /** The official SDK spells it `request_id`-ish as `requestID`; kept for parity. */
  readonly requestID: string | undefined
}

const StatusError = <Tag extends string>(tag: Tag) => {
  class Base extends Data.TaggedError(tag)<StatusErrorFields> {
    get code(): string | undefined {
      return this.error?.code
    }
    get type(): string | undefined {
      return this.error?.type
    }
    get param(): string | undefined {
      return this.error?.param
    }
    get requestID(): string | undefined {
      return this.requestId
    }
  }
  return Base as unknown as new(
    args: StatusErrorFields
  ) => Cause.YieldableError & { readonly _tag: Tag } & StatusErrorFields & StatusErrorAccessors
}

/**
 * HTTP 400.
 *
 * @since 0.1.0
 * @category errors
 */
export class BadRequestError extends StatusError("BadRequestError") {}

/**
 * HTTP 401: the key is missing, wrong or revoked.
 *
 * @since 0.1.0
 * @category errors
 */
export class AuthenticationError extends StatusError("AuthenticationError") {}

/**
 * HTTP 403.
 *
 * @since 0.1.0
 * @category errors
 */
export class PermissionDeniedError extends StatusError("PermissionDeniedError") {}

/**
 * HTTP 404.
 *
 * @since 0.1.0
 * @category errors
 */
export class NotFoundError extends StatusError("NotFoundError") {}

/**
 * HTTP 409. Retried by default.
 *
 * @since 0.1.0
 * @category errors
 */
export class ConflictError extends StatusError("ConflictError") {}

/**
 * HTTP 422.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnprocessableEntityError extends StatusError("UnprocessableEntityError") {}

/**
 * HTTP 429: too many requests or tokens for now. Retried by default, honouring `retry-after`.
 *
 * @since 0.1.0
 * @category errors
 */
export class RateLimitError extends StatusError("RateLimitError") {}

/**
 * HTTP 429 whose code says the quota or billing is exhausted. Waiting does not help, so it is never retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class InsufficientQuotaError extends StatusError("InsufficientQuotaError") {}

/**
 * HTTP 500 and above. Retried by default.
 *
 * @since 0.1.0
 * @category errors
 */
export class InternalServerError extends StatusError("InternalServerError") {}

/**
 * Any other non-success HTTP status (408 among them, which is retried).
 *
 * @since 0.1.0
 * @category errors
 */
export class APIError extends StatusError("APIError") {}

/**
 * The request never got a complete response: refused, reset, DNS, TLS, or the socket closed mid-body.
 *
 * @since 0.1.0
 * @category errors
 */
export class APIConnectionError extends Data.TaggedError("APIConnectionError")<{
  readonly message: string
  readonly method: string
  readonly url: string
  readonly cause: unknown
}> {}

/**
 * A time limit ran out. `phase` says which: the whole attempt (`request`), the wait for a stream's first event
 * (`first-event`), or the gap between two events (`idle`).
 *
 * @since 0.1.0
 * @category errors
 */
export class APIConnectionTimeoutError extends Data.TaggedError("APIConnectionTimeoutError")<{
  readonly message: string
  readonly method: string
  readonly url: string
  readonly phase: "request" | "first-event" | "idle"
  readonly timeout: Duration.Duration
}> {}

/**
 * A response body or stream event that could not be read. `body` keeps the raw text (cut at 64 KiB).
 *
 * @since 0.1.0
 * @category errors
 */
export class ResponseDecodeError extends Data.TaggedError("ResponseDecodeError")<{
  readonly message: string
  readonly status: number | undefined
  readonly requestId: string | undefined
  readonly body: string
  readonly cause?: unknown
}> {}

/**
 * The server sent an `error` event inside a stream.
 *
 * @since 0.1.0
 * @category errors
 */
export class StreamError extends Data.TaggedError("StreamError")<{
  readonly message: string
  readonly code: string | undefined
  readonly type: string | undefined
  readonly param: string | undefined
  readonly requestId: string | undefined
  /** The event's data as parsed JSON. */
  readonly event: unknown
}> {}

/**
 * The stream ended (cleanly, at the HTTP level) before its terminal event arrived, so the answer is incomplete.
 *
 * @since 0.1.0
 * @category errors
 */
export class StreamTruncatedError extends Data.TaggedError("StreamTruncatedError")<{
  readonly message: string
  readonly requestId: string | undefined
  readonly eventsReceived: number
  readonly lastEventType: string | undefined
}> {}

/**
 * Arguments refused before anything was sent: a file that cannot be read, a value that cannot be encoded.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidInputError extends Data.TaggedError("InvalidInputError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * A file given to an upload could not be read: a missing path, a stream or iterable that failed. Nothing was sent
 * (or, for a file read while it is sent, the request was abandoned).
 *
 * @since 0.1.0
 * @category errors
 */
export class UploadError extends Data.TaggedError("UploadError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * Workload identity: the OAuth token exchange answered 400, 401 or 403 (or an answer without an access token).
 * Carries the OAuth error fields; never a token (the server's text is redacted of the subject token sent).
 *
 * @since 0.1.0
 * @category errors
 */
export class OAuthError extends Data.TaggedError("OAuthError")<{
  readonly message: string
  readonly status: number
  /** The OAuth `error` code, e.g. `invalid_grant`, `invalid_subject_token`. */
  readonly errorCode: string | undefined
  /** The OAuth `error_description`. */
  readonly errorDescription: string | undefined
  readonly headers: Readonly<Record<string, string>>
  /** The answer as parsed JSON (redacted), or its text. */
  readonly body: unknown
}> {
  /** The official SDK's name for {@link errorCode}. */
  get error_code(): string | undefined {
    return this.errorCode
  }
}

/**
 * Workload identity: the subject-token provider (Kubernetes, Azure managed identity, GCP, custom) could not get a
 * token. `provider` names it.
 *
 * @since 0.1.0
 * @category errors
 */
export class SubjectTokenProviderError extends Data.TaggedError("SubjectTokenProviderError")<{
  readonly message: string
  readonly provider: string
  readonly cause?: unknown
}> {}

/**
 * Structured outputs: the schema of a format or tool has a construct strict mode cannot express (a tuple, a record,
 * a union at the root, a value without a JSON form). Refused before anything is sent.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnsupportedSchemaError extends Data.TaggedError("UnsupportedSchemaError")<{
  readonly message: string
  /** The response format's or tool's name. */
  readonly schemaName: string
  /** Where in the schema: `$` is the root, `$.items[]` an array's items, `$.a.anyOf[1]` a union's member. */
  readonly path: string
  /** What strict mode cannot express there, and what to use instead. */
  readonly reason: string
}> {}

/**
 * Structured outputs: the model refused to answer; `refusal` is what it said instead.
 *
 * @since 0.1.0
 * @category errors
 */
export class RefusalError extends Data.TaggedError("RefusalError")<{
  readonly message: string
  readonly refusal: string
  /** The choice (Chat Completions) or output item (Responses) that holds the refusal. */
  readonly index: number
}> {}

/**
 * Structured outputs: the answer stopped at the token limit (`finish_reason: "length"`, or an incomplete response
 * for `max_output_tokens`), so its JSON is cut. `text` is what arrived.
 *
 * @since 0.1.0
 * @category errors
 */
export class LengthFinishReasonError extends Data.TaggedError("LengthFinishReasonError")<{
  readonly message: string
  readonly index: number
  readonly text: string | undefined
}> {}

/**
 * Structured outputs: the content filter stopped the answer (`finish_reason: "content_filter"`, or an incomplete
 * response for `content_filter`).
 *
 * @since 0.1.0
 * @category errors
 */
export class ContentFilterFinishReasonError extends Data.TaggedError("ContentFilterFinishReasonError")<{
  readonly message: string
  readonly index: number
}> {}

/**
 * Structured outputs: an answer (message content, or a tool call's arguments) that is not JSON or does not decode
 * with the schema. `text` is the raw answer, `issue` what the JSON parser or the schema said, `cause` the
 * `SyntaxError` or `ParseError` itself.
 *
 * @since 0.1.0
 * @category errors
 */
export class StructuredOutputParseError extends Data.TaggedError("StructuredOutputParseError")<{
  readonly message: string
  /** The response format's or tool's name. */
  readonly schemaName: string
  /** What was parsed: the answer's content, or a tool call's arguments. */
  readonly target: "content" | "arguments"
  /** The choice (Chat Completions) or output item (Responses). */
  readonly index: number
  readonly text: string
  readonly issue: string
  readonly cause: unknown
}> {}

/**
 * Resumable streams: the API refused to stream a response again (`GET /responses/{id}?stream=true`, answered 400),
 * because it was not created with `background: true` or is too old to stream. `cause` is the API's answer: its
 * `error` (`message`, `param`, `code`) says which.
 *
 * @since 0.1.0
 * @category errors
 */
export class ResumeNotAvailableError extends Data.TaggedError("ResumeNotAvailableError")<{
  readonly message: string
  readonly responseId: string
  /** The `starting_after` of the refused request; `undefined` when it asked from the start. */
  readonly startingAfter: number | undefined
  readonly cause: BadRequestError
}> {}

/**
 * Why a webhook was refused (see `Webhooks`): no secret to check it with, or a secret that cannot be read; a
 * missing header; a timestamp that is not one or is outside the tolerance; no signature made with the secret; or
 * a verified body that is not a JSON event.
 *
 * @since 0.1.0
 * @category models
 */
export type WebhookVerificationReason =
  | "MissingSecret"
  | "InvalidSecret"
  | "MissingHeader"
  | "InvalidTimestamp"
  | "TimestampTooOld"
  | "TimestampTooNew"
  | "NoMatchingSignature"
  | "InvalidJson"

/**
 * A webhook that did not verify, or could not be read once verified. `header` names the missing header for
 * `MissingHeader`. The message says what failed and never includes a secret or a signature.
 *
 * @since 0.1.0
 * @category errors
 */
export class WebhookVerificationError extends Data.TaggedError("WebhookVerificationError")<{
  readonly message: string
  readonly reason: WebhookVerificationReason
  readonly header: "webhook-id" | "webhook-timestamp" | "webhook-signature" | undefined
  /** `InvalidJson`: the parser's error. */
  readonly cause?: unknown
}> {}

/**
 * Realtime: the WebSocket could not be opened. `status` is the HTTP status of a refused upgrade when the transport
 * can see it (the Node transport can; a browser's `WebSocket` never tells); `cause` is what failed (the network
 * error, or the credentials' own error, such as an `OAuthError`). Never carries a credential.
 *
 * @since 0.1.0
 * @category errors
 */
export class RealtimeConnectError extends Data.TaggedError("RealtimeConnectError")<{
  readonly message: string
  readonly url: string
  readonly status: number | undefined
  readonly cause?: unknown
}> {}

/**
 * Realtime: the connection closed without the client asking, with the server's close `code` and `reason` (a
 * dropped connection is 1006 with an empty reason). `send` fails with it once the session is over.
 *
 * @since 0.1.0
 * @category errors
 */
export class RealtimeClosedError extends Data.TaggedError("RealtimeClosedError")<{
  readonly message: string
  readonly code: number
  readonly reason: string
}> {}

/**
 * Realtime: the server ended the session because it reached its maximum duration (an `error` event whose code is
 * `session_expired`). The event itself is delivered first; the socket is then closed.
 *
 * @since 0.1.0
 * @category errors
 */
export class RealtimeSessionExpiredError extends Data.TaggedError("RealtimeSessionExpiredError")<{
  readonly message: string
  /** The event's `error.code` (`session_expired`). */
  readonly code: string
  /** The `error` event as received. */
  readonly event: unknown
}> {}

/**
 * Realtime: an `error` event of the server, as an error. The session delivers `error` events as events (most
 * concern one client event and leave the session usable); `RealtimeSession.failOnServerError` turns them into
 * this failure for programs that treat any as fatal.
 *
 * @since 0.1.0
 * @category errors
 */
export class RealtimeServerError extends Data.TaggedError("RealtimeServerError")<{
  readonly message: string
  readonly code: string | undefined
  readonly type: string | undefined
  readonly param: string | undefined
  /** The `event_id` of the client event that caused it, when the server names one. */
  readonly eventId: string | undefined
  /** The `error` event as received. */
  readonly event: unknown
}> {}

/**
 * Realtime: a frame that is not a JSON event (an object with a string `type`), with `invalidMessage: "fail"`.
 * `data` keeps its text, cut at 64 KiB.
 *
 * @since 0.1.0
 * @category errors
 */
export class RealtimeInvalidMessageError extends Data.TaggedError("RealtimeInvalidMessageError")<{
  readonly message: string
  readonly data: string
  readonly cause?: unknown
}> {}

/**
 * What a Realtime session can fail with (see `RealtimeSession`).
 *
 * @since 0.1.0
 * @category models
 */
export type RealtimeError =
  | RealtimeConnectError
  | RealtimeClosedError
  | RealtimeSessionExpiredError
  | RealtimeServerError
  | RealtimeInvalidMessageError

/**
 * The errors that carry an HTTP status.
 *
 * @since 0.1.0
 * @category models
 */
export type StatusError =
  | BadRequestError
  | AuthenticationError
  | PermissionDeniedError
  | NotFoundError
  | ConflictError
  | UnprocessableEntityError
  | RateLimitError
  | InsufficientQuotaError
  | InternalServerError
  | APIError

/**
 * The request never got a complete answer in time: the connection failed or a time limit ran out.
 *
 * @since 0.1.0
 * @category models
 */
export type ConnectionError = APIConnectionError | APIConnectionTimeoutError

/**
 * What any request can fail with.
 *
 * @since 0.1.0
 * @category models
 */
export type RequestError = StatusError | ConnectionError | ResponseDecodeError | InvalidInputError | AuthFailure

/**
 * What credentials that are fetched add (workload identity): a refused token exchange, a provider without a token.
 *
 * @since 0.1.0
 * @category models
 */
export type AuthFailure = OAuthError | SubjectTokenProviderError

/**
 * What a stream adds to {@link RequestError}: an error event, or an end before the terminal event.
 *
 * @since 0.1.0
 * @category models
 */
export type StreamFailure = StreamError | StreamTruncatedError

/**
 * What a file upload adds to {@link RequestError}.
 *
 * @since 0.1.0
 * @category models
 */
export type UploadFailure = UploadError

/**
 * What keeps a structured answer that came from being decoded: a refusal, a cut or filtered answer, an answer that
 * does not decode.
 *
 * @since 0.1.0
 * @category models
 */
export type StructuredOutputFailure =
  | RefusalError
  | LengthFinishReasonError
  | ContentFilterFinishReasonError
  | StructuredOutputParseError

/**
 * What structured outputs add to {@link RequestError}: a schema refused before sending, and the
 * {@link StructuredOutputFailure}s of the answer.
 *
 * @since 0.1.0
 * @category models
 */
export type StructuredOutputError = UnsupportedSchemaError | StructuredOutputFailure

/**
 * Every error an operation of the API can fail with. The helpers' own families ({@link StructuredOutputError}) are
 * beside it, on the helpers' error types only.
 *
 * @since 0.1.0
 * @category models
 */
export type OpenAIError = RequestError | StreamFailure | UploadFailure

/** Whether `u` is a tagged value whose tag is one of `tags`. */
const hasTagIn = (u: unknown, tags: ReadonlySet<string>): boolean =>
  Predicate.hasProperty(u, "_tag") && typeof u._tag === "string" && tags.has(u._tag)

const statusTags: ReadonlySet<string> = new Set([
  "BadRequestError",
  "AuthenticationError",
  "PermissionDeniedError",
  "NotFoundError",
  "ConflictError",
  "UnprocessableEntityError",
  "RateLimitError",
  "InsufficientQuotaError",
  "InternalServerError",
  "APIError"
])

const allTags: ReadonlySet<string> = new Set([
  ...statusTags,
  "APIConnectionError",
  "APIConnectionTimeoutError",
  "ResponseDecodeError",
  "StreamError",
  "StreamTruncatedError",
  "InvalidInputError",
  "UploadError",
  "OAuthError",
  "SubjectTokenProviderError"
])

/**
 * @since 0.1.0
 * @category guards
 */
export const isOpenAIError = (u: unknown): u is OpenAIError =>
  hasTagIn(u, allTags)

const realtimeTags: ReadonlySet<string> = new Set([
  "RealtimeConnectError",
  "RealtimeClosedError",
  "RealtimeSessionExpiredError",
  "RealtimeServerError",
  "RealtimeInvalidMessageError"
])

/**
 * @since 0.1.0
 * @category guards
 */
export const isRealtimeError = (u: unknown): u is RealtimeError =>
  hasTagIn(u, realtimeTags)

/**
 * @since 0.1.0
 * @category guards
 */
export const isStatusError = (u: unknown): u is StatusError =>
  hasTagIn(u, statusTags)

/** Error codes (or types) of a 429 that waiting will not fix. */
const quotaCodes: ReadonlySet<string> = new Set([
  "insufficient_quota",
  "billing_hard_limit_reached",
  "billing_not_active",
  "access_terminated"
])

/**
 * Whether a 429 body says the quota or billing is exhausted rather than a short-term limit.
 *
 * @since 0.1.0
 * @category guards
 */
export const isQuotaExhausted = (error: APIErrorObject | undefined): boolean =>
  error !== undefined &&
  ((error.code !== undefined && quotaCodes.has(error.code)) ||
    (error.type !== undefined && quotaCodes.has(error.type)))

/**
 * How retries treat an error; the one table every retry decision reads:
 * - `"retry"`: the default schedule retries it (connection errors, timeouts, 408, 409, 429 that is not a quota
 *   error, 5xx, and any status error whose `x-should-retry` header is `true`);
 * - `"no"`: the default schedule does not, a custom schedule may;
 * - `"never"`: no schedule may, because waiting cannot fix it or the server said so (quota exhausted, invalid
 *   input, `x-should-retry: false`).
 *
 * @since 0.1.0
 * @category guards
 */
export const retryRule = (error: OpenAIError): "retry" | "no" | "never" => {
  switch (error._tag) {
    case "APIConnectionError":
    case "APIConnectionTimeoutError":
      return "retry"
    case "ResponseDecodeError":
    case "StreamError":
    case "StreamTruncatedError":
    case "OAuthError":
    case "SubjectTokenProviderError":
      return "no"
    case "InvalidInputError":
    case "UploadError":
    case "InsufficientQuotaError":
      return "never"
    default: {
      const hint = error.headers["x-should-retry"]
      if (hint === "true") return "retry"
      if (hint === "false") return "never"
      const status = error.status
      return status === 408 || status === 409 || status === 429 || status >= 500 ? "retry" : "no"
    }
  }
}

/**
 * Whether the default policy retries this error (see {@link retryRule}).
 *
 * @since 0.1.0
 * @category guards
 */
export const isRetryable = (error: OpenAIError): boolean => retryRule(error) === "retry"
