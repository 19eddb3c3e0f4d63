/**
 * The runtime behind generated operations. Each operation is a static descriptor; these functions turn a
 * descriptor plus the caller's arguments into a `RequestSpec` and run it through `OpenAIClient`.
 */
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as OpenAIClient from "../OpenAIClient.js"
import { OpenAIConfig } from "../OpenAIConfig.js"
import { InvalidInputError, type OpenAIError, type RequestError, ResponseDecodeError } from "../OpenAIError.js"
import * as OpenAIRequest from "../OpenAIRequest.js"
import * as Pagination from "../Pagination.js"
import { applyHook, type HookName, prepareHook } from "./hooks.js"
import { unwrap } from "./stream.js"

/** What the generator knows about an operation. */
export interface Operation {
  /** Dotted name, e.g. `chat.completions.create`. */
  readonly name: string
  readonly method: OpenAIRequest.Method
  /** The path split around its parameters: `["/files/", "/content"]`. */
  readonly path: ReadonlyArray<string>
  /** The spec's names of the path parameters, in order (`["vector_store_id", "file_id"]`). */
  readonly pathNames?: ReadonlyArray<string>
  /** Query parameters fixed by the spec's path (`?beta=true`). */
  readonly fixedQuery?: Readonly<Record<string, string>>
  /** Names of params that go to the query string. */
  readonly query?: ReadonlyArray<string>
  /** Params that go to headers: `[param, header]`. */
  readonly headers?: ReadonlyArray<readonly [string, string]>
  readonly body?: "json" | "multipart" | "text"
  /** Content type of a `text` body. */
  readonly bodyType?: string
  readonly admin?: boolean
  readonly paging?: Pagination.CursorStyle
  readonly terminal?: "done" | ReadonlyArray<string>
  /** The fields that ask for events (default `{ stream: true }`), in the body or the query as the params go. */
  readonly streamFlag?: Readonly<Record<string, unknown>>
  /** Events come as `{ event, data }`: the SSE event name beside its JSON data (Assistants runs). */
  readonly named?: boolean
  /** Multipart fields sent as parts of their own content type (a JSON part, an `application/sdp` part). */
  readonly partTypes?: Readonly<Record<string, string>>
  readonly hook?: HookName
  /** The response is a body of bytes (audio, file contents), not JSON. */
  readonly binary?: boolean
  /** Headers the operation always sends (e.g. `accept` for binary responses). */
  readonly fixedHeaders?: Readonly<Record<string, string>>
  /** The name of the response's schema in the schema registry, used when `decodeResponses` is on. */
  readonly schema?: string
  /** The name of the stream events' schema in the schema registry, used when `decodeResponses` is on. */
  readonly eventSchema?: string
}

const decoders = new WeakMap<Schema.Schema<any>, (u: unknown) => Effect.Effect<unknown, ParseResult.ParseError>>()

/**
 * The generated schemas, loaded on first use: a program that never checks responses never loads them (they
 * cost about 3 MB of heap and a bundle of their own).
 */
let generated: Promise<Readonly<Record<string, unknown>>> | undefined
const generatedSchemas = Effect.promise(() => generated ??= import("../generated/Schemas.js"))

/** Checks `data` against the operation's schema when `decodeResponses` is on; otherwise returns it as is. */
const decode = <A>(
  op: Operation,
  which: "schema" | "eventSchema",
  data: A,
  response: OpenAIRequest.ResponseMeta | undefined
): Effect.Effect<A, OpenAIError> =>
  Effect.flatMap(OpenAIConfig, (settings): Effect.Effect<A, OpenAIError> => {
    const name = op[which]
    if (name === undefined || !settings.decodeResponses) return Effect.succeed(data)
    const registry = settings.responseSchemas
    return registry === undefined
      ? Effect.flatMap(generatedSchemas, (schemas) => check(op, which, name, schemas, data, response))
      : check(op, which, name, registry, data, response)
  })

const check = <A>(
  op: Operation,
  which: "schema" | "eventSchema",
  name: string,
  registry: Readonly<Record<string, unknown>>,
  data: A,
  response: OpenAIRequest.ResponseMeta | undefined
): Effect.Effect<A, OpenAIError> => {
    const schema = registry[name] as Schema.Schema<any> | undefined
    if (schema === undefined) {
      return Effect.fail(
        new InvalidInputError({
          message: `decodeResponses is on but the schema registry has no ${name}`
        })
      )
    }
    let run = decoders.get(schema)
    if (run === undefined) {
      run = Schema.decodeUnknown(schema, { errors: "first" })
      decoders.set(schema, run)
    }
    return Effect.mapError(run(data) as Effect.Effect<A, ParseResult.ParseError>, (error) =>
      new ResponseDecodeError({
        message: `${which === "schema" ? "response" : "stream event"} of ${op.name} does not match the spec: ${
          ParseResult.TreeFormatter.formatErrorSync(error).slice(0, 2000)
        }${response?.requestId === undefined ? "" : ` (request ${response.requestId})`}`,
        status: response?.status,
        requestId: response?.requestId,
        body: (JSON.stringify(data) ?? "").slice(0, 64 * 1024),
        cause: error
      }))
}

