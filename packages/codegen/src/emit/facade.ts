/**
 * `packages/promise/src/generated/`: the Promise facade's resource tree and types under the official SDK's names.
 *
 * One module per official resource module (same relative path, `resources/chat/completions/completions.ts`), with
 * the resource class (a lazy getter per sub-resource, one method per operation calling the runtime's `call` or
 * `list`, the official overloads), the official type names as aliases of our `Types` (declared where the official
 * SDK declares them, re-exported from the class's namespace where it re-exports them) and the page aliases; and
 * `client.ts`, the `OpenAI` class and its namespace; and the official re-export modules (`resources/chat`,
 * `resources/chat/index`, `resources/index`) over them (see `facadeReexports.ts`). Everything comes from the
 * committed data in `packages/codegen/data` (see `scripts/official-surface.ts`) and the model.
 */
import * as Path from "node:path"
import type { Model, Op } from "../model.js"
import { facadeBases } from "../config.js"
import { operationConst } from "./resources.js"
import { type AlignedType, type Alignment, type ArgFacts, type ExportFacts, type Match, matchOfficial, type MethodFacts,
  type OverloadFacts, type ResourceFacts, type ReturnFacts, type Surface } from "./facadeModel.js"
import { emitReexports } from "./facadeReexports.js"
import { endpoint, header, namespaceName, referenceLink } from "./shared.js"

const Posix = Path.posix

/** Where the facade's runtime modules are, relative to `src/`. */
const runtime = {
  resource: "core/resource",
  apiPromise: "core/api-promise",
  streaming: "core/streaming",
  pagination: "core/pagination",
  client: "core/client",
  requestOptions: "internal/request-options",
  call: "internal/call"
} as const

/** Names of the official client's namespace that come from modules of its own we do not generate. */
const unsupportedClientExports = new Set(["DataResidency"])

export interface Facade {
  readonly files: Map<string, string>
  readonly matches: ReadonlyArray<Match>
}

/** Every generated file of the facade, by path relative to `packages/promise/src/generated`. */
export const emitFacade = (model: Model, surface: Surface, alignment: Alignment): Facade => {
  const matches = matchOfficial(model, surface)
  const facade = new Set(alignment.resources)
  const files = new Map<string, string>()
  for (const path of alignment.resources) {
    const facts = surface.resources[path]
    if (!facts) throw new Error(`the official surface has no resource ${path}`)
    files.set(`${facts.module}.ts`, emitModule(facts, surface, alignment, matches.filter((m) => m.resource.path === path), facade))
  }
  for (const [path, text] of emitReexports(surface, files)) files.set(path, text)
  files.set("client.ts", emitClient(surface, facade))
  return { files, matches }
}

// ---------------------------------------------------------------------------------------------------------------
// Imports: one table per module, so that a name imported from two modules (or declared here) gets a local alias.
// ---------------------------------------------------------------------------------------------------------------

class Imports {
  private readonly namespaces = new Map<string, { alias: string; typeOnly: boolean }>()
  private readonly named = new Map<string, Map<string, { local: string; typeOnly: boolean }>>()
  private readonly taken: Set<string>

  constructor(
    /** This module, relative to `src/` without extension. */
    private readonly self: string,
    /** Names declared in this module. */
    declared: Iterable<string>
  ) {
    this.taken = new Set(declared)
  }

  private specifier(target: string): string {
    if (target.startsWith("@")) return target
    const rel = Posix.relative(Posix.dirname(this.self), target)
    return (rel.startsWith(".") ? rel : `./${rel}`) + ".js"
  }

  /** `import type * as Alias from ...`; a value import when any use needs the value. */
  namespace(target: string, alias: string, typeOnly = true): string {
    const seen = this.namespaces.get(target)
    if (seen) {
      if (!typeOnly) seen.typeOnly = false
      return seen.alias
    }
    let name = alias
    for (let i = 2; this.taken.has(name); i++) name = `${alias}${i}`
    this.taken.add(name)
    this.namespaces.set(target, { alias: name, typeOnly })
    return name
  }

