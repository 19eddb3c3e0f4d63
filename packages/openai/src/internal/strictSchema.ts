/**
 * A schema as the JSON Schema that strict structured outputs accept: every property required,
 * `additionalProperties: false`, an optional property sent as a nullable one, and nothing strict mode cannot
 * express (refused with the path and the construct, before anything is sent). `normalize` undoes the nullable
 * rewrite on an answer (a `null` where the schema had an optional, non-nullable property becomes an absent key),
 * so that the answer decodes with the user's own schema.
 *
 * Two sources: an Effect `Schema` (its encoded side, what the model writes: `Schema.Date` is a string), and a JSON
 * Schema that another library produced (Zod's `toJSONSchema`, a Standard JSON Schema, one written by hand).
 *
 * Keywords are refused by a deny list, not kept by an allow list: validation keywords the model may not honour
 * (`minLength`, ...) still reach the API, and the answer is checked by the user's schema when it is decoded anyway.
 * What the list refuses are the constructs strict mode rejects or cannot mean the same (tuples, records,
 * intersections, conditionals, negations).
 */
import * as JSONSchema from "effect/JSONSchema"
import type * as Schema from "effect/Schema"

type Json = Record<string, unknown>

/** The strict schema and the answer's normalizer, or what strict mode cannot express. */
export type Strict =
  | { readonly _tag: "Strict"; readonly schema: Json; readonly normalize: (value: unknown) => unknown }
  | { readonly _tag: "Unsupported"; readonly path: string; readonly reason: string }

/** How a JSON Schema is turned strict. */
export interface Options {
  /**
   * `"keep"` (the default) keeps annotations (`$schema`, `title`, `$comment`) as the source wrote them, so that a
   * Zod schema gives the request the official helpers give. `"drop"` leaves them out: Effect writes titles such as
   * `between(1, 5)` that tell the model nothing the constraint does not, and cost tokens on every request.
   */
  readonly annotations?: "keep" | "drop" | undefined
}

const tuples = "tuples (a fixed sequence of positions: `Schema.Tuple`, `z.tuple`) are not supported by strict " +
  "structured outputs: use a Struct with named fields, or an Array"
const records = "records and index signatures (`Schema.Record`, `z.record`, an object with `additionalProperties`) " +
  "are not supported by strict structured outputs: name the fields in a Struct, or use an Array of key/value Structs"

/** Keywords strict mode rejects, with what to say. */
const refusedKeywords: ReadonlyMap<string, string> = new Map([
  ["prefixItems", tuples],
  ["additionalItems", tuples],
  ["patternProperties", records],
  ["propertyNames", records],
  ["unevaluatedProperties", records],
  ["allOf", "intersections (`allOf`) are not supported by strict structured outputs: merge the fields into one Struct"],
  ["not", "negations (`not`, `Schema.Never`) are not supported by strict structured outputs"],
  ["if", "conditional schemas (`if`/`then`/`else`) are not supported by strict structured outputs"],
  ["then", "conditional schemas (`if`/`then`/`else`) are not supported by strict structured outputs"],
  ["else", "conditional schemas (`if`/`then`/`else`) are not supported by strict structured outputs"],
  ...[
    "contains",
    "minContains",
    "maxContains",
    "uniqueItems",
    "unevaluatedItems",
    "minProperties",
    "maxProperties",
    "dependencies",
    "dependentRequired",
    "dependentSchemas",
    "contentEncoding",
    "contentMediaType",
    "contentSchema",
    "$anchor",
    "$dynamicAnchor",
    "$dynamicRef",
    "$recursiveAnchor",
    "$recursiveRef"
  ].map((key) => [key, `\`${key}\` is not supported by strict structured outputs`] as const)
])

/** Annotations left out with `annotations: "drop"`. */
const annotationKeywords: ReadonlySet<string> = new Set(["$schema", "$comment", "title"])

class Refusal {
  constructor(readonly path: string, readonly reason: string) {}
}

const isJson = (u: unknown): u is Json => typeof u === "object" && u !== null && !Array.isArray(u)

const defsKeys = ["$defs", "definitions"] as const

/** A JSON Pointer token as written in a `$ref` (`~1` is `/`, `~0` is `~`, percent-encoding allowed). */
const unescapeToken = (token: string): string => {
  let decoded = token
  try {
    decoded = decodeURIComponent(token)
  } catch {
    // not percent-encoded
  }
  return decoded.replace(/~1/g, "/").replace(/~0/g, "~")
}

