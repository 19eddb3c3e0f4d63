/**
 * What the contract suite sends for an operation, read from the spec at test time, and what it then expects on
 * the wire. The names in a params object are the official SDK's, derived here from the spec on their own (a
 * query name without its `[]`, a header's `x-stainless-param`), not from the generated descriptors: a descriptor
 * that maps a param wrongly sends it somewhere else or not at all, and `wireProblems` says so.
 */
import type { Exchange } from "./steady.js"
import type { ContractOperation } from "./operations.js"
import { multipartParts } from "./multipart.js"
import { sample } from "./samples.js"

type Json = any

export type Pass = "required" | "optional"

export interface Call {
  /** Path arguments, then the params object when the function takes one. */
  readonly args: ReadonlyArray<unknown>
  readonly pathArgs: ReadonlyArray<string>
  readonly params: Readonly<Record<string, unknown>> | undefined
  /** Params that go to the query string: the params key (also the wire name, before any brackets). */
  readonly query: ReadonlyArray<string>
  /** Params that go to headers: `[params key, header name]`. */
  readonly headers: ReadonlyArray<readonly [string, string]>
  /** Params that go to the body. */
  readonly body: ReadonlyArray<string>
  readonly bodyType: "json" | "multipart" | "text" | undefined
  /** A multipart body's declared part types (the spec's `encoding`): field -> content type. */
  readonly encodings: Readonly<Record<string, string>>
  /** The credential the spec's security scheme asks for, and the `authorization` header of each test key. */
  readonly authorization: { readonly scheme: string; readonly header: string; readonly keys: Readonly<Record<string, string>> } | undefined
  /** Problems found while reading the spec (params the function cannot take). */
  readonly problems: ReadonlyArray<string>
}

export interface Keys {
  readonly apiKey: string
  readonly adminApiKey: string
}

export interface SpecOperation {
  /** The spec's path, with its fixed query if any (`/responses?beta=true`). */
  readonly rawPath: string
  readonly item: Json
  readonly operation: Json
  /** The success response offers `text/event-stream`: the operation has a `…Stream` function for it. */
  readonly streams: boolean
}

export const specOperation = (spec: Json, op: ContractOperation): SpecOperation => {
  for (const [rawPath, item] of Object.entries<Json>(spec.paths)) {
    const operation = item[op.http.toLowerCase()]
    if (operation?.operationId !== op.id) continue
    const ok = deref(spec, operation.responses?.["200"] ?? operation.responses?.["201"], "responses")
    return { rawPath, item, operation, streams: ok?.content?.["text/event-stream"] !== undefined }
  }
  throw new Error(`operation ${op.id} not in the spec`)
}

const deref = (spec: Json, node: Json, kind: string): Json =>
  node && typeof node.$ref === "string" ? spec.components[kind][node.$ref.split("/").pop()] : node

/** The key the spec's security requirement for the operation asks for, as an `authorization` header. */
const authorizationFor = (spec: Json, operation: Json, keys: Keys): Call["authorization"] => {
  const security: Array<Json> = operation.security ?? spec.security ?? []
  const known = { [`Bearer ${keys.apiKey}`]: "the API key", [`Bearer ${keys.adminApiKey}`]: "the admin key" }
  if (security.some((s) => "ApiKeyAuth" in s)) return { scheme: "ApiKeyAuth", header: `Bearer ${keys.apiKey}`, keys: known }
  if (security.some((s) => "AdminApiKeyAuth" in s)) return { scheme: "AdminApiKeyAuth", header: `Bearer ${keys.adminApiKey}`, keys: known }
  return undefined
}

/**
 * The arguments of one call: path arguments, and a params object with every required value (`required`) or with
 * every value the spec allows, optional query and header params and optional body fields at every depth
 * (`optional`).
 */