  /** `import { name as local } from ...`: the local name. */
  name(target: string, name: string, typeOnly: boolean, prefix: string): string {
    let byName = this.named.get(target)
    if (!byName) this.named.set(target, (byName = new Map()))
    const seen = byName.get(name)
    if (seen) {
      if (!typeOnly) seen.typeOnly = false
      return seen.local
    }
    let local = name
    if (this.taken.has(local)) local = `${prefix}${name}`
    for (let i = 2; this.taken.has(local); i++) local = `${prefix}${name}${i}`
    this.taken.add(local)
    byName.set(name, { local, typeOnly })
    return local
  }

  render(): string {
    const lines: Array<string> = []
    const targets = [...new Set([...this.namespaces.keys(), ...this.named.keys()])].sort((a, b) => {
      const pa = a.startsWith("@") ? 0 : 1
      const pb = b.startsWith("@") ? 0 : 1
      return pa - pb || a.localeCompare(b)
    })
    for (const target of targets) {
      const ns = this.namespaces.get(target)
      if (ns) lines.push(`import ${ns.typeOnly ? "type " : ""}* as ${ns.alias} from "${this.specifier(target)}"`)
      const byName = this.named.get(target)
      if (byName && byName.size) {
        const entries = [...byName].sort(([a], [b]) => a.localeCompare(b))
        const allTypes = entries.every(([, v]) => v.typeOnly)
        const parts = entries.map(([name, v]) =>
          `${!allTypes && v.typeOnly ? "type " : ""}${name}${v.local === name ? "" : ` as ${v.local}`}`)
        const from = `} from "${this.specifier(target)}"`
        const one = `import ${allTypes ? "type " : ""}{ ${parts.join(", ")} ${from}`
        lines.push(one.length <= 120 ? one : `import ${allTypes ? "type " : ""}{\n  ${parts.join(",\n  ")}\n${from}`)
      }
    }
    return lines.join("\n")
  }
}

/** `ChatCompletionsAPI` for `chat.completions`: the alias a module is imported under. */
const moduleAlias = (resource: string): string => resource.split(".").map(namespaceName).join("") + "API"

const moduleOf = (surface: Surface, resource: string): string => {
  const facts = surface.resources[resource]
  if (!facts) throw new Error(`no official resource ${resource}`)
  return `generated/${facts.module}`
}

// ---------------------------------------------------------------------------------------------------------------
// A resource module.
// ---------------------------------------------------------------------------------------------------------------

interface Context {
  readonly facts: ResourceFacts
  readonly surface: Surface
  readonly alignment: Alignment
  readonly imports: Imports
  readonly self: string
}

/**
 * The text of a reference to an official name from this module: its own name at the top, through the module's
 * own namespace import inside nested namespaces (where a nested name could shadow it), else through the defining
 * module's namespace import.
 */
const refer = (ctx: Context, key: string, nested: boolean): string => {
  const hash = key.indexOf("#")
  const resource = key.slice(0, hash)
  const name = key.slice(hash + 1)
  if (resource === ctx.facts.path && !nested) return name
  if (!ctx.alignment.resources.includes(resource)) throw new Error(`${ctx.facts.path} refers to ${key}, outside the facade`)
  return `${ctx.imports.namespace(moduleOf(ctx.surface, resource), moduleAlias(resource))}.${name}`
}

/** An alignment's expression with `T` imported and `{{key}}` references resolved. */
const expression = (ctx: Context, text: string, nested: boolean): string => {
  if (/\bT\./.test(text)) ctx.imports.namespace("@effect-openai/openai/generated/Types", "T")
  return text.replace(/\{\{([^}]+)\}\}/g, (_, key: string) => refer(ctx, key, nested))
}

interface NameNode {
  readonly children: Map<string, NameNode>
  aligned: AlignedType | undefined
}

/** The declared names as a tree: `ChatCompletion` with `Choice` under it, and so on. */
const nameTree = (facts: ResourceFacts, alignment: Alignment): NameNode => {
  const root: NameNode = { children: new Map(), aligned: undefined }
  const own = alignment.types[facts.path] ?? {}
  for (const qualified of facts.types) {
    let node = root
    for (const part of qualified.split(".")) {
      let child = node.children.get(part)
      if (!child) node.children.set(part, (child = { children: new Map(), aligned: undefined }))
      node = child
    }
    node.aligned = own[qualified]
  }
  return root
}

const fallbackDoc = (a: AlignedType, indent: string): string =>
  a.how === "fallback" ? `${indent}/** Not aligned (${a.reason ?? "no counterpart in our spec"}): \`unknown\`. */\n` : ""

