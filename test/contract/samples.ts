/**
 * Valid request values synthesized from the spec's JSON Schemas, so that the contract suite can call every
 * operation with arguments the mock server accepts. Two modes:
 *
 * - `required`: the smallest value that satisfies a schema (required properties only, first enum value, bounds
 *   respected);
 * - `full`: every property set, at every depth (optional ones too, `readOnly` ones excepted), maps given one
 *   entry, arrays one item.
 *
 * Both are deterministic: unions take their first variant that is not `null`, enums their first value that is
 * not `null`, strings honour `format`, `pattern` and length bounds, numbers their bounds.
 */
import { Uploads } from "@effect-openai/openai"

type Json = any

export interface SampleContext {
  readonly spec: Json
  /** `$ref`s being expanded, to cut recursion. */
  readonly stack: ReadonlyArray<string>
  /** Set every property, not only the required ones. */
  readonly full?: boolean | undefined
}

const resolve = (spec: Json, ref: string): Json => {
  const parts = ref.replace(/^#\//, "").split("/")
  let node = spec
  for (const part of parts) node = node?.[part.replace(/~1/g, "/").replace(/~0/g, "~")]
  return node
}

/**
 * A string matching a simple pattern: literals, classes (`[a-z0-9_]`, first member taken), `\d`/`\w`, and the
 * quantifiers `? * + {n} {n,m}` (each at its least count, `+` once). Anything else gives `undefined`.
 */
const fromPattern = (pattern: string): string | undefined => {
  let out = ""
  let i = pattern.startsWith("^") ? 1 : 0
  const end = pattern.endsWith("$") && !pattern.endsWith("\\$") ? pattern.length - 1 : pattern.length
  while (i < end) {
    let unit: string
    const c = pattern[i]!
    if (c === "[") {
      const close = pattern.indexOf("]", i + 1)
      if (close === -1 || pattern[i + 1] === "^") return undefined
      unit = pattern[i + 1] === "\\" ? pattern[i + 2]! : pattern[i + 1]!
      i = close + 1
    } else if (c === "\\") {
      const e = pattern[i + 1]
      unit = e === "d" ? "0" : e === "w" ? "a" : e ?? ""
      i += 2
    } else if ("()|.".includes(c)) {
      return undefined
    } else {
      unit = c
      i++
    }
    let count = 1
    const q = pattern[i]
    if (q === "?" || q === "*") {
      count = 0
      i++
    } else if (q === "+") {
      i++
    } else if (q === "{") {
      const close = pattern.indexOf("}", i)
      const m = /^(\d+)/.exec(pattern.slice(i + 1, close))
      if (close === -1 || !m) return undefined
      count = Number(m[1])
      i = close + 1
    }
    out += unit.repeat(count)
  }
  try {
    return new RegExp(pattern).test(out) ? out : undefined
  } catch {
    return undefined
  }
}

const stringFor = (schema: Json): string => {
  switch (schema.format) {
    case "date-time":
      return "2025-01-01T00:00:00Z"
    case "date":
      return "2025-01-01"
    case "uri":
    case "url":
      return "https://example.com/a.png"
    case "email":
      return "someone@example.com"
    case "uuid":
      return "00000000-0000-4000-8000-000000000000"
  }
  if (typeof schema.pattern === "string") {
    const value = fromPattern(schema.pattern)
    if (value !== undefined) return value
  }
  const min = typeof schema.minLength === "number" ? schema.minLength : 1
  return "x".repeat(Math.max(1, min))
}

const numberFor = (schema: Json): number => {
  const min = typeof schema.minimum === "number" ? schema.minimum : typeof schema.exclusiveMinimum === "number" ? schema.exclusiveMinimum + 1 : undefined
  const max = typeof schema.maximum === "number" ? schema.maximum : typeof schema.exclusiveMaximum === "number" ? schema.exclusiveMaximum - 1 : undefined
  if (min !== undefined) return schema.type === "integer" ? Math.ceil(min) : min
  if (max !== undefined && max < 1) return schema.type === "integer" ? Math.floor(max) : max
  return 1
}

/** A file part: bytes named like the file the operation expects. */
const fileSample = (): Uploads.Uploadable => Uploads.toFile(new TextEncoder().encode("sample\n"), "sample.txt", { type: "text/plain" })

/** Whether an `allOf` part says what the value is, unlike a part that only adds `nullable` or a description. */
const constrains = (part: Json): boolean =>
  part !== null && typeof part === "object" &&
  ["$ref", "type", "properties", "items", "enum", "const", "allOf", "anyOf", "oneOf", "additionalProperties"].some((k) => k in part)

/** Whether a schema (after `$ref`) only admits `null`. */
const isNull = (schema: Json, ctx: SampleContext): boolean => {
  const s = typeof schema?.$ref === "string" ? resolve(ctx.spec, schema.$ref) : schema
  return s?.type === "null" || (Array.isArray(s?.enum) && s.enum.length === 1 && s.enum[0] === null)
}

export const sample = (schema: Json, ctx: SampleContext): unknown => {
  if (schema === undefined || schema === null || schema === true) return "x"
  if (typeof schema.$ref === "string") {
    if (ctx.stack.includes(schema.$ref)) return undefined
    return sample(resolve(ctx.spec, schema.$ref), { ...ctx, stack: [...ctx.stack, schema.$ref] })
  }
  if ("const" in schema) return schema.const
  if (Array.isArray(schema.enum)) return schema.enum.find((v: unknown) => v !== null) ?? null
  if (Array.isArray(schema.allOf)) {
    const merged: Record<string, unknown> = {}
    for (const part of schema.allOf.filter(constrains)) {
      const value = sample(part, ctx)
      if (value !== null && typeof value === "object" && !Array.isArray(value)) Object.assign(merged, value)
      else if (value !== undefined) return value
    }
    return Object.assign(merged, objectSample(schema, ctx))
  }
  const variants: Array<Json> | undefined = schema.oneOf ?? schema.anyOf
  if (Array.isArray(variants) && schema.properties !== undefined) {
    // Variants that only name required properties of the object around them: take the first one's names, and
    // leave out the names only the others require, so that exactly one variant matches.
    const first = variants[0] ?? {}
    const { anyOf: _a, oneOf: _o, not: _n, ...rest } = schema
    const required: Array<string> = [...(schema.required ?? []), ...(first.required ?? [])]
    const others = variants.slice(1).flatMap((v: Json) => v?.required ?? []).filter((name: string) => !required.includes(name))
    const properties = Object.fromEntries(Object.entries<Json>(schema.properties).filter(([name]) => !others.includes(name)))
    return objectSample({ ...rest, properties, required }, ctx)
  }
  if (Array.isArray(variants)) {
    for (const variant of variants) {
      if (isNull(variant, ctx)) continue
      const value = sample(variant, ctx)
      if (value !== undefined) return value
    }
    return null
  }
  const type = Array.isArray(schema.type) ? schema.type.find((t: string) => t !== "null") : schema.type
  switch (type) {
    case "string":
      return schema.format === "binary" ? fileSample() : stringFor(schema)
    case "integer":
    case "number":
      return numberFor(schema)
    case "boolean":
      return false
    case "null":
      return null
    case "array": {
      const item = sample(schema.items, ctx)
      const count = Math.max(1, typeof schema.minItems === "number" ? schema.minItems : 1)
      return item === undefined ? [] : Array.from({ length: count }, () => item)
    }
    case "object":
    default:
      if (type === undefined && schema.properties === undefined && schema.additionalProperties === undefined) return "x"
      return objectSample(schema, ctx)
  }
}

const objectSample = (schema: Json, ctx: SampleContext): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  const required: Array<string> = Array.isArray(schema.required) ? schema.required : []
  for (const name of required) {
    const prop = schema.properties?.[name]
    const value = sample(prop, ctx)
    if (value !== undefined) out[name] = value
  }
  if (ctx.full) {
    for (const [name, prop] of Object.entries<Json>(schema.properties ?? {})) {
      if (name in out || prop?.readOnly === true) continue
      const value = sample(prop, ctx)
      if (value !== undefined) out[name] = value
    }
    // A map (`additionalProperties` and no properties, as `metadata`): one entry.
    const extra = schema.additionalProperties
    if (schema.properties === undefined && extra !== undefined && extra !== false) {
      const value = sample(extra === true ? { type: "string" } : extra, ctx)
      if (value !== undefined) out.key = value
    }
  }
  if (typeof schema.minProperties === "number" && Object.keys(out).length < schema.minProperties && schema.properties) {
    for (const [name, prop] of Object.entries<Json>(schema.properties)) {
      if (Object.keys(out).length >= schema.minProperties) break
      if (name in out) continue
      const value = sample(prop, ctx)
      if (value !== undefined) out[name] = value
    }
  }
  return out
}
