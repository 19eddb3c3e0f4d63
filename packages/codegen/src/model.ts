/**
 * The spec read into what the emitters work from: every operation with its names, the resource tree, and the
 * type names each operation's parameters, response and stream events get in `Types.ts`.
 */
import { titles } from "./config.js"
import { naming } from "./naming.js"
import { refName, request, tsType, typeName } from "./types.js"

type Json = any

export interface Param {
  readonly name: string
  readonly schema: Json
  readonly required: boolean
}

export interface Op {
  readonly id: string
  readonly httpMethod: "GET" | "POST" | "PUT" | "PATCH" | "DELETE"
  readonly path: string
  readonly fixedQuery: Record<string, string>
  readonly resource: ReadonlyArray<string>
  readonly method: string
  readonly title: string
  readonly group: string | undefined
  readonly deprecated: boolean
  readonly pathParams: ReadonlyArray<string>
  readonly query: ReadonlyArray<Param>
  readonly headers: ReadonlyArray<Param>
  readonly body: {
    readonly kind: "json" | "multipart" | "text"
    readonly schema: Json
    readonly required: boolean
    readonly contentType: string
    /** Multipart fields the spec sends as parts of their own type (`encoding`), e.g. a JSON part. */
    readonly partTypes: Readonly<Record<string, string>>
  } | undefined
  readonly response: { readonly kind: "json" | "binary" | "none"; readonly schema: Json; readonly accept: string | undefined }
  readonly eventSchema: Json | undefined
  /**
   * How the events look: `typed` objects tell their kind by `type` (Responses, audio, images); `named` ones come
   * as `{ event, data }`, the SSE event name beside the object (Assistants runs); `plain` ones have no kind
   * (chat and legacy completion chunks).
   */
  readonly eventShape: EventShape | undefined
  readonly paging: "after" | "next" | "page" | "none" | undefined
  readonly admin: boolean
}

export type EventShape = "typed" | "named" | "plain"

/** A resource: its own operations and its sub-resources, by path segment. */
export interface Node {
  readonly segments: ReadonlyArray<string>
  readonly ops: Array<Op>
  readonly children: Map<string, Node>
}

/** The `Types` names an operation's function signatures use. */
export interface TypeNames {
  readonly params: string | undefined
  readonly paramsRequired: boolean
  readonly response: string
  readonly event: string | undefined
  readonly item: string | undefined
}

export interface Model {
  readonly spec: Json
  /** Sorted by resource path and method name. */
  readonly ops: ReadonlyArray<Op>
  readonly root: Node
  readonly names: Map<string, TypeNames>
}

export const buildModel = (spec: Json): Model => {
  const ops = collectOperations(spec)
  return { spec, ops, root: buildTree(ops), names: assignTypeNames(spec, ops) }
}

export const deref = (spec: Json, node: Json, kind: string): Json =>
  node && typeof node.$ref === "string" ? spec.components[kind][node.$ref.split("/").pop()] : node

/**
 * The events of the spec's `webhooks` section (what OpenAI posts to an endpoint): each one's body schema, by its
 * component's type name, and its `type`; sorted by type name.
 */
export const webhookEvents = (spec: Json): Array<{ readonly name: string; readonly type: string }> => {
  const out = new Map<string, string>()
  for (const [hook, item] of Object.entries<Json>(spec.webhooks ?? {})) {
    const ref = item?.post?.requestBody?.content?.["application/json"]?.schema?.$ref
    if (typeof ref !== "string") throw new Error(`webhook ${hook}: no JSON body schema by $ref`)
    const kind = deref(spec, { $ref: ref }, "schemas")?.properties?.type
    const type = typeof kind?.const === "string" ? kind.const : kind?.enum?.length === 1 ? kind.enum[0] : undefined
    if (typeof type !== "string") throw new Error(`webhook ${hook}: its body has no single \`type\``)
    out.set(refName(ref), type)
  }
  return [...out].sort(([a], [b]) => a.localeCompare(b)).map(([name, type]) => ({ name, type }))
}

const httpMethods = ["get", "post", "put", "patch", "delete"] as const

const collectOperations = (spec: Json): Array<Op> => {
  const ops: Array<Op> = []
  const seen = new Set<string>()
  for (const [rawPath, item] of Object.entries<Json>(spec.paths)) {
    for (const httpMethod of httpMethods) {
      const op = item[httpMethod]
      if (!op) continue
      seen.add(op.operationId)
      ops.push(toOperation(spec, rawPath, item, httpMethod, op))
    }
  }
  const stale = Object.keys(naming).filter((id) => !seen.has(id))
  if (stale.length > 0) throw new Error(`naming table entries for unknown operations: ${stale.join(", ")}`)
  return ops.sort((a, b) => (a.resource.join(".") + "." + a.method).localeCompare(b.resource.join(".") + "." + b.method))
}