/** `ResponseFormat` and `ParsedT` of `<ResponseFormat extends X = Y, ParsedT>`. */
const typeParamNames = (params: string | undefined): Array<string> => {
  if (params === undefined) return []
  const names: Array<string> = []
  let depth = 0
  let start = 1
  for (let i = 1; i < params.length; i++) {
    const c = params[i]
    if (c === "<" || c === "{" || c === "(") depth++
    else if ((c === ">" || c === "}" || c === ")") && depth > 0) depth--
    else if ((c === "," && depth === 0) || i === params.length - 1) {
      names.push(params.slice(start, i).trim().split(/\s/)[0]!)
      start = i + 1
    }
  }
  return names
}

const declareNames = (ctx: Context, node: NameNode, indent: string, nested: boolean): Array<string> => {
  const out: Array<string> = []
  for (const [name, child] of node.children) {
    const a = child.aligned
    if (a) {
      const params = a.params === undefined ? "" : expression(ctx, a.params, nested)
      let type = expression(ctx, a.type, nested)
      // A type parameter the official SDK declares but our type does not need is kept, and used as `{}`.
      for (const p of typeParamNames(a.params)) if (!new RegExp(`\\b${p}\\b`).test(type)) type = `${type} & Record<never, ${p}>`
      out.push(`${fallbackDoc(a, indent)}${indent}export type ${name}${params} = ${type}`)
    }
    if (child.children.size > 0) {
      out.push(`${indent}export ${nested ? "" : "declare "}namespace ${name} {`)
      out.push(...declareNames(ctx, child, indent + "  ", true))
      out.push(`${indent}}`)
    }
  }
  return out
}

/** A type in a method signature or page alias: an official reference, or text such as `string`. */
const typeText = (ctx: Context, ref: string, typeArgs?: string): string => {
  const text = ref.split(" | ").map((part) => (part.includes("#") ? refer(ctx, part, false) : part)).join(" | ")
  return typeArgs ? `${text}<${typeArgs.replace(/'/g, '"')}>` : text
}

const pageClassOf = (ctx: Context, pageRef: string): { readonly page: string; readonly item: string } => {
  const [resource, name] = pageRef.split("#") as [string, string]
  const page = ctx.surface.resources[resource]?.pages[name]
  if (!page) throw new Error(`no page alias ${pageRef}`)
  return page
}

const emitModule = (facts: ResourceFacts, surface: Surface, alignment: Alignment, matches: ReadonlyArray<Match>, facade: ReadonlySet<string>): string => {
  const self = `generated/${facts.module}`
  const declared = new Set<string>([...facts.types.map((t) => t.split(".")[0]!), ...Object.keys(facts.pages)])
  if (facts.className) declared.add(facts.className)
  const imports = new Imports(self, declared)
  const ctx: Context = { facts, surface, alignment, imports, self }
  const body: Array<string> = []

  if (facts.className) body.push(...emitClass(ctx, matches, facade))

  // The page aliases, then the official type names.
  for (const [name, page] of Object.entries(facts.pages)) {
    // A page of a fallback item (`webhooks`: endpoints our spec does not have) is a fallback too.
    const unaligned = page.item.split(" | ").find((ref) => {
      const hash = ref.indexOf("#")
      return hash !== -1 && alignment.types[ref.slice(0, hash)]?.[ref.slice(hash + 1)]?.how === "fallback"
    })
    if (unaligned !== undefined) {
      body.push(`/** Not aligned (its item, ${unaligned}, is not): \`unknown\`. */\nexport type ${name} = unknown`)
      continue
    }
    const pageClass = imports.name(runtime.pagination, page.page, true, "Pagination")
    body.push(`export type ${name} = ${pageClass}<${typeText(ctx, page.item)}>`)
  }
  if (Object.keys(facts.pages).length) body.push("")
  body.push(...declareNames(ctx, nameTree(facts, alignment), "", false))
  while (body.length > 0 && body[body.length - 1] === "") body.pop()

  // The class's namespace: the names the official SDK re-exports from it.
  if (facts.className) {
    const exported: Array<string> = []
    for (const e of facts.exports) {
      const entry = exportEntry(ctx, e, facade)
      if (entry) exported.push(entry)
    }
    if (exported.length) {
      if (body.length > 0) body.push("")
      body.push(`export declare namespace ${facts.className} {\n  export {\n    ${exported.join(",\n    ")}\n  }\n}`)
    }
  }
  const head = header(`${facts.path}: the official SDK's \`${facts.module}\` module over @effect-openai/openai (names from packages/codegen/data).`)
  const importText = imports.render()
  return `${head}\n${importText}${importText ? "\n\n" : ""}${body.join("\n")}\n`
}