interface Context {
  readonly root: Json
  readonly keep: boolean
  /** References met while building the strict tree. */
  readonly used: Set<string>
}

/** The schema a local `$ref` points to; `undefined` for any other reference. */
const target = (root: Json, ref: string): Json | undefined => {
  if (ref === "#") return root
  for (const key of defsKeys) {
    const prefix = `#/${key}/`
    if (ref.startsWith(prefix)) {
      const defs = root[key]
      const name = unescapeToken(ref.slice(prefix.length))
      if (isJson(defs) && !name.includes("/") && Object.hasOwn(defs, name) && isJson(defs[name])) return defs[name]
    }
  }
  return undefined
}

/** A node with its `$ref` chain followed (at most a few links: a longer chain is a cycle). */
const resolve = (root: Json, node: Json): Json => {
  let current = node
  for (let i = 0; i < 32 && typeof current.$ref === "string"; i++) {
    const next = target(root, current.$ref)
    if (next === undefined || next === current) return current
    current = next
  }
  return current
}

const typesOf = (node: Json): ReadonlySet<string> => {
  const type = node.type
  if (typeof type === "string") return new Set([type])
  if (Array.isArray(type)) return new Set(type.filter((t): t is string => typeof t === "string"))
  return new Set()
}

const branchesOf = (node: Json): ReadonlyArray<unknown> | undefined =>
  Array.isArray(node.anyOf) ? node.anyOf : Array.isArray(node.oneOf) ? node.oneOf : undefined

const allowsNull = (root: Json, node: Json, depth = 0): boolean => {
  if (depth > 32) return false
  const resolved = resolve(root, node)
  if (typesOf(resolved).has("null")) return true
  if (resolved.const === null) return true
  if (Array.isArray(resolved.enum) && resolved.enum.includes(null)) return true
  const branches = branchesOf(resolved)
  return branches !== undefined && branches.some((b) => isJson(b) && allowsNull(root, b, depth + 1))
}

const isObjectSchema = (node: Json): boolean => typesOf(node).has("object") || isJson(node.properties)

/** What a root that is not an object is, in words. */
const describe = (node: Json): string => {
  if (branchesOf(node) !== undefined) return "a union (`Schema.Union`, `z.union`)"
  if (Array.isArray(node.items) || node.prefixItems !== undefined) return "a tuple"
  const types = [...typesOf(node)]
  if (types.length === 0) return "a value of any type"
  return types.map((t) => (t === "array" ? "an array" : t === "integer" ? "an integer" : `a ${t}`)).join(" or ")
}

