/**
 * Reading successful responses: metadata (`ResponseMeta`, rate limits parsed on first read, since most callers
 * never look) and JSON bodies.
 */
import * as Effect from "effect/Effect"
import * as OpenAIError from "../OpenAIError.js"
import type { ResponseMeta, WithResponse } from "../OpenAIRequest.js"
import * as InternalErrors from "./errors.js"
import { parseRateLimit } from "./headers.js"
import type { Prepared } from "./prepare.js"
import { type Sent, transportError } from "./send.js"
import type { Timeout } from "./timeouts.js"

export class Meta implements ResponseMeta {
  readonly headers: Readonly<Record<string, string>>
  private parsed: OpenAIError.RateLimit | undefined
  constructor(readonly status: number, headers: Readonly<Record<string, string>>) {
    this.headers = headers["set-cookie"] === undefined ? headers : { ...headers, "set-cookie": "<redacted>" }
  }
  get requestId(): string | undefined {
    return this.headers["x-request-id"]
  }
  get rateLimit(): OpenAIError.RateLimit {
    return this.parsed ??= parseRateLimit(this.headers)
  }
}

/** Invalid JSON from the server: the raw text is kept (cut, credentials taken out), and so is the parse error. */
export const invalidJson = (
  what: string,
  status: number | undefined,
  requestId: string | undefined,
  text: string,
  cause: unknown,
  redact: (text: string) => string
): OpenAIError.ResponseDecodeError =>
  new OpenAIError.ResponseDecodeError({
    message: `${what} is not valid JSON${requestId === undefined ? "" : ` (request ${requestId})`}`,
    status,
    requestId,
    body: redact(InternalErrors.cut(text)),
    // The parse error quotes the text it choked on.
    cause: cause instanceof Error ? new SyntaxError(redact(cause.message)) : cause
  })

/** Reads a body as JSON (an empty body is `null`). */
export const readJson = <A>(
  prepared: Prepared,
  sent: Sent,
  timeout: Timeout | undefined
): Effect.Effect<WithResponse<A>, OpenAIError.OpenAIError> =>
  Effect.flatMap(
    Effect.catchAll(sent.response.text, (error) => Effect.fail(transportError(prepared, error, timeout))),
    (text) => {
      const meta = new Meta(sent.response.status, sent.headers)
      if (text === "") return Effect.succeed<WithResponse<A>>({ data: null as A, response: meta })
      // A text answer where JSON is the norm (transcriptions asked for `text`, `srt` or `vtt`) is the text itself.
      const type = sent.headers["content-type"]
      if (type !== undefined && type.startsWith("text/") && !type.includes("json")) {
        return Effect.succeed<WithResponse<A>>({ data: text as A, response: meta })
      }
      try {
        return Effect.succeed<WithResponse<A>>({ data: JSON.parse(text) as A, response: meta })
      } catch (cause) {
        return Effect.fail(
          invalidJson(`${meta.status} response body`, meta.status, meta.requestId, text, cause, sent.redactor.text)
        )
      }
    }
  )