/** `Completions as Completions` / `type ChatCompletion as ChatCompletion`, or nothing for names outside the facade. */
const exportEntry = (ctx: Context, e: ExportFacts, facade: ReadonlySet<string>): string | undefined => {
  if (e.kind === "class") {
    if (!facade.has(e.target)) return undefined
    const child = ctx.surface.resources[e.target]!
    const local = ctx.imports.name(moduleOf(ctx.surface, e.target), child.className, false, moduleAlias(e.target))
    return `${local} as ${e.name}`
  }
  if (e.kind === "page") return undefined
  const hash = e.target.indexOf("#")
  const resource = e.target.slice(0, hash)
  const name = e.target.slice(hash + 1)
  if (!facade.has(resource)) return undefined
  const local = resource === ctx.facts.path ? name : ctx.imports.name(moduleOf(ctx.surface, resource), name, true, moduleAlias(resource))
  return `type ${local} as ${e.name}`
}

// ---------------------------------------------------------------------------------------------------------------
// The resource class.
// ---------------------------------------------------------------------------------------------------------------

const emitClass = (ctx: Context, matches: ReadonlyArray<Match>, facade: ReadonlySet<string>): Array<string> => {
  const { facts, imports } = ctx
  const helpers = facadeBases[facts.path]
  const base = helpers === undefined
    ? imports.name(runtime.resource, "APIResource", false, "Core")
    : imports.name(helpers.module, helpers.name, false, "Lib")
  const lines: Array<string> = []
  const children = Object.entries(facts.children).filter(([, path]) => facade.has(path))
  const opCount = matches.length
  // A resource of helpers only (`webhooks`: our spec has its events, none of its operations).
  const helpersOnly = helpers !== undefined && opCount === 0 && children.length === 0
  const what = helpersOnly
    ? `the helpers of \`${helpers.name}\` only (our spec has none of its operations)`
    : `${opCount === 0 ? "sub-resources" : `${opCount} operation${opCount === 1 ? "" : "s"}`}${children.length && opCount ? ` and ${children.length} sub-resource${children.length === 1 ? "" : "s"}` : ""}`
  lines.push(`/**\n * \`client.${facts.path}\`: ${what}.\n *\n * @since 0.1.0\n */`)
  lines.push(`export class ${facts.className} extends ${base} {`)
  const members: Array<string> = []
  for (const [prop, path] of children) {
    const child = ctx.surface.resources[path]!
    const cls = imports.name(moduleOf(ctx.surface, path), child.className, false, moduleAlias(path))
    members.push(`  #${prop}?: ${cls}\n  get ${prop}(): ${cls} { return (this.#${prop} ??= new ${cls}(this._client)) }`)
  }
  // Methods in the official SDK's order.
  const order = new Map(facts.methods.map((m, i) => [m.name, i]))
  const sorted = [...matches].sort((a, b) => order.get(a.method.name)! - order.get(b.method.name)!)
  for (const m of sorted) members.push(emitMethod(ctx, m))
  if (helpersOnly) lines[lines.length - 1] += "}"
  else lines.push(members.join("\n\n"), "}")
  const statics = facts.exports.filter((e) => e.kind === "class" && facade.has(e.target))
  if (statics.length) {
    lines.push("")
    for (const e of statics) {
      const child = ctx.surface.resources[e.target]!
      lines.push(`${facts.className}.${e.name} = ${imports.name(moduleOf(ctx.surface, e.target), child.className, false, moduleAlias(e.target))}`)
    }
  }
  lines.push("")
  return lines
}

