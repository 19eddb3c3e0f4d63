/**
 * Valid request values synthesized from the spec's JSON Schemas: the smallest value that satisfies a schema
 * (required properties only, first enum value, bounds respected), so that the contract suite can call every
 * operation with arguments the mock server accepts.
 */
import { Uploads } from "@effect-openai/openai"

type Json = any

export interface SampleContext {
  readonly spec: Json
  /** `$ref`s being expanded, to cut recursion. */
  readonly stack: ReadonlyArray<string>
}

const resolve = (spec: Json, ref: string): Json => {
  const parts = ref.replace(/^#\//, "").split("/")
  let node = spec
  for (const part of parts) node = node?.[part.replace(/~1/g, "/").replace(/~0/g, "~")]
  return node
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
    for (const part of schema.allOf) {
      const value = sample(part, ctx)
      if (value !== null && typeof value === "object" && !Array.isArray(value)) Object.assign(merged, value)
      else if (value !== undefined) return value
    }
    return Object.assign(merged, objectSample(schema, ctx))
  }
  const variants: Array<Json> | undefined = schema.oneOf ?? schema.anyOf
  if (Array.isArray(variants) && schema.properties !== undefined) {
    // Variants that only name required properties of the object around them: take the first one's names.
    const first = variants[0] ?? {}
    const { anyOf: _a, oneOf: _o, not: _n, ...rest } = schema
    return objectSample({ ...rest, required: [...(schema.required ?? []), ...(first.required ?? [])] }, ctx)
  }
  if (Array.isArray(variants)) {
    for (const variant of variants) {
      if (variant?.type === "null") continue
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
