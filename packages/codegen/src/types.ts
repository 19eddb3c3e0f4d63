/**
 * JSON Schema (OpenAPI 3.0/3.1 dialect) to TypeScript type text.
 *
 * Rules: enums of more than one string are open (`"a" | "b" | (string & {})`) so a new server value still
 * type-checks; a one-value enum or `const` stays a literal so discriminated unions narrow. `nullable` and
 * `null` types add `| null`; optional properties stay optional, so `null` and absent remain distinct.
 * Arrays are `ReadonlyArray`; binary strings are file inputs in requests and bytes elsewhere.
 */
type Json = any

export const typeName = (raw: string): string => {
  const cleaned = raw.replace(/[^A-Za-z0-9_]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ""))
  const name = cleaned.charAt(0).toUpperCase() + cleaned.slice(1)
  return /^[0-9]/.test(name) ? `T${name}` : name
}

export const refName = (ref: string): string => typeName(ref.split("/").pop()!)

const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/

export const propertyKey = (name: string): string => (identifier.test(name) ? name : JSON.stringify(name))

export interface TypeContext {
  /** `request`: binary strings become `FileInput`. */
  readonly mode: "request" | "response"
  /** Current indentation for object literals. */
  readonly indent: string
}

/** A top-level type in a request: binary strings are file inputs. */
export const request: TypeContext = { mode: "request", indent: "" }

const literal = (value: unknown): string => (value === null ? "null" : JSON.stringify(value))

const withNull = (text: string, nullable: boolean): string => (nullable && !/\bnull$/.test(text) ? `${text} | null` : text)

const paren = (text: string): string => (/[|&]/.test(text) && !/^\(.*\)$/.test(text) ? `(${text})` : text)

const unionOf = (parts: ReadonlyArray<string>): string => {
  const unique = [...new Set(parts)]
  if (unique.includes("unknown")) return "unknown"
  return unique.length === 0 ? "never" : unique.join(" | ")
}

export const tsType = (schema: Json, ctx: TypeContext): string => {
  if (schema === undefined || schema === null || schema === true) return "unknown"
  if (schema === false) return "never"
  if (typeof schema.$ref === "string") {
    return withNull(refName(schema.$ref), schema.nullable === true)
  }
  const nullable = schema.nullable === true
  if ("const" in schema) return withNull(literal(schema.const), nullable)
  if (Array.isArray(schema.enum)) {
    const values: Array<unknown> = schema.enum
    const hasNull = values.includes(null)
    const members = values.filter((v) => v !== null).map(literal)
    const open = members.length > 1 && values.every((v) => v === null || typeof v === "string")
    if (open) members.push("(string & {})")
    return withNull(unionOf(members), nullable || hasNull)
  }
  const variants = schema.oneOf ?? schema.anyOf
  if (Array.isArray(variants)) {
    const parts = variants.map((v: Json) => tsType(v, ctx))
    const base = unionOf(parts)
    const extra = objectPart(schema, ctx)
    return withNull(extra === undefined ? base : `${paren(base)} & ${extra}`, nullable)
  }
  if (Array.isArray(schema.allOf)) {
    const parts = schema.allOf.map((v: Json) => paren(tsType(v, ctx)))
    const extra = objectPart(schema, ctx)
    if (extra !== undefined) parts.push(extra)
    const unique = [...new Set(parts)].filter((p) => p !== "unknown")
    return withNull(unique.length === 0 ? "unknown" : unique.join(" & "), nullable)
  }
  const type = schema.type
  if (Array.isArray(type)) {
    const parts = type.filter((t: string) => t !== "null").map((t: string) => tsType({ ...schema, type: t }, ctx))
    return withNull(unionOf(parts), nullable || type.includes("null"))
  }
  switch (type) {
    case "string":
      if (schema.format === "binary") return withNull(ctx.mode === "request" ? "FileInput" : "Uint8Array", nullable)
      return withNull("string", nullable)
    case "integer":
    case "number":
      return withNull("number", nullable)
    case "boolean":
      return withNull("boolean", nullable)
    case "null":
      return "null"
    case "array":
      return withNull(`ReadonlyArray<${tsType(schema.items, ctx)}>`, nullable)
    case "object":
      return withNull(objectPart(schema, ctx) ?? "{ readonly [key: string]: unknown }", nullable)
    default:
      if (schema.properties !== undefined || schema.additionalProperties !== undefined) {
        return withNull(objectPart(schema, ctx) ?? "{ readonly [key: string]: unknown }", nullable)
      }
      return "unknown"
  }
}

/** The object literal for `properties`/`additionalProperties`, or `undefined` when there are none. */
export const objectPart = (schema: Json, ctx: TypeContext): string | undefined => {
  const properties: Record<string, Json> | undefined = schema.properties
  const additional = schema.additionalProperties
  const hasProps = properties !== undefined && Object.keys(properties).length > 0
  if (!hasProps && (additional === undefined || additional === false)) return undefined
  const inner = { ...ctx, indent: ctx.indent + "  " }
  const required = new Set<string>(Array.isArray(schema.required) ? schema.required : [])
  const lines: Array<string> = []
  if (hasProps) {
    for (const [name, prop] of Object.entries(properties)) {
      lines.push(`${inner.indent}readonly ${propertyKey(name)}${required.has(name) ? "" : "?"}: ${tsType(prop, inner)}`)
    }
  }
  if (additional !== undefined && additional !== false) {
    const value = additional === true ? "unknown" : tsType(additional, inner)
    lines.push(`${inner.indent}readonly [key: string]: ${hasProps ? "unknown" : value}`)
  }
  return `{\n${lines.join("\n")}\n${ctx.indent}}`
}

/** Whether a schema is a plain object with properties, so it can be an `interface`. */
export const isPlainObject = (schema: Json): boolean =>
  schema !== null && typeof schema === "object" && schema.type === "object" && schema.nullable !== true &&
  schema.properties !== undefined && Object.keys(schema.properties).length > 0 && schema.oneOf === undefined && schema.anyOf === undefined &&
  schema.allOf === undefined

/** Every `$ref` name a schema mentions, for deciding which types an operation needs. */
export const refsOf = (schema: Json, out: Set<string> = new Set()): Set<string> => {
  if (Array.isArray(schema)) {
    for (const item of schema) refsOf(item, out)
  } else if (schema !== null && typeof schema === "object") {
    if (typeof schema.$ref === "string") out.add(refName(schema.$ref))
    for (const key of Object.keys(schema)) refsOf(schema[key], out)
  }
  return out
}
