/**
 * Per-request options, as the official SDK names them.
 */

/** Header values as the official SDK accepts them: a record, a `Headers`, or pairs; `null` removes a header. */
export type HeadersLike =
  | Headers
  | ReadonlyArray<readonly [string, string]>
  | Record<string, string | null | undefined | ReadonlyArray<string>>
  | null
  | undefined

export interface RequestOptions {
  /** Time limit of one attempt, in milliseconds. */
  timeout?: number | undefined
  maxRetries?: number | undefined
  headers?: HeadersLike | undefined
  query?: object | undefined
  /** Extra body fields, merged over the params. */
  body?: unknown
  /** Aborting it ends the call with `APIUserAbortError`, also while it waits between retries. */
  signal?: AbortSignal | undefined | null
  idempotencyKey?: string | undefined
  /** Options passed to `fetch` for this request (the client then uses its fetch transport). */
  fetchOptions?: RequestInit | undefined
  /** Accepted for compatibility; the path comes from the method. */
  path?: string | undefined
  method?: "get" | "post" | "put" | "patch" | "delete" | undefined
  /** For `client.post(...)` and the like: read the answer as a stream of events. */
  stream?: boolean | undefined
}
