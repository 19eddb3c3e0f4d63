/**
 * The promise every method returns: awaited, it gives the method's result; `withResponse()` adds the response
 * and its request id; `asResponse()` gives the raw `Response` with its body unread.
 */
import { toHeaders } from "../internal/errors.js"

/** What a response said besides its body. */
export interface ResponseMeta {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly requestId: string | undefined
}

/** A method's result with the response it came in. */
export interface Delivered<T> {
  readonly data: T
  readonly meta: ResponseMeta
}

/**
 * How an `APIPromise` gets its outcome. `parsed` sends the request and reads the method's result; `raw` sends it
 * and hands over the response with its body unread. Only one of them runs for a promise.
 */
export interface Source<T> {
  parsed(): Promise<Delivered<T>>
  raw(): Promise<Response>
}

/** An object result carries the `x-request-id` of its response as `_request_id`. */
export type WithRequestID<T> = T extends ReadonlyArray<any> | Response | { getPaginatedItems(): ReadonlyArray<unknown> } ? T
  : T extends Record<string, any> ? T & { _request_id?: string | null }
  : T

/** A `Response` carrying what `meta` says, its body already read. */
export const responseOf = (meta: ResponseMeta, body: BodyInit | null = null): Response =>
  new Response(body, { status: meta.status, headers: toHeaders(meta.headers) })

export class APIPromise<T> extends Promise<WithRequestID<T>> {
  #source: Source<T>
  #parsed: Promise<Delivered<T>> | undefined
  #raw: Promise<Response> | undefined

  constructor(source: Source<T>) {
    super((resolve) => resolve(null as WithRequestID<T>))
    this.#source = source
    // The request starts now, as with any promise-returning call; a synchronous `asResponse()` gets there first
    // and asks for the raw response instead.
    queueMicrotask(() => {
      if (this.#raw === undefined) this.#parse()
    })
  }

  #parse(): Promise<Delivered<T>> {
    if (this.#parsed !== undefined) return this.#parsed
    if (this.#raw !== undefined) {
      // `asResponse()` came first: the result is read from that response.
      this.#parsed = this.#raw.then(async (response) => {
        const text = await response.text()
        const meta: ResponseMeta = {
          status: response.status,
          headers: Object.fromEntries(response.headers),
          requestId: response.headers.get("x-request-id") ?? undefined
        }
        return { data: (text === "" ? null : JSON.parse(text)) as T, meta }
      })
      return this.#parsed
    }
    return this.#parsed = this.#source.parsed()
  }

  /** A promise of another result from the same request (used by helpers built on a method). */
  _thenUnwrap<U>(transform: (data: T, meta: ResponseMeta) => U): APIPromise<U> {
    return new APIPromise<U>({
      parsed: () => this.#parse().then(({ data, meta }) => ({ data: transform(data, meta), meta })),
      raw: () => this.asResponse()
    })
  }

  /** The raw `Response`, body unread. Called after the result was asked for, it is rebuilt from the result. */
  asResponse(): Promise<Response> {
    if (this.#raw !== undefined) return this.#raw
    if (this.#parsed !== undefined) {
      return this.#parsed.then(({ data, meta }) =>
        data instanceof Response ? data : responseOf(meta, data === null || data === undefined ? null : JSON.stringify(data))
      )
    }
    return this.#raw = this.#source.raw()
  }

  /** The result, the `Response` it came in (body read) and its `x-request-id`. */
  async withResponse(): Promise<{ data: T; response: Response; request_id: string | null | undefined }> {
    const { data, meta } = await this.#parse()
    return { data, response: data instanceof Response ? data : responseOf(meta), request_id: meta.requestId ?? null }
  }

  override then<TResult1 = WithRequestID<T>, TResult2 = never>(
    onfulfilled?: ((value: WithRequestID<T>) => TResult1 | PromiseLike<TResult1>) | undefined | null,
    onrejected?: ((reason: any) => TResult2 | PromiseLike<TResult2>) | undefined | null
  ): Promise<TResult1 | TResult2> {
    return this.#parse().then(
      onfulfilled == null
        ? (delivered) => delivered.data as unknown as TResult1
        : (delivered) => onfulfilled(delivered.data as WithRequestID<T>),
      onrejected
    )
  }

  override catch<TResult = never>(
    onrejected?: ((reason: any) => TResult | PromiseLike<TResult>) | undefined | null
  ): Promise<WithRequestID<T> | TResult> {
    return this.then(undefined, onrejected)
  }

  override finally(onfinally?: (() => void) | undefined | null): Promise<WithRequestID<T>> {
    return this.then().finally(onfinally)
  }
}
