/**
 * What a generated method does: the official argument layout (the last path parameter positional, the others in
 * the params) turned into the core's request, run on the client's runtime, and delivered as the official SDK
 * delivers it: JSON with `_request_id`, a `Stream` when `stream: true`, a `Response` for file contents, pages for
 * lists.
 */
import type { Decoding, Opened } from "@effect-openai/openai/OpenAIClient"
import { OpenAIClient } from "@effect-openai/openai/OpenAIClient"
import { adjustment, type Operation, terminalOf, toSpec } from "@effect-openai/openai/Operation"
import * as OpenAIRequest from "@effect-openai/openai/OpenAIRequest"
import * as Pagination from "@effect-openai/openai/Pagination"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { APIPromise, type Delivered, responseOf, type ResponseMeta, type Source } from "../core/api-promise.js"
import type { ClientCore } from "../core/client.js"
import { ResponseDecodeError, StreamError, StreamTruncatedError } from "../core/error.js"
import { type PageConstructor, PagePromise } from "../core/pagination.js"
import { Stream } from "../core/streaming.js"
import { toCoreFields } from "../core/uploads.js"
import { fromCore } from "./errors.js"
import type { HeadersLike, RequestOptions } from "./request-options.js"
import type { RunOptions } from "./runtime.js"

type Params = Record<string, unknown>

/** Header values in the core's form: a record, `null` removing a default. */
export const headersOf = (headers: HeadersLike): Record<string, string | null> | undefined => {
  if (headers === null || headers === undefined) return undefined
  const out: Record<string, string | null> = {}
  if (typeof Headers !== "undefined" && headers instanceof Headers) {
    headers.forEach((value, key) => (out[key] = value))
    return out
  }
  if (Array.isArray(headers)) {
    for (const [key, value] of headers as ReadonlyArray<readonly [string, string]>) out[key] = value
    return out
  }
  for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
    if (value === undefined) continue
    out[key] = value === null ? null : Array.isArray(value) ? value.join(", ") : String(value)
  }
  return out
}

export const coreOptions = (options: RequestOptions | undefined): OpenAIRequest.RequestOptions | undefined => {
  if (options === undefined) return undefined
  const body = options.body
  return {
    headers: headersOf(options.headers),
    query: options.query as Record<string, unknown> | undefined,
    body: typeof body === "object" && body !== null && !Array.isArray(body) ? body as Record<string, unknown> : undefined,
    maxRetries: options.maxRetries,
    timeout: options.timeout === undefined ? undefined : Duration.millis(options.timeout),
    idempotencyKey: options.idempotencyKey
  }
}

const runOptions = (options: RequestOptions | undefined): RunOptions | undefined =>
  options === undefined || (options.signal == null && options.fetchOptions === undefined)
    ? undefined
    : { signal: options.signal, fetchOptions: options.fetchOptions }

/** Adds `_request_id` to an object result, not enumerable, as the official SDK does. */
const withRequestId = <A>(data: A, meta: ResponseMeta): A => {
  if (typeof data === "object" && data !== null && !Array.isArray(data)) {
    Object.defineProperty(data, "_request_id", { value: meta.requestId ?? null, enumerable: false, writable: true, configurable: true })
  }
  return data
}

/** An opened byte stream as a web `ReadableStream`: pulled as the reader asks, cancelled with it. */
const readableOf = (opened: Opened<Uint8Array>): ReadableStream<Uint8Array> => {
  let buffered: Array<Uint8Array> = []
  return new ReadableStream<Uint8Array>({
    pull: (controller) =>
      new Promise<void>((resolve) => {
        const deliver = (): void => {
          const batch = opened.poll()
          if (batch !== undefined) buffered = batch
          if (buffered.length > 0) {
            for (const chunk of buffered) controller.enqueue(chunk)
            buffered = []
            resolve()
          } else if (opened.failure !== undefined) {
            controller.error(fromCore(opened.failure))
            resolve()
          } else if (opened.finished) {
            controller.close()
            resolve()
          } else opened.wait(deliver)
        }
        deliver()
      }),
    cancel: () => opened.close()
  })
}

const nullBodyStatus = (status: number): boolean => status === 204 || status === 205 || status === 304

/** Sends the request and hands over the response with its body unread. */
const rawResponse = (client: ClientCore, spec: OpenAIRequest.RequestSpec, run: RunOptions | undefined): Promise<Response> =>
  new Promise((resolve, reject) =>
    client._runtime.run(
      Effect.flatMap(OpenAIClient, (core) => core.open<Uint8Array>(spec, { _tag: "Bytes" })),
      run,
      (opened) => {
        if (nullBodyStatus(opened.response.status)) {
          opened.close()
          resolve(responseOf(opened.response))
        } else resolve(responseOf(opened.response, readableOf(opened)))
      },
      reject
    )
  )

const jsonSource = <A>(
  client: ClientCore,
  spec: OpenAIRequest.RequestSpec,
  run: RunOptions | undefined,
  finish?: (data: unknown) => unknown
): Source<A> => ({
  parsed: () =>
    new Promise<Delivered<A>>((resolve, reject) =>
      client._runtime.run(
        Effect.flatMap(OpenAIClient, (core) => core.json<A>(spec)),
        run,
        (result) =>
          resolve({
            data: withRequestId(finish === undefined ? result.data : finish(result.data) as A, result.response),
            meta: result.response
          }),
        reject
      )
    ),
  raw: () => rawResponse(client, spec, run)
})

/** A stream follows the caller's `signal` too: aborting it stops the stream. */
const controllerFor = (run: RunOptions | undefined): AbortController => {
  const controller = new AbortController()
  const signal = run?.signal
  if (signal != null) {
    if (signal.aborted) controller.abort()
    else signal.addEventListener("abort", () => controller.abort(), { once: true })
  }
  return controller
}