/** The official overloads our operation can serve: streaming ones only for streaming operations of ours. */
const overloadsFor = (op: Op, method: MethodFacts): Array<OverloadFacts> => {
  const all = method.overloads
  const withParams = all.some((o) => o.args.some((a) => a.type.includes("#")))
  return all.filter((o) => {
    // `list(options)`: request options in the params position, an overload of the official runtime's own.
    if (withParams && !o.args.some((a) => a.type.includes("#"))) return false
    if (!op.eventSchema && (o.returns.kind === "stream" || o.returns.kind === "either")) return false
    return o.returns.kind !== "other"
  })
}

/** The type an `APIPromise` of this return resolves to, or the whole `PagePromise` type for pages. */
const resolvedText = (ctx: Context, r: ReturnFacts): string => {
  const stream = () => ctx.imports.name(runtime.streaming, "Stream", true, "Core")
  switch (r.kind) {
    case "json":
      return typeText(ctx, r.type)
    case "stream":
      return `${stream()}<${typeText(ctx, r.event)}>`
    case "either":
      return `${stream()}<${typeText(ctx, r.event)}> | ${typeText(ctx, r.type)}`
    case "page":
      return `${ctx.imports.name(runtime.pagination, "PagePromise", true, "Core")}<${typeText(ctx, r.page)}, ${typeText(ctx, r.item)}>`
    case "binary":
      // `Response` is the web response; a module that declares its own `Response` (responses) reaches it by global.
      return ctx.facts.types.includes("Response") ? "globalThis.Response" : "Response"
    case "void":
      return "void"
    case "string":
      return "string"
    case "other":
      throw new Error(`unsupported return ${r.text}`)
  }
}

const promiseOf = (ctx: Context, inner: string): string => `${ctx.imports.name(runtime.apiPromise, "APIPromise", true, "Core")}<${inner}>`

const returnText = (ctx: Context, r: ReturnFacts): string =>
  r.kind === "page" ? resolvedText(ctx, r) : promiseOf(ctx, resolvedText(ctx, r))

/** The implementation's return: every overload's result (`Transcription`, `string`, a `Stream`, ...). */
const implementationReturn = (ctx: Context, overloads: ReadonlyArray<OverloadFacts>): string => {
  if (overloads.some((o) => o.returns.kind === "page")) return returnText(ctx, overloads[overloads.length - 1]!.returns)
  const parts = new Set(overloads.flatMap((o) => resolvedText(ctx, o.returns).split(" | ")))
  return promiseOf(ctx, [...parts].join(" | "))
}

const argText = (ctx: Context, a: ArgFacts): string => {
  if (a.type === "options") return `${a.name}?: ${ctx.imports.name(runtime.requestOptions, "RequestOptions", true, "Core")}`
  const type = a.type === "string" ? "string" : typeText(ctx, a.type, a.typeArgs) + (a.intersect ? ` & ${a.intersect}` : "")
  return `${a.name}${a.optional ? "?" : ""}: ${type}${a.nullable ? " | null" : ""}`
}

const methodDoc = (op: Op, method: MethodFacts, alias: boolean): string => {
  const lines = [`${op.title}: \`${endpoint(op)}\`.`]
  const tags = [`@see ${referenceLink(op)}`, "@since 0.1.0"]
  if (op.deprecated) tags.unshift("@deprecated The API marks this operation as deprecated.")
  else if (alias) tags.unshift("@deprecated Deprecated in the official SDK: `list` pages the same endpoint.")
  else if (method.deprecated) tags.unshift("@deprecated Deprecated in the official SDK.")
  return `  /**\n${lines.map((l) => `   * ${l}`).join("\n")}\n   *\n${tags.map((t) => `   * ${t}`).join("\n")}\n   */\n`
}