/** The strict copy of one node; `path` names it in refusals. */
const strictNode = (ctx: Context, node: unknown, path: string, depth: number): Json => {
  if (!isJson(node)) {
    throw new Refusal(
      path,
      typeof node === "boolean"
        ? "a boolean schema (`true`, `false`) is not supported by strict structured outputs"
        : "a schema must be a JSON object"
    )
  }
  if (depth > 128) throw new Refusal(path, "the schema nests too deeply")
  for (const key of Object.keys(node)) {
    const reason = refusedKeywords.get(key)
    if (reason !== undefined && node[key] !== undefined) throw new Refusal(path, reason)
  }
  if (node.anyOf !== undefined && node.oneOf !== undefined) {
    throw new Refusal(path, "`anyOf` and `oneOf` together are not supported by strict structured outputs")
  }
  const out: Json = {}
  for (const key of Object.keys(node)) {
    const value = node[key]
    if (value === undefined) continue
    switch (key) {
      case "properties":
      case "required":
      case "additionalProperties":
      case "$defs":
      case "definitions":
        break
      case "$id":
        // a nested `$id` would change what local references mean
        if (depth === 0 && ctx.keep) out.$id = value
        break
      case "$schema":
        if (depth === 0 && ctx.keep) out.$schema = value
        break
      case "$ref": {
        if (typeof value !== "string" || target(ctx.root, value) === undefined) {
          throw new Refusal(path, `only references to the schema's own definitions are supported, not ${JSON.stringify(value)}`)
        }
        ctx.used.add(value)
        out.$ref = value
        break
      }
      case "items": {
        if (Array.isArray(value)) throw new Refusal(path, tuples)
        out.items = strictNode(ctx, value, `${path}[]`, depth + 1)
        break
      }
      case "anyOf":
      case "oneOf": {
        // `oneOf` is sent as `anyOf`: strict mode has no `oneOf`, and the answer is checked by the user's schema.
        if (!Array.isArray(value) || value.length === 0) throw new Refusal(path, `\`${key}\` must be a non-empty list`)
        out.anyOf = value.map((branch, i) => strictNode(ctx, branch, `${path}.anyOf[${i}]`, depth + 1))
        break
      }
      default:
        if (ctx.keep || !annotationKeywords.has(key)) out[key] = value
    }
  }
  const types = typesOf(node)
  if (isObjectSchema(node)) {
    const additional = node.additionalProperties
    if (additional !== undefined && additional !== false) throw new Refusal(path, records)
    if (!isJson(node.properties)) {
      throw new Refusal(
        path,
        "an object without declared properties (a free-form object: `Schema.Object`, `z.looseObject`) is not supported by strict structured outputs"
      )
    }
    const properties = node.properties
    const required = new Set(Array.isArray(node.required) ? node.required.filter((r) => typeof r === "string") : [])
    for (const name of required) {
      if (!Object.hasOwn(properties, name)) throw new Refusal(path, `requires \`${name}\` but does not declare it`)
    }
    const strictProperties: Json = {}
    for (const name of Object.keys(properties)) {
      const property = properties[name]
      const propertyPath = /^[A-Za-z_$][\w$]*$/.test(name) ? `${path}.${name}` : `${path}[${JSON.stringify(name)}]`
      const strict = strictNode(ctx, property, propertyPath, depth + 1)
      // An optional property is sent as a required, nullable one; `normalize` turns its `null` back into absence.
      const value = required.has(name) || allowsNull(ctx.root, property as Json)
        ? strict
        : Object.keys(strict).length === 1 && Array.isArray(strict.anyOf)
        ? { anyOf: [...strict.anyOf, { type: "null" }] }
        : { anyOf: [strict, { type: "null" }] }
      // an own data property, also for a field named `__proto__`
      Object.defineProperty(strictProperties, name, { value, enumerable: true, writable: true, configurable: true })
    }
    if (types.size === 0) out.type = "object"
    out.properties = strictProperties
    out.required = Object.keys(properties)
    out.additionalProperties = false
  }
  if (types.has("array") && out.items === undefined) {
    throw new Refusal(path, "an array without an item schema is not supported by strict structured outputs")
  }
  if (
    types.size === 0 && out.anyOf === undefined && out.$ref === undefined && node.enum === undefined &&
    node.const === undefined && !isObjectSchema(node)
  ) {
    throw new Refusal(
      path,
      "a value of any type (`Schema.Unknown`, `Schema.Any`, `z.unknown()`) is not supported by strict structured outputs: give it a type"
    )
  }
  return out
}

/** Picks the branch of a union an answer took: strict answers carry every key of their branch, and its constants. */
const pickBranch = (root: Json, branches: ReadonlyArray<unknown>, value: Json, depth: number): Json | undefined => {
  const keys = Object.keys(value)
  for (const candidate of branches) {
    if (!isJson(candidate)) continue
    const branch = resolve(root, candidate)
    const nested = branchesOf(branch)
    if (nested !== undefined) {
      if (depth > 32) continue
      const inner = pickBranch(root, nested, value, depth + 1)
      if (inner !== undefined) return inner
      continue
    }
    const properties = branch.properties
    if (!isJson(properties)) continue
    const names = Object.keys(properties)
    if (names.length !== keys.length || !keys.every((k) => Object.hasOwn(properties, k))) continue
    const constantsMatch = names.every((name) => {
      const property = properties[name]
      if (!isJson(property)) return true
      const p = resolve(root, property)
      if (p.const !== undefined) return p.const === value[name]
      if (Array.isArray(p.enum) && p.enum.length === 1) return p.enum[0] === value[name]
      return true
    })
    if (constantsMatch) return branch
  }
  return undefined
}