const toOperation = (spec: Json, rawPath: string, item: Json, httpMethod: (typeof httpMethods)[number], op: Json): Op => {
  const [path, search] = rawPath.split("?") as [string, string | undefined]
  const fixedQuery: Record<string, string> = {}
  if (search) for (const [k, v] of new URLSearchParams(search)) fixedQuery[k] = v
  const id: string = op.operationId
  const names = naming[id]
  if (names === undefined) throw new Error(`operation ${id} (${httpMethod} ${rawPath}) is missing from the naming table`)
  const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p: Json) => deref(spec, p, "parameters"))
  const toParam = (p: Json): Param => ({ name: p.name, schema: p.schema ?? {}, required: p.required === true })
  // A query name with brackets (`project_ids[]`) is an array parameter: it takes the official SDK's name
  // (`project_ids`), and the query encoder adds the brackets to each value on the wire.
  const toQueryParam = (p: Json): Param => ({ ...toParam(p), name: String(p.name).replace(/\[\]$/, "") })
  const body = bodyOf(deref(spec, op.requestBody, "requestBodies"))
  const ok = deref(spec, op.responses["200"] ?? op.responses["201"], "responses")
  const content = ok?.content ?? {}
  const response = responseOf(content)
  const queryParams = params.filter((p: Json) => p.in === "query").map(toQueryParam)
  const paging = listStyle(spec, httpMethod, queryParams, response)
  const security: Array<Json> = op.security ?? spec.security ?? []
  return {
    id,
    httpMethod: httpMethod.toUpperCase() as Op["httpMethod"],
    path,
    fixedQuery,
    resource: names[0].split("."),
    method: names[1],
    title: titleOf(id, op),
    group: op["x-oaiMeta"]?.group,
    deprecated: op.deprecated === true,
    pathParams: [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!),
    query: queryParams,
    headers: params.filter((p: Json) => p.in === "header").map(toParam),
    body,
    response,
    eventSchema: content["text/event-stream"]?.schema,
    eventShape: content["text/event-stream"] ? eventShapeOf(spec, content["text/event-stream"].schema) : undefined,
    paging,
    admin: security.some((s) => "AdminApiKeyAuth" in s) && !security.some((s) => "ApiKeyAuth" in s)
  }
}

const bodyOf = (requestBody: Json): Op["body"] => {
  if (!requestBody?.content) return undefined
  const content = requestBody.content
  // Multipart wins when both are offered: it is the form that can carry files (as the official SDK sends it).
  const kind = content["multipart/form-data"] ? "multipart" : content["application/json"] ? "json" : "text"
  const contentType = kind === "json" ? "application/json" : kind === "multipart" ? "multipart/form-data" : Object.keys(content)[0]!
  const partTypes: Record<string, string> = {}
  if (kind === "multipart") {
    for (const [field, encoding] of Object.entries<Json>(content[contentType].encoding ?? {})) {
      if (typeof encoding?.contentType === "string") partTypes[field] = encoding.contentType
    }
  }
  return { kind, schema: content[contentType].schema ?? {}, required: requestBody.required === true, contentType, partTypes }
}

/** The success response by its content types; an event stream alone is no response body. */
const responseOf = (content: Json): Op["response"] => {
  const types = Object.keys(content)
  if (content["application/json"] && !types.some((t) => t !== "application/json" && t !== "text/event-stream")) {
    return { kind: "json", schema: content["application/json"].schema ?? {}, accept: undefined }
  }
  if (types.length === 0 || (types.length === 1 && types[0] === "text/event-stream")) {
    return { kind: "none", schema: undefined, accept: undefined }
  }
  const accept = types.filter((t) => t !== "text/event-stream").join(", ")
  return { kind: "binary", schema: undefined, accept }
}

/** The property names of each member of a union of event schemas (an `allOf` member's parts merged). */
const eventMembers = (spec: Json, schema: Json, out: Array<Set<string>>, seen: Set<Json>): void => {
  const s = deref(spec, schema, "schemas")
  if (s === undefined || seen.has(s)) return
  seen.add(s)
  const variants = s.oneOf ?? s.anyOf
  if (Array.isArray(variants)) {
    for (const variant of variants) eventMembers(spec, variant, out, seen)
    return
  }
  const names = new Set<string>()
  const collect = (part: Json): void => {
    const p = deref(spec, part, "schemas")
    for (const name of Object.keys(p?.properties ?? {})) names.add(name)
    for (const sub of p?.allOf ?? []) collect(sub)
  }
  collect(s)
  out.push(names)
}