const emitMethod = (ctx: Context, { op, method, alias }: Match): string => {
  const overloads = overloadsFor(op, method)
  if (overloads.length === 0) throw new Error(`${ctx.facts.path}.${method.name}: no official overload fits ${op.id}`)
  const doc = methodDoc(op, method, alias)
  const signature = (o: OverloadFacts) => `${method.name}(${o.args.map((a) => argText(ctx, a)).join(", ")}): ${returnText(ctx, o.returns)}`
  const last = overloads[overloads.length - 1]!
  const path = last.args.find((a) => a.type === "string")?.name ?? "undefined"
  const params = last.args.find((a) => a.type.includes("#"))?.name ?? "undefined"
  const options = last.args.find((a) => a.type === "options")?.name ?? "undefined"
  // The descriptor by name, not as `Operations.x`: a bundler then gives it a short local name, and no object of all
  // 288 descriptors' names is built at startup (about 18 KB of a minified app, measured with esbuild).
  const op$ = ctx.imports.name("@effect-openai/openai/generated/Operations", operationConst(op), false, "Op")
  let invoke: string
  if (last.returns.kind === "page") {
    const page = ctx.imports.name(runtime.pagination, pageClassOf(ctx, last.returns.page).page, false, "Core")
    invoke = `${ctx.imports.name(runtime.call, "list", false, "Runtime")}(this._client, ${op$}, ${page}, ${path}, ${params}, ${options})`
  } else {
    invoke = `${ctx.imports.name(runtime.call, "call", false, "Runtime")}(this._client, ${op$}, ${path}, ${params}, ${options})`
  }
  const out: Array<string> = []
  if (overloads.length === 1) return `${doc}  ${signature(last)} {\n    return ${invoke}\n  }`
  for (const o of overloads) out.push(`${doc}  ${signature(o)}`)
  const args = last.args.map((a) => argText(ctx, a)).join(", ")
  out.push(`  ${method.name}(${args}): ${implementationReturn(ctx, overloads)} {\n    return ${invoke}\n  }`)
  return out.join("\n")
}

// ---------------------------------------------------------------------------------------------------------------
// The client.
// ---------------------------------------------------------------------------------------------------------------

const emitClient = (surface: Surface, facade: ReadonlySet<string>): string => {
  const self = "generated/client"
  const imports = new Imports(self, ["OpenAI"])
  const core = imports.name(runtime.client, "ClientCore", false, "Core")
  const lines: Array<string> = []
  lines.push("/**\n * The OpenAI API client: the official SDK's resource tree over the Effect core.\n *\n * @since 0.1.0\n */")
  lines.push(`export class OpenAI extends ${core} {`)
  const members: Array<string> = []
  for (const [prop, path] of Object.entries(surface.client.children)) {
    if (!facade.has(path)) continue
    const cls = imports.name(moduleOf(surface, path), surface.resources[path]!.className, false, moduleAlias(path))
    members.push(`  #${prop}?: ${cls}\n  get ${prop}(): ${cls} { return (this.#${prop} ??= new ${cls}(this)) }`)
  }
  lines.push(members.join("\n"))
  lines.push("}")
  lines.push("")
  const ns: Array<string> = []
  const entries: Array<string> = []
  const flush = () => {
    if (entries.length) ns.push(`  export {\n    ${entries.join(",\n    ")}\n  }`)
    entries.length = 0
  }
  for (const e of surface.client.exports) {
    if (unsupportedClientExports.has(e.name)) continue
    if (e.kind === "page") {
      flush()
      const pagination = imports.namespace(runtime.pagination, "Pagination", false)
      ns.push(`  export import ${e.name} = ${pagination}.${e.target.split("#")[1]}`)
      continue
    }
    if (e.kind === "class") {
      if (!facade.has(e.target)) continue
      const cls = imports.name(moduleOf(surface, e.target), surface.resources[e.target]!.className, false, moduleAlias(e.target))
      lines.push(`OpenAI.${e.name} = ${cls}`)
      entries.push(`${cls} as ${e.name}`)
      continue
    }
    const [where, name] = e.target.split("#") as [string, string]
    if (where === "internal/request-options") {
      flush()
      ns.push(`  export type ${e.name} = ${imports.namespace(runtime.requestOptions, "Opts")}.${name}`)
    } else if (where === "core/pagination") {
      entries.push(`type ${imports.name(runtime.pagination, name, true, "Core")} as ${e.name}`)
    } else if (where === "shared") {
      flush()
      ns.push(`  export type ${e.name} = ${imports.namespace(moduleOf(surface, "shared"), "Shared")}.${name}`)
    } else if (facade.has(where)) {
      entries.push(`type ${imports.name(moduleOf(surface, where), name, true, moduleAlias(where))} as ${e.name}`)
    }
  }
  flush()
  lines.push("")
  lines.push(`export declare namespace OpenAI {\n${ns.join("\n")}\n}`)
  return `${header("The `OpenAI` client of the Promise facade and its namespace of the official SDK's names.")}\n${imports.render()}\n\n${lines.join("\n")}\n`
}
