/**
 * The request model: what an operation asks the client to send, per-call options, and what comes back beside
 * the data. Plain data, imported by everything above it and importing nothing of the client.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import type * as Schedule from "effect/Schedule"
import type * as OpenAIError from "./OpenAIError.js"
import type { PathTemplate } from "./internal/encoding.js"

/**
 * Per-call options, named as in the official SDK.
 *
 * @since 0.1.0
 * @category models
 */
export interface RequestOptions {
  /** Extra headers; `null` removes a default header. */
  readonly headers?: Readonly<Record<string, string | null | undefined>> | undefined
  /** Extra query parameters. */
  readonly query?: Readonly<Record<string, unknown>> | undefined
  /** Extra JSON body fields, merged over the operation's body. */
  readonly body?: Readonly<Record<string, unknown>> | undefined
  readonly maxRetries?: number | undefined
  /**
   * The retry schedule of this call, in place of the configured one (its input is the error; the count is still
   * `maxRetries`). `OpenAIConfig.withServerHints` keeps a custom schedule honouring `retry-after`.
   */
  readonly retrySchedule?: Schedule.Schedule<unknown, OpenAIError.OpenAIError> | undefined
  /**
   * Time limit of one attempt. For a stream it also bounds the wait for the first event and each gap between
   * events, unless `streamFirstEventTimeout` / `streamIdleTimeout` say otherwise.
   */
  readonly timeout?: Duration.DurationInput | undefined
  readonly idempotencyKey?: string | undefined
  readonly streamFirstEventTimeout?: Duration.DurationInput | undefined
  readonly streamIdleTimeout?: Duration.DurationInput | undefined
}

/**
 * HTTP methods the API uses.
 *
 * @since 0.1.0
 * @category models
 */
export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE"

/**
 * A request body: JSON (the default for plain values), multipart form fields (files as `Uploads.FileInput`),
 * or raw bytes.
 *
 * @since 0.1.0
 * @category models
 */
export type Body =
  | { readonly _tag: "Json"; readonly value: unknown }
  | {
    readonly _tag: "Multipart"
    readonly fields: Readonly<Record<string, unknown>>
    /** Fields sent as one part of their own content type: JSON as one `application/json` part, not bracketed fields. */
    readonly partTypes?: Readonly<Record<string, string>> | undefined
  }
  | { readonly _tag: "Bytes"; readonly value: Uint8Array; readonly contentType: string }

/**
 * One request, as operations describe it.
 *
 * @since 0.1.0
 * @category models
 */
export interface RequestSpec {
  readonly method: Method
  /** A path below the base URL, or a template whose parameters get encoded. */
  readonly path: string | PathTemplate
  /** Dotted operation name for spans and logs, e.g. `chat.completions.create`. */
  readonly operation?: string | undefined
  readonly query?: Readonly<Record<string, unknown>> | undefined
  readonly body?: Body | undefined
  readonly headers?: Readonly<Record<string, string | null | undefined>> | undefined
  /** Admin endpoints prefer the admin key. */
  readonly admin?: boolean | undefined
  readonly options?: RequestOptions | undefined
}

/**
 * What a response says besides its body.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResponseMeta {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  /** `x-request-id`. */
  readonly requestId: string | undefined
  readonly rateLimit: OpenAIError.RateLimit
}

/**
 * Data with its response metadata.
 *
 * @since 0.1.0
 * @category models
 */
export interface WithResponse<A> {
  readonly data: A
  readonly response: ResponseMeta
}

/**
 * How a stream ends: `"done"` needs a `[DONE]` event (Chat Completions), a set of event types needs one of
 * them (Responses: `response.completed` etc.), `"eof"` accepts the end of the body.
 *
 * @since 0.1.0
 * @category models
 */
export type StreamTerminal = "done" | "eof" | ReadonlySet<string>

/**
 * A JSON body.
 *
 * @since 0.1.0
 * @category bodies
 */
export const json = (value: unknown): Body => ({ _tag: "Json", value })

/**
 * A multipart body; file fields take any `Uploads.FileInput`.
 *
 * @since 0.1.0
 * @category bodies
 */
export const multipart = (
  fields: Readonly<Record<string, unknown>>,
  partTypes?: Readonly<Record<string, string>>
): Body => ({ _tag: "Multipart", fields, partTypes })

export {
  /**
   * Tag for path templates whose parameters are percent-encoded: `` path`/files/${id}` ``.
   *
   * @since 0.1.0
   * @category requests
   */
  path
} from "./internal/encoding.js"

export type {
  /**
   * @since 0.1.0
   * @category models
   */
  PathTemplate
} from "./internal/encoding.js"