/** Removes, along the original schema, the `null`s that stand for absent optional properties. */
const normalizer = (root: Json, top: Json) => {
  const walk = (node: Json, value: unknown, depth: number): unknown => {
    if (depth > 256 || typeof value !== "object" || value === null) return value
    const schema = resolve(root, node)
    if (Array.isArray(value)) {
      const items = schema.items
      return isJson(items) ? value.map((v) => walk(items, v, depth + 1)) : value
    }
    const answer = value as Json
    const branches = branchesOf(schema)
    if (branches !== undefined) {
      const branch = pickBranch(root, branches, answer, 0)
      return branch === undefined ? value : walk(branch, value, depth + 1)
    }
    const properties = schema.properties
    if (!isJson(properties)) return value
    const required = new Set(Array.isArray(schema.required) ? schema.required : [])
    const out: Json = {}
    for (const key of Object.keys(answer)) {
      const v = answer[key]
      const property = Object.hasOwn(properties, key) ? properties[key] : undefined
      if (v === null && isJson(property) && !required.has(key) && !allowsNull(root, property)) continue
      const next = isJson(property) ? walk(property, v, depth + 1) : v
      // an own data property: a key `__proto__` in an answer stays data
      Object.defineProperty(out, key, { value: next, enumerable: true, writable: true, configurable: true })
    }
    return out
  }
  return (value: unknown): unknown => walk(top, value, 0)
}

/** The strict form of a JSON Schema, or why it has none. Its root must be an object. */
export const fromJsonSchema = (json: unknown, options: Options = {}): Strict => {
  if (!isJson(json)) return { _tag: "Unsupported", path: "$", reason: "a schema must be a JSON object" }
  const ctx: Context = { root: json, keep: options.annotations !== "drop", used: new Set() }
  try {
    // A schema with an identifier is emitted as a `$ref` to its definition: the root is that definition.
    const top = resolve(json, json)
    if (!isObjectSchema(top) || branchesOf(top) !== undefined || [...typesOf(top)].some((t) => t !== "object")) {
      return {
        _tag: "Unsupported",
        path: "$",
        reason: `the root of a structured output must be an object (a Struct), not ${describe(top)}: ` +
          "wrap it in a field of a Struct"
      }
    }
    const rootNode = top === json ? json : { ...top, $schema: json.$schema, $id: json.$id }
    const schema = strictNode(ctx, rootNode, "$", 0)
    // The definitions the strict tree refers to, directly or through each other; the others are left out.
    const done = new Set<string>()
    const defs: Partial<Record<(typeof defsKeys)[number], Json>> = {}
    for (let pending = [...ctx.used]; pending.length > 0; pending = [...ctx.used].filter((r) => !done.has(r))) {
      for (const ref of pending) {
        done.add(ref)
        if (ref === "#") continue
        const container = ref.startsWith("#/$defs/") ? "$defs" : "definitions"
        const name = unescapeToken(ref.slice(container.length + 3))
        const strict = strictNode(ctx, target(json, ref), `${container}.${name}`, 1)
        const into = (defs[container] ??= {})
        Object.defineProperty(into, name, { value: strict, enumerable: true, writable: true, configurable: true })
      }
    }
    for (const key of defsKeys) if (defs[key] !== undefined) schema[key] = defs[key]
    return { _tag: "Strict", schema, normalize: normalizer(json, top) }
  } catch (error) {
    if (error instanceof Refusal) return { _tag: "Unsupported", path: error.path, reason: error.reason }
    throw error
  }
}

/** `at path: ["a"]["b"]` in Effect's JSON Schema errors, as `$.a.b`. */
const pathOf = (message: string): string => {
  const match = /at path: ((?:\[[^\]]*\])+)/.exec(message)
  if (match === null) return "$"
  const segments = [...match[1]!.matchAll(/\[([^\]]*)\]/g)].map((m) => {
    try {
      const key: unknown = JSON.parse(m[1]!)
      return typeof key === "number" ? `[${key}]` : `.${String(key)}`
    } catch {
      return `.${m[1]}`
    }
  })
  return `$${segments.join("")}`
}

/** The strict JSON Schema of an Effect schema (its encoded side: what the model writes), or why it has none. */
export const toStrict = <A, I>(schema: Schema.Schema<A, I, never>): Strict => {
  let json: unknown
  try {
    json = JSONSchema.make(schema)
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause)
    const declared = /schema \(([^)]*)\): (.*)/.exec(message)
    return {
      _tag: "Unsupported",
      path: pathOf(message),
      reason: declared === null
        ? message.split("\n")[0]!
        : `\`${declared[2]}\` has no JSON form: a structured output needs a schema whose encoded side is JSON ` +
          "(`Schema.Date` rather than `Schema.DateFromSelf`, `Schema.BigInt` rather than `Schema.BigIntFromSelf`)"
    }
  }
  return fromJsonSchema(json, { annotations: "drop" })
}