/** Interfaces have no index signature, so params are taken as `object` and read by key. */
type Params = object | undefined

const terminals = new WeakMap<ReadonlyArray<string>, ReadonlySet<string>>()

/** How the operation's stream ends, as the client takes it. */
export const terminalOf = (op: Operation): OpenAIRequest.StreamTerminal => {
  const t = op.terminal
  if (t === undefined) return "eof"
  if (t === "done") return "done"
  let set = terminals.get(t)
  if (set === undefined) {
    set = new Set(t)
    terminals.set(t, set)
  }
  return set
}

/**
 * Splits the caller's params into path, query, headers and body as the descriptor says. `extra` fields are set over
 * the params and go where a param of their name goes (`stream` to the body, or to the query of `getResponse`).
 */
export const toSpec = (
  op: Operation,
  pathArgs: ReadonlyArray<string>,
  params: Params,
  options: OpenAIRequest.RequestOptions | undefined,
  extra?: Readonly<Record<string, unknown>>
): OpenAIRequest.RequestSpec => {
  const source: Record<string, unknown> = params === undefined ? {} : { ...(params as Record<string, unknown>) }
  if (extra !== undefined) Object.assign(source, extra)
  let query: Record<string, unknown> | undefined = op.fixedQuery ? { ...op.fixedQuery } : undefined
  if (op.query) {
    for (const name of op.query) {
      if (name in source) {
        ;(query ??= {})[name] = source[name]
        delete source[name]
      }
    }
  }
  let headers: Record<string, string | undefined> | undefined = op.fixedHeaders ? { ...op.fixedHeaders } : undefined
  if (op.headers) {
    for (const [name, header] of op.headers) {
      if (name in source) {
        const value = source[name]
        delete source[name]
        if (value !== undefined && value !== null) {
          ;(headers ??= {})[header] = Array.isArray(value) ? value.join(",") : String(value)
        }
      }
    }
  }
  let body: OpenAIRequest.Body | undefined
  switch (op.body) {
    case "json":
      body = OpenAIRequest.json(source)
      break
    case "multipart":
      body = OpenAIRequest.multipart(source, op.partTypes)
      break
    case "text": {
      const text = typeof source.body === "string" ? source.body : ""
      body = { _tag: "Bytes", value: new TextEncoder().encode(text), contentType: op.bodyType ?? "text/plain" }
      break
    }
  }
  return {
    method: op.method,
    path: { strings: op.path, values: pathArgs },
    operation: op.name,
    query,
    headers,
    body,
    admin: op.admin,
    options
  }
}

const noStream = { stream: false } as const
const streamTrue = { stream: true } as const

/*
 * The functions below return the errors a generated signature declares (`E`, inferred from it): the client can
 * fail with any `OpenAIError`, but an operation's descriptor rules families out (no stream failure without
 * events, no upload failure without a multipart body).
 */

/**
 * An operation's handwritten adjustment (see hooks.ts) for callers that send its requests themselves: the params
 * to send, and what to do to the answer's data.
 */
export const adjustment = (
  op: Operation,
  params: Params
): { readonly params: Params; readonly finish: (data: unknown) => unknown } => {
  if (op.hook === undefined) return { params, finish: identity }
  const hook = op.hook
  const prepared = prepareHook(hook, params)
  return { params: prepared.params as Params, finish: (data) => applyHook(hook, data, prepared.state) }
}

const identity = <A>(a: A): A => a

/** A JSON operation with its response metadata. */
export const json = <A, E extends OpenAIError = OpenAIError>(
  op: Operation,
  pathArgs: ReadonlyArray<string>,
  params: Params,
  options: OpenAIRequest.RequestOptions | undefined
): Effect.Effect<OpenAIRequest.WithResponse<A>, E, OpenAIClient.OpenAIClient> => {
  // A streaming operation called for one JSON answer says so, whatever `stream` the params carry: always in a
  // body (as the official SDK's non-streaming calls send it), in the query only over the caller's own `stream`.
  const extra = op.terminal !== undefined && (op.body !== undefined || (params !== undefined && "stream" in params))
    ? noStream
    : undefined
  const prepared = op.hook === undefined ? undefined : prepareHook(op.hook, params)
  return Effect.flatMap(
    OpenAIClient.requestWithResponse<A>(toSpec(op, pathArgs, prepared ? prepared.params : params, options, extra)),
    (r) => {
      const data = prepared ? applyHook(op.hook!, r.data, prepared.state) as A : r.data
      return Effect.map(decode(op, "schema", data, r.response), (checked) => ({ data: checked, response: r.response }))
    }
  ) as Effect.Effect<OpenAIRequest.WithResponse<A>, E, OpenAIClient.OpenAIClient>
}