export const callFor = (spec: Json, op: ContractOperation, pass: Pass, keys: Keys): Call => {
  const { item, operation } = specOperation(spec, op)
  const full = pass === "optional"
  const ctx = { spec, stack: [] as Array<string>, full }
  const parameters: Array<Json> = [...(item.parameters ?? []), ...(operation.parameters ?? [])].map((p) =>
    deref(spec, p, "parameters")
  )
  const problems: Array<string> = []
  const pathArgs = [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => {
    const p = parameters.find((q) => q.in === "path" && q.name === m[1])
    const value = p?.schema ? sample(p.schema, { spec, stack: [] }) : "x"
    return typeof value === "string" && value !== "" ? `${value}_1` : "id_1"
  })
  const params: Record<string, unknown> = {}
  const query: Array<string> = []
  const headers: Array<readonly [string, string]> = []
  for (const p of parameters) {
    if (p.in !== "query" && p.in !== "header") continue
    if (!p.required && !full) continue
    const value = sample(p.schema, ctx)
    if (value === undefined) continue
    if (p.in === "query") {
      const key = String(p.name).replace(/\[\]$/, "")
      params[key] = value
      query.push(key)
    } else {
      const key = p.schema?.["x-stainless-param"] ?? p["x-stainless-param"] ?? p.name
      params[key] = value
      headers.push([key, String(p.name).toLowerCase()])
    }
  }
  let body: Array<string> = []
  let bodyType: Call["bodyType"]
  const encodings: Record<string, string> = {}
  const requestBody = deref(spec, operation.requestBody, "requestBodies")
  if (requestBody?.content) {
    // Multipart wins when both are offered, as in the generator: it is the form that can carry files.
    const multipart = requestBody.content["multipart/form-data"]
    const content = multipart ?? requestBody.content["application/json"]
    if (content) {
      bodyType = multipart ? "multipart" : "json"
      for (const [field, encoding] of Object.entries<Json>(multipart?.encoding ?? {})) {
        if (typeof encoding?.contentType === "string") encodings[field] = encoding.contentType
      }
      const value = sample(content.schema, ctx)
      if (value !== null && typeof value === "object" && !Array.isArray(value)) {
        for (const [key, field] of Object.entries(value)) {
          if (key in params) problems.push(`body field ${key} has the name of a query or header param`)
          params[key] = field
          body.push(key)
        }
      }
    } else {
      bodyType = "text"
      params.body = "v=0"
      body = ["body"]
    }
  }
  if (!op.params && Object.keys(params).length > 0) {
    problems.push(`the spec gives ${Object.keys(params).join(", ")} but the function takes no params object`)
  }
  return {
    args: op.params ? [...pathArgs, params] : pathArgs,
    pathArgs,
    params: op.params ? params : undefined,
    query,
    headers,
    body,
    bodyType,
    encodings,
    authorization: authorizationFor(spec, operation, keys),
    problems
  }
}

const show = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 160 ? `${text.slice(0, 160)}...` : text
}

const firstHeader = (value: string | Array<string> | undefined): string | undefined =>
  Array.isArray(value) ? value.join(", ") : value

const requestLine = (exchange: Exchange): string => {
  try {
    return `${exchange.method} ${decodeURIComponent(exchange.url)}`
  } catch {
    return `${exchange.method} ${exchange.url}`
  }
}

/**
 * Diagnostics Steady 0.22 gives a correct request: it reads a multipart part of type `application/json` (the spec's
 * `encoding` of an object field) as a string. The wire checks verify those parts instead.
 */
const steadyLimitation = (exchange: Exchange, call: Call) => (d: Exchange["diagnostics"][number]): boolean =>
  d.code === "E3008" && /^Expected type object, got string/.test(d.message) &&
  call.encodings[d.path.replace(/^body\./, "")] === "application/json" &&
  (firstHeader(exchange.headers["content-type"]) ?? "").startsWith("multipart/form-data")

/** Whether Steady refused a request only because of its own limitation (so a 400 from it is no client failure). */
export const refusedForSteadyLimitation = (exchange: Exchange, call: Call): boolean =>
  exchange.valid !== "true" && exchange.diagnostics.length > 0 && exchange.diagnostics.length === exchange.errorCount &&
  exchange.diagnostics.every(steadyLimitation(exchange, call))

/** Steady's verdict on one request: anything it reports, error, warning or info, is a problem. */
export const steadyProblems = (exchange: Exchange, rawPath: string, call: Call): Array<string> => {
  const out: Array<string> = []
  if (refusedForSteadyLimitation(exchange, call)) return out
  if (exchange.valid !== "true" || exchange.errorCount !== 0) {
    const listed = exchange.diagnostics.map((d) => `${d.code} ${d.path}: ${d.message}`)
    const unlisted = exchange.errorCount > listed.length ? [`(${exchange.errorCount - listed.length} more not listed)`] : []
    out.push(
      `Steady: x-steady-request-valid ${exchange.valid ?? "missing"}, x-steady-error-count ${exchange.errorCount} for ${
        requestLine(exchange)
      }${[...listed, ...unlisted].map((l) => `\n      ${l}`).join("")}`
    )
  }
  // Steady names the path it matched on the requests it answers (not on those it rejects).
  const matched = firstHeader(exchange.responseHeaders["x-steady-matched-path"])
  if (matched !== undefined && matched !== rawPath) out.push(`Steady matched ${requestLine(exchange)} to ${matched}, not ${rawPath}`)
  return out
}

