/**
 * `src/generated/resources/**`: one module per resource, with a static descriptor per operation and the
 * functions that call the runtime in `src/internal/operation.ts`.
 */
import * as Path from "node:path"
import { hooks, resourceExtras, streamFlags, streamTerminals, headersOfResource } from "../config.js"
import type { Model, Node, Op, TypeNames } from "../model.js"
import { refName } from "../types.js"
import { endpoint, errorsOf, header, namespaceName, pathArgs, referenceLink, streamErrorsOf } from "./shared.js"

/** Which imports a resource module's operations use. */
interface Needs {
  effect: boolean
  stream: boolean
  page: boolean
  withResponse: boolean
}

/** Every resource module, by path relative to the generated folder. */
export const emitResources = ({ root, names }: Model): Map<string, string> => {
  const files = new Map<string, string>()
  const walk = (node: Node): void => {
    if (node.segments.length > 0) files.set(Path.join("resources", ...node.segments) + ".ts", emitResource(node, names))
    for (const child of node.children.values()) walk(child)
  }
  walk(root)
  return files
}

const emitResource = (node: Node, names: Map<string, TypeNames>): string => {
  const depth = node.segments.length
  const up = "../".repeat(depth)
  const out: Array<string> = []
  const title = node.segments.map(namespaceName).join(".")
  out.push(header(`${title}: ${node.ops.length === 0 ? "namespaces" : "operations"} of the OpenAI API.`))
  const needs: Needs = { effect: false, stream: false, page: false, withResponse: false }
  const body: Array<string> = []
  for (const op of node.ops) body.push(emitOperation(op, names.get(op.id)!, needs))
  const imports: Array<string> = []
  if (node.ops.length > 0) {
    if (needs.effect) imports.push(`import type * as Effect from "effect/Effect"`)
    if (needs.stream) imports.push(`import type * as Stream from "effect/Stream"`)
    imports.push(`import * as Op from "${up}../internal/operation.js"`)
    imports.push(`import * as Ops from "${up}Operations.js"`)
    imports.push(`import type { OpenAIClient } from "${up}../OpenAIClient.js"`)
    imports.push(`import type * as OpenAIError from "${up}../OpenAIError.js"`)
    imports.push(
      `import type { RequestOptions${needs.withResponse ? ", WithResponse" : ""} } from "${up}../OpenAIRequest.js"`
    )
    if (needs.page) imports.push(`import type { Page } from "${up}../Pagination.js"`)
    if (body.some((b) => b.includes("Types."))) imports.push(`import type * as Types from "${up}Types.js"`)
  }
  out.push(imports.join("\n") + (imports.length ? "\n" : ""))
  const extra = resourceExtras[node.segments.join(".")]
  if (extra) out.push(`/** The handwritten file-input helpers live here too. */\nexport * from "${up}../${extra}"\n`)
  for (const segment of [...node.children.keys()].sort()) {
    out.push(`/** @since 0.1.0 */\nexport * as ${namespaceName(segment)} from "./${node.segments.length === 0 ? "" : node.segments[depth - 1] + "/"}${segment}.js"\n`)
  }
  out.push(...body)
  return out.join("\n")
}

const doc = (lines: ReadonlyArray<string>, tags: ReadonlyArray<string>): string =>
  `/**\n${[...lines.map((l) => ` * ${l}`), " *", ...tags.map((t) => ` * ${t}`)].join("\n")}\n */\n`

const splitPath = (path: string): Array<string> => path.split(/\{[^}]+\}/)

/** The operation's descriptor, then its functions. */
const emitOperation = (op: Op, types: TypeNames, needs: Needs): string =>
  functions(op, types, `Ops.${operationConst(op)}`, needs).join("\n")

/** The name of an operation's descriptor in `Operations.ts`: its resource path and method, camel-cased. */
export const operationConst = (op: Op): string =>
  [...op.resource, op.method].map((s, i) => (i === 0 ? s : namespaceName(s))).join("")

/** `src/generated/Operations.ts`: every operation's descriptor, shared by the generated functions and adapters. */
export const emitOperations = ({ ops, names }: Model): string => {
  const out = [header("Every operation of the OpenAI API as a descriptor: what the runtime needs to build its requests.")]
  out.push(`import type { Operation } from "../internal/operation.js"\n`)
  for (const op of ops) {
    out.push(`/** \`${endpoint(op)}\` @since 0.1.0 */\nexport const ${operationConst(op)}: Operation = { ${descriptor(op, names.get(op.id)!).join(", ")} }\n`)
  }
  return out.join("\n")
}