const eventShapeOf = (spec: Json, schema: Json): EventShape => {
  const members: Array<Set<string>> = []
  eventMembers(spec, schema, members, new Set())
  if (members.length > 0 && members.every((m) => m.has("event") && m.has("data") && !m.has("type"))) return "named"
  if (members.length > 0 && members.every((m) => m.has("type"))) return "typed"
  return "plain"
}

/** The short `x-oaiMeta` name, or our own title; never the spec's summary sentence. */
const titleOf = (id: string, op: Json): string => {
  const title = op["x-oaiMeta"]?.name ?? titles[id]
  if (typeof title !== "string") throw new Error(`operation ${id} has no x-oaiMeta name; add a title in config.ts`)
  return title.replace(/\.$/, "")
}

const listStyle = (spec: Json, httpMethod: string, query: ReadonlyArray<Param>, response: Op["response"]): Op["paging"] => {
  if (httpMethod !== "get" || response.kind !== "json") return undefined
  const schema = deref(spec, response.schema, "schemas")
  const data = schema?.properties?.data
  if (data === undefined || deref(spec, data, "schemas")?.type !== "array") return undefined
  // A `next` cursor (the admin groups and roles lists) is sent back as `after`, not the last item's id.
  if (query.some((p) => p.name === "after")) return schema.properties.next !== undefined ? "next" : "after"
  if (query.some((p) => p.name === "page")) return "page"
  return "none"
}

const buildTree = (ops: ReadonlyArray<Op>): Node => {
  const root: Node = { segments: [], ops: [], children: new Map() }
  for (const op of ops) {
    let node = root
    for (const segment of op.resource) {
      let child = node.children.get(segment)
      if (!child) {
        child = { segments: [...node.segments, segment], ops: [], children: new Map() }
        node.children.set(segment, child)
      }
      node = child
    }
    node.ops.push(op)
  }
  return root
}

/** Whether the operation's JSON response is inline, so `Types.ts` declares a type (and `Schemas.ts` a schema) for it. */
export const ownsResponseType = (op: Op): boolean => op.response.kind === "json" && !op.response.schema.$ref

/**
 * Whether the operation's event type is its own union of the spec's events and an unknown event
 * (`UnknownStreamEvent`, or `UnknownNamedStreamEvent` for named events). Chat and legacy completion chunks carry no
 * kind to tell an unknown event by, so those streams keep the spec's chunk type.
 */
export const ownsEventType = (op: Op): boolean => op.eventShape !== undefined && op.eventShape !== "plain"

/** The type text of the events the spec declares for a stream. */
export const knownEventType = (eventSchema: Json): string =>
  eventSchema.$ref ? refName(eventSchema.$ref) : tsType(eventSchema, request)

/**
 * Names are taken in the order `Types.ts` declares them (component schemas, then each operation's params, response
 * and event type), so a clash gets the same numbered suffix on every run.
 */
const assignTypeNames = (spec: Json, ops: ReadonlyArray<Op>): Map<string, TypeNames> => {
  const taken = new Set<string>()
  for (const raw of Object.keys(spec.components.schemas)) {
    const name = typeName(raw)
    if (taken.has(name)) throw new Error(`two schemas map to the type name ${name}`)
    taken.add(name)
  }
  const unique = (base: string): string => {
    let name = base
    for (let i = 2; taken.has(name); i++) name = `${base}${i}`
    taken.add(name)
    return name
  }
  const names = new Map<string, TypeNames>()
  for (const op of ops) {
    const base = typeName(op.id)
    // A body, or any query or header parameter, makes a params type (see `paramsDeclaration` in emit/typesFile.ts).
    const params = op.body !== undefined || op.query.length > 0 || op.headers.length > 0 ? unique(`${base}Params`) : undefined
    const paramsRequired = op.query.some((p) => p.required) || op.headers.some((p) => p.required) ||
      (op.body !== undefined && hasRequired(spec, op.body.schema))
    let response = "void"
    let item: string | undefined
    if (op.response.kind === "json") {
      response = ownsResponseType(op) ? unique(`${base}Response`) : refName(op.response.schema.$ref)
      if (op.paging !== undefined) item = `${response}["data"][number]`
    }
    let event: string | undefined
    if (op.eventSchema) event = ownsEventType(op) ? unique(`${base}StreamEvent`) : knownEventType(op.eventSchema)
    names.set(op.id, { params, paramsRequired, response, event, item })
  }
  return names
}

const hasRequired = (spec: Json, schema: Json): boolean => {
  const s = deref(spec, schema, "schemas")
  if (!s) return false
  if (Array.isArray(s.required) && s.required.length > 0) return true
  if (Array.isArray(s.allOf)) return s.allOf.some((part: Json) => hasRequired(spec, part))
  return s.type === "string"
}