/** Which names a query string carries, brackets removed (`ids[]` and `metadata[key]` name `ids` and `metadata`). */
const queryNames = (url: string): Set<string> => {
  const search = new URL(url, "http://localhost").searchParams
  return new Set([...search.keys()].map((k) => k.replace(/\[.*$/, "")))
}

const equal = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b)


/**
 * The request on the wire against the call: the spec's credential, every param where the spec puts it (query
 * names in the query string, header params as headers, body fields in the body with their values).
 */
export const wireProblems = (exchange: Exchange, call: Call): Array<string> => {
  const out: Array<string> = []
  const line = requestLine(exchange)
  const authorization = firstHeader(exchange.headers.authorization)
  const auth = call.authorization
  if (auth !== undefined && authorization !== auth.header) {
    const sent = authorization === undefined ? "no authorization header" : auth.keys[authorization] ?? "an authorization header of no test key"
    out.push(`${line}: sent ${sent}, the spec's security scheme ${auth.scheme} asks for ${auth.keys[auth.header]}`)
  }
  const inQuery = queryNames(exchange.url)
  for (const key of call.query) {
    if (!inQuery.has(key)) out.push(`${line}: query param ${key}=${show(call.params?.[key])} is missing from the query string`)
  }
  for (const [key, name] of call.headers) {
    const value = call.params?.[key]
    const expected = Array.isArray(value) ? value.join(",") : String(value)
    const sent = firstHeader(exchange.headers[name])
    if (sent !== expected) out.push(`${line}: header param ${key} should send ${name}: ${expected}, sent ${sent ?? "nothing"}`)
  }
  if (call.bodyType === "json") {
    let sent: Json
    try {
      sent = JSON.parse(exchange.body.toString("utf8"))
    } catch {
      out.push(`${line}: the body is not JSON: ${show(exchange.body.toString("utf8"))}`)
      return out
    }
    for (const key of call.body) {
      if (sent === null || typeof sent !== "object" || !(key in sent)) {
        out.push(`${line}: body field ${key}=${show(call.params?.[key])} is missing from the body`)
      } else if (!equal(sent[key], call.params?.[key])) {
        out.push(`${line}: body field ${key} sent as ${show(sent[key])}, given ${show(call.params?.[key])}`)
      }
    }
  } else if (call.bodyType === "multipart") {
    const contentType = firstHeader(exchange.headers["content-type"]) ?? ""
    const parts = multipartParts(exchange.body, contentType)
    if (parts === undefined) {
      out.push(`${line}: the body is not multipart/form-data (${contentType})`)
      return out
    }
    const names = new Set(parts.map((p) => p.name.replace(/\[.*$/, "")))
    for (const key of call.body) {
      if (!names.has(key)) {
        out.push(`${line}: multipart field ${key} is missing from the form`)
        continue
      }
      const type = call.encodings[key]
      if (type === undefined) continue
      // The spec's `encoding` makes the field one part of that type (JSON for an object), as the official SDK sends it.
      const part = parts.find((p) => p.name === key)
      if (part === undefined || !(part.contentType ?? "").startsWith(type)) {
        const sent = part === undefined
          ? `as the fields ${parts.filter((p) => p.name.startsWith(`${key}[`)).map((p) => p.name).slice(0, 4).join(", ")}...`
          : `with content type ${part.contentType ?? "none"}`
        out.push(`${line}: multipart field ${key} should be one ${type} part (the spec's encoding), sent ${sent}`)
      } else if (type === "application/json") {
        let value: unknown
        try {
          value = JSON.parse(part.data.toString("utf8"))
        } catch {
          value = part.data.toString("utf8")
        }
        if (!equal(value, call.params?.[key])) out.push(`${line}: multipart JSON part ${key} is ${show(value)}, given ${show(call.params?.[key])}`)
      }
    }
  }
  return out
}