/** Data only. */
export const data = <A, E, R>(effect: Effect.Effect<OpenAIRequest.WithResponse<A>, E, R>): Effect.Effect<A, E, R> =>
  Effect.map(effect, (r) => r.data)

/** The first page of a list operation. */
export const page = <A, E extends OpenAIError = OpenAIError>(
  op: Operation,
  pathArgs: ReadonlyArray<string>,
  params: Params,
  options: OpenAIRequest.RequestOptions | undefined
): Effect.Effect<Pagination.Page<A>, E, OpenAIClient.OpenAIClient> =>
  Effect.tap(
    Pagination.fetchPage<A>(toSpec(op, pathArgs, params, options), op.paging ?? "none"),
    (page) => decode(op, "schema", page.body, page.response)
  ) as Effect.Effect<Pagination.Page<A>, E, OpenAIClient.OpenAIClient>

/** Every item of a list operation, across pages, lazily. */
export const items = <A, E extends OpenAIError = OpenAIError>(
  op: Operation,
  pathArgs: ReadonlyArray<string>,
  params: Params,
  options: OpenAIRequest.RequestOptions | undefined
): Stream.Stream<A, E, OpenAIClient.OpenAIClient> =>
  Pagination.items<A>(
    toSpec(op, pathArgs, params, options),
    op.paging ?? "none",
    (p) => decode(op, "schema", p.body, p.response)
  ) as Stream.Stream<A, E, OpenAIClient.OpenAIClient>

const named = { named: true } as const

/** The event kinds the spec declares, loaded like the schemas: only a program that checks named events needs them. */
let eventTypes: Promise<{ readonly knownEventTypes: ReadonlySet<string> }> | undefined
const knownEventTypes = Effect.promise(() => eventTypes ??= import("../generated/EventTypes.js"))

/**
 * The events checked against the spec (`decodeResponses` on). A named event of a kind this version does not know
 * passes as it is, as unknown typed events do (their unions accept any other `type`).
 */
const checked = <A, R>(op: Operation, events: Stream.Stream<A, OpenAIError, R>): Stream.Stream<A, OpenAIError, R> =>
  op.named !== true
    ? Stream.mapEffect(events, (event) => decode(op, "eventSchema", event, undefined))
    : unwrap(Effect.map(knownEventTypes, ({ knownEventTypes: known }) =>
      Stream.mapEffect(events, (event) =>
        known.has((event as { readonly event: string }).event)
          ? decode(op, "eventSchema", event, undefined)
          : Effect.succeed(event))
    ))

/** The events of a streaming operation (`stream: true`, or its `streamFlag`, is added to the params). */
export const events = <A, E extends OpenAIError = OpenAIError>(
  op: Operation,
  pathArgs: ReadonlyArray<string>,
  params: Params,
  options: OpenAIRequest.RequestOptions | undefined
): Stream.Stream<A, E, OpenAIClient.OpenAIClient> =>
  unwrap(
    Effect.map(OpenAIConfig, ({ decodeResponses: enabled }) => {
      const spec = toSpec(op, pathArgs, params, options, op.streamFlag ?? streamTrue)
      const events = OpenAIClient.stream<A>(
        { ...spec, headers: { ...spec.headers, accept: "text/event-stream" } },
        terminalOf(op),
        op.named === true ? named : undefined
      )
      return enabled && op.eventSchema !== undefined ? checked(op, events) : events
    })
  ) as Stream.Stream<A, E, OpenAIClient.OpenAIClient>

/** A binary response with its metadata; the body streams. */
export const bytesWithResponse = <E extends OpenAIError = OpenAIError>(
  op: Operation,
  pathArgs: ReadonlyArray<string>,
  params: Params,
  options: OpenAIRequest.RequestOptions | undefined
): Effect.Effect<OpenAIRequest.WithResponse<Stream.Stream<Uint8Array, RequestError>>, E, OpenAIClient.OpenAIClient> =>
  OpenAIClient.binaryWithResponse(toSpec(op, pathArgs, params, options)) as Effect.Effect<
    OpenAIRequest.WithResponse<Stream.Stream<Uint8Array, RequestError>>,
    E,
    OpenAIClient.OpenAIClient
  >

/** A binary response as a byte stream. */
export const bytes = <E extends OpenAIError = OpenAIError>(
  op: Operation,
  pathArgs: ReadonlyArray<string>,
  params: Params,
  options: OpenAIRequest.RequestOptions | undefined
): Stream.Stream<Uint8Array, E, OpenAIClient.OpenAIClient> =>
  unwrap(Effect.map(bytesWithResponse<E>(op, pathArgs, params, options), (r) => r.data)) as Stream.Stream<
    Uint8Array,
    E,
    OpenAIClient.OpenAIClient
  >