const descriptor = (op: Op, types: TypeNames): Array<string> => {
  const fields: Array<string> = [
    `name: ${JSON.stringify([...op.resource, op.method].join("."))}`,
    `method: ${JSON.stringify(op.httpMethod)}`,
    `path: ${JSON.stringify(splitPath(op.path))}`
  ]
  if (op.pathParams.length > 0) fields.push(`pathNames: ${JSON.stringify(op.pathParams)}`)
  if (Object.keys(op.fixedQuery).length > 0) fields.push(`fixedQuery: ${JSON.stringify(op.fixedQuery)}`)
  if (op.query.length > 0) fields.push(`query: ${JSON.stringify(op.query.map((p) => p.name))}`)
  if (op.headers.length > 0) {
    fields.push(`headers: ${JSON.stringify(op.headers.map((p) => [p.schema?.["x-stainless-param"] ?? p.name, p.name]))}`)
  }
  if (op.body) fields.push(`body: ${JSON.stringify(op.body.kind)}`)
  if (op.body?.kind === "text") fields.push(`bodyType: ${JSON.stringify(op.body.contentType)}`)
  if (op.body !== undefined && Object.keys(op.body.partTypes).length > 0) fields.push(`partTypes: ${JSON.stringify(op.body.partTypes)}`)
  if (op.admin) fields.push(`admin: true`)
  if (op.paging) fields.push(`paging: ${JSON.stringify(op.paging)}`)
  const terminal = streamTerminals[op.id]
  if (op.eventSchema) {
    if (terminal === undefined) throw new Error(`streaming operation ${op.id} has no terminal in config.ts`)
    fields.push(`terminal: ${JSON.stringify(terminal)}`)
    if (streamFlags[op.id]) fields.push(`streamFlag: ${JSON.stringify(streamFlags[op.id])}`)
    if (op.eventShape === "named") fields.push(`named: true`)
  }
  if (hooks[op.id]) fields.push(`hook: ${JSON.stringify(hooks[op.id])}`)
  if (op.response.kind === "binary") fields.push(`binary: true`)
  const fixedHeaders = {
    ...(op.response.kind === "binary" ? { accept: op.response.accept } : {}),
    ...headersOfResource(op.resource)
  }
  if (Object.keys(fixedHeaders).length > 0) fields.push(`fixedHeaders: ${JSON.stringify(fixedHeaders)}`)
  if (op.response.kind === "json" && types.response !== "void") fields.push(`schema: ${JSON.stringify(types.response)}`)
  if (op.eventSchema?.$ref) fields.push(`eventSchema: ${JSON.stringify(refName(op.eventSchema.$ref))}`)
  return fields
}

/** The documented functions: a page and an item stream for lists, bytes for downloads, else data and with-response. */
const functions = (op: Op, types: TypeNames, constName: string, needs: Needs): Array<string> => {
  const args = pathArgs(op)
  const paramsType = types.params === undefined ? undefined : `Types.${types.params}`
  const signature: Array<string> = args.map((p) => `${p}: string`)
  if (paramsType) signature.push(types.paramsRequired ? `params: ${paramsType}` : `params?: ${paramsType}`)
  signature.push("options?: RequestOptions")
  const call = `${constName}, [${args.join(", ")}], ${paramsType ? "params" : "undefined"}, options`
  const sig = signature.join(", ")
  const what = `${op.title}: \`${endpoint(op)}\``
  const tags = (category: string) => [
    ...(op.deprecated ? ["@deprecated The API marks this operation as deprecated."] : []),
    `@see ${referenceLink(op)}`,
    "@since 0.1.0",
    `@category ${category}`
  ]
  const out: Array<string> = []
  // Errors are precise: every request's, what a file upload adds, and what a stream adds.
  const R = `${errorsOf(op)}, OpenAIClient`
  const streamR = `${streamErrorsOf(op)}, OpenAIClient`
  if (op.paging !== undefined) {
    needs.effect = needs.stream = needs.page = true
    const item = `Types.${types.item}`
    out.push(doc([`${what}. The first page; \`Pagination.nextPage\` and \`Pagination.pages\` go on from it.`], tags("operations")) +
      `export const ${op.method} = (${sig}): Effect.Effect<Page<${item}>, ${R}> =>\n  Op.page(${call})\n`)
    out.push(doc([`${what}. Every item across pages, fetched as the stream is pulled.`], tags("operations")) +
      `export const ${op.method}Stream = (${sig}): Stream.Stream<${item}, ${R}> =>\n  Op.items(${call})\n`)
  } else if (op.response.kind === "binary") {
    needs.effect = needs.stream = needs.withResponse = true
    out.push(doc([`${what}, with the response metadata. The body streams as it arrives.`], tags("operations")) +
      `export const ${op.method}WithResponse = (${sig}): Effect.Effect<WithResponse<Stream.Stream<Uint8Array, OpenAIError.RequestError>>, ${R}> =>\n  Op.bytesWithResponse(${call})\n`)
    out.push(doc([`${what}. The body as a byte stream.`], tags("operations")) +
      `export const ${op.method} = (${sig}): Stream.Stream<Uint8Array, ${R}> =>\n  Op.bytes(${call})\n`)
  } else {
    needs.effect = needs.withResponse = true
    const response = types.response === "void" ? "void" : `Types.${types.response}`
    out.push(doc([`${what}, with the response metadata.`], tags("operations")) +
      `export const ${op.method}WithResponse = (${sig}): Effect.Effect<WithResponse<${response}>, ${R}> =>\n  Op.json(${call})\n`)
    out.push(doc([`${what}.`], tags("operations")) +
      `export const ${op.method} = (${sig}): Effect.Effect<${response}, ${R}> =>\n  Op.data(${op.method}WithResponse(${[...args, ...(paramsType ? ["params"] : []), "options"].join(", ")}))\n`)
  }
  if (op.eventSchema) {
    needs.stream = true
    const event = `Types.${types.event}`
    const flagKeys = Object.keys(streamFlags[op.id] ?? { stream: true }).map((k) => JSON.stringify(k)).join(" | ")
    const streamParams = paramsType ? `Omit<${paramsType}, ${flagKeys}>` : undefined
    const streamSig = [...args.map((p) => `${p}: string`), ...(streamParams ? [types.paramsRequired ? `params: ${streamParams}` : `params?: ${streamParams}`] : []), "options?: RequestOptions"].join(", ")
    const flag = Object.entries(streamFlags[op.id] ?? { stream: true }).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(", ")
    out.push(doc([`${what}, streamed: each event as it arrives (\`${flag}\` is set for you).`], tags("operations")) +
      `export const ${op.method}Stream = (${streamSig}): Stream.Stream<${event}, ${streamR}> =>\n  Op.events(${call})\n`)
  }
  return out
}