const streamSource = <A>(
  client: ClientCore,
  spec: OpenAIRequest.RequestSpec,
  decoding: Decoding,
  run: RunOptions | undefined
): Source<Stream<A>> => ({
  parsed: () =>
    new Promise<Delivered<Stream<A>>>((resolve, reject) =>
      client._runtime.run(
        Effect.flatMap(OpenAIClient, (core) => core.open<A>(spec, decoding)),
        run,
        (opened) => resolve({ data: Stream.fromOpened(opened, controllerFor(run)), meta: opened.response }),
        (error) => {
          // The response came but its body failed before the first event (an error event, a truncated or unreadable
          // body): as with the official SDK, the stream is handed over and its loop throws.
          if (error instanceof StreamError || error instanceof StreamTruncatedError || error instanceof ResponseDecodeError) {
            const failing = new Stream<A>(() => ({ next: () => Promise.reject(error) }), controllerFor(run))
            resolve({ data: failing, meta: { status: 200, headers: {}, requestId: error.requestID ?? undefined } })
          } else reject(error)
        }
      )
    ),
  raw: () => rawResponse(client, spec, run)
})

const binarySource = (client: ClientCore, spec: OpenAIRequest.RequestSpec, run: RunOptions | undefined): Source<Response> => {
  const raw = () => rawResponse(client, spec, run)
  return {
    parsed: () => raw().then((response) => ({ data: response, meta: metaOf(response) })),
    raw
  }
}

const metaOf = (response: Response): ResponseMeta => {
  const headers: Record<string, string> = {}
  response.headers.forEach((value, key) => (headers[key] = value))
  return { status: response.status, headers, requestId: headers["x-request-id"] }
}

const streamHeaders = (spec: OpenAIRequest.RequestSpec): OpenAIRequest.RequestSpec => ({
  ...spec,
  headers: { ...spec.headers, accept: "text/event-stream" }
})

/** The core's request for a method call: path arguments in order, the rest of the params split by the descriptor. */
const specOf = (
  op: Operation,
  path: string | undefined,
  params: object | null | undefined,
  options: RequestOptions | undefined
): OpenAIRequest.RequestSpec => {
  const names = op.pathNames ?? []
  let rest: Params | undefined = params === null || params === undefined ? undefined : params as Params
  const args: Array<string> = []
  if (names.length > 1 && rest !== undefined) {
    rest = { ...rest }
    for (let i = 0; i < names.length - 1; i++) {
      const name = names[i]!
      args.push(rest[name] as string)
      delete rest[name]
    }
  } else {
    for (let i = 0; i < names.length - 1; i++) args.push(undefined as unknown as string)
  }
  if (names.length > 0) args.push(path as string)
  if (op.body === "multipart" && rest !== undefined) rest = toCoreFields(rest)
  return toSpec(op, args, rest, coreOptions(options))
}

/** A method of any operation but a list. */
export const call = (
  client: ClientCore,
  op: Operation,
  path: string | undefined,
  params: object | null | undefined,
  options: RequestOptions | undefined
): APIPromise<any> => {
  const run = runOptions(options)
  if (op.binary === true) return new APIPromise(binarySource(client, specOf(op, path, params, options), run))
  if (op.terminal !== undefined && (params as Params | null | undefined)?.stream === true) {
    const decoding: Decoding = { _tag: "Json", terminal: terminalOf(op), named: op.named === true }
    return new APIPromise(streamSource(client, streamHeaders(specOf(op, path, params, options)), decoding, run))
  }
  // The operation's adjustment, as the Effect API's function makes it (`output_text`, base64 embeddings).
  const adjusted = op.hook === undefined ? undefined : adjustment(op, (params ?? undefined) as Params)
  const spec = specOf(op, path, adjusted === undefined ? params : adjusted.params ?? null, options)
  return new APIPromise(jsonSource(client, spec, run, adjusted?.finish))
}

/** A list method: its first page, and every item when iterated. */
export const list = (
  client: ClientCore,
  op: Operation,
  Page: PageConstructor,
  path: string | undefined,
  params: object | null | undefined,
  options: RequestOptions | undefined
): PagePromise<any, any> => {
  const spec = specOf(op, path, params, options)
  const run = runOptions(options)
  return new PagePromise({
    parsed: () =>
      new Promise((resolve, reject) =>
        client._runtime.run(
          Pagination.fetchPage<unknown>(spec, op.paging ?? "none"),
          run,
          (page) => resolve({ data: new Page(client, page, run), meta: page.response }),
          reject
        )
      ),
    raw: () => rawResponse(client, spec, run)
  })
}

/** `client.get(path, options)` and the like: any endpoint through the same pipeline. */
export const request = (
  client: ClientCore,
  method: OpenAIRequest.Method,
  path: string,
  options: RequestOptions | undefined
): APIPromise<any> => {
  const body = options?.body
  const spec: OpenAIRequest.RequestSpec = {
    method,
    path: path.startsWith("/") ? path : `/${path}`,
    query: options?.query as Record<string, unknown> | undefined,
    body: body === undefined ? undefined : OpenAIRequest.json(body),
    // the body and query are the request's own here, not extras
    options: coreOptions(options === undefined ? undefined : { ...options, body: undefined, query: undefined })
  }
  const run = runOptions(options)
  if (options?.stream === true) {
    return new APIPromise(streamSource(client, streamHeaders(spec), { _tag: "Json", terminal: "eof", named: true }, run))
  }
  return new APIPromise(jsonSource(client, spec, run))
}
