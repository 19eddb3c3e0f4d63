/**
 * JSON Schema to lenient Effect Schema expressions (see `packages/openai/src/internal/lenient.ts`).
 */
import { refName, typeName } from "./types.js"

type Json = any

const resolve = (spec: Json, node: Json): Json =>
  node && typeof node.$ref === "string" ? spec.components.schemas[node.$ref.split("/").pop()] : node

/** The `type` value that tells a union member apart, when it has exactly one. */
const discriminant = (spec: Json, member: Json, depth = 0): string | undefined => {
  const schema = resolve(spec, member)
  if (!schema || depth > 5) return undefined
  const type = schema.properties?.type
  if (type) {
    const t = resolve(spec, type)
    if (typeof t?.const === "string") return t.const
    if (Array.isArray(t?.enum) && t.enum.length === 1 && typeof t.enum[0] === "string") return t.enum[0]
  }
  if (Array.isArray(schema.allOf)) {
    for (const part of schema.allOf) {
      const d = discriminant(spec, part, depth + 1)
      if (d !== undefined) return d
    }
  }
  return undefined
}

/** Fields of an `allOf` whose parts are all objects, or `undefined` when one is not. */
const flatten = (spec: Json, schema: Json, seen: ReadonlyArray<string> = []): { properties: Record<string, Json>; required: Set<string> } | undefined => {
  const properties: Record<string, Json> = {}
  const required = new Set<string>()
  const visit = (node: Json, stack: ReadonlyArray<string>): boolean => {
    if (node?.$ref) {
      if (stack.includes(node.$ref)) return false
      return visit(resolve(spec, node), [...stack, node.$ref])
    }
    if (!node || typeof node !== "object") return false
    if (node.oneOf || node.anyOf) return false
    if (node.allOf) {
      for (const part of node.allOf) if (!visit(part, stack)) return false
    }
    if (node.type !== undefined && node.type !== "object") return false
    Object.assign(properties, node.properties ?? {})
    for (const r of node.required ?? []) required.add(r)
    return true
  }
  return visit(schema, seen) ? { properties, required } : undefined
}

export const schemaExpr = (spec: Json, schema: Json): string => {
  if (schema === undefined || schema === null || schema === true) return "S.unknown"
  if (typeof schema.$ref === "string") {
    // Every generated schema is lazy, so a plain reference is safe whatever the declaration order or cycles.
    const inner = refName(schema.$ref)
    return schema.nullable === true ? `S.nullable(${inner})` : inner
  }
  const wrap = (expr: string, nullable: boolean) => (nullable ? `S.nullable(${expr})` : expr)
  const nullable = schema.nullable === true
  if ("const" in schema) {
    return schema.const === null ? "S.null_" : wrap(`S.literal(${JSON.stringify(schema.const)})`, nullable)
  }
  if (Array.isArray(schema.enum)) {
    const values: Array<unknown> = schema.enum.filter((v: unknown) => v !== null)
    const hasNull = schema.enum.includes(null)
    let expr: string
    if (values.length === 1 && (typeof values[0] === "string" || typeof values[0] === "number" || typeof values[0] === "boolean")) {
      expr = `S.literal(${JSON.stringify(values[0])})`
    } else if (values.every((v) => typeof v === "string")) expr = "S.string"
    else if (values.every((v) => typeof v === "number")) expr = "S.number"
    else expr = "S.unknown"
    return wrap(expr, nullable || hasNull)
  }
  const variants: Array<Json> | undefined = schema.oneOf ?? schema.anyOf
  if (Array.isArray(variants)) {
    if (schema.properties !== undefined || schema.allOf !== undefined) return wrap("S.unknown", nullable)
    const nonNull = variants.filter((v) => v?.type !== "null")
    const hasNull = nonNull.length !== variants.length
    const members = nonNull.map((v) => schemaExpr(spec, v))
    if (members.includes("S.unknown")) return "S.unknown"
    const kinds = nonNull.map((v) => discriminant(spec, v))
    const tagged = kinds.length > 1 && kinds.every((k) => k !== undefined) && new Set(kinds).size === kinds.length
    const expr = `S.union([${members.join(", ")}]${tagged ? `, ${JSON.stringify(kinds)}` : ""})`
    return wrap(expr, nullable || hasNull)
  }
  if (Array.isArray(schema.allOf)) {
    const flat = flatten(spec, schema)
    return wrap(flat ? structExpr(spec, flat.properties, flat.required) : "S.unknown", nullable)
  }
  const type = schema.type
  if (Array.isArray(type)) {
    const parts = type.filter((t: string) => t !== "null").map((t: string) => schemaExpr(spec, { ...schema, type: t, nullable: false }))
    const base = parts.length === 1 ? parts[0]! : `S.union([${parts.join(", ")}])`
    return wrap(base, nullable || type.includes("null"))
  }
  switch (type) {
    case "string":
      return wrap(schema.format === "binary" ? "S.unknown" : "S.string", nullable)
    case "integer":
    case "number":
      return wrap("S.number", nullable)
    case "boolean":
      return wrap("S.boolean", nullable)
    case "null":
      return "S.null_"
    case "array":
      return wrap(`S.array(${schemaExpr(spec, schema.items)})`, nullable)
    default: {
      const properties: Record<string, Json> = schema.properties ?? {}
      if (Object.keys(properties).length > 0) {
        return wrap(structExpr(spec, properties, new Set(schema.required ?? [])), nullable)
      }
      const additional = schema.additionalProperties
      if (additional && typeof additional === "object") return wrap(`S.record(${schemaExpr(spec, additional)})`, nullable)
      if (type === "object" || additional !== undefined) return wrap("S.record(S.unknown)", nullable)
      return "S.unknown"
    }
  }
}

const structExpr = (spec: Json, properties: Record<string, Json>, required: ReadonlySet<string>): string => {
  const fields = Object.entries(properties).map(([name, prop]) => {
    const expr = schemaExpr(spec, prop)
    const nullable = expr.startsWith("S.nullable(") || expr === "S.null_" || expr === "S.unknown"
    return `${JSON.stringify(name)}: [${expr}, ${required.has(name)}${nullable ? ", true" : ""}]`
  })
  return `S.struct({ ${fields.join(", ")} })`
}

export const schemaConstName = typeName
