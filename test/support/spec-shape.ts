/**
 * Which fields a JSON value lacks that a schema of the OpenAPI spec requires. The generated schemas are lenient
 * about absent fields on purpose (servers leave some out), so a mock that must look like the real API is held to
 * the spec's `required` lists here.
 */
import { readFileSync } from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as Yaml from "yaml"

type Json = any

const specPath = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../../../shared/openapi/openapi.yaml")

let spec: Json
const loadSpec = (): Json => (spec ??= Yaml.parse(readFileSync(specPath, "utf8"), { maxAliasCount: -1 }))

const resolve = (schema: Json): Json =>
  typeof schema?.$ref === "string" ? resolve(loadSpec().components.schemas[schema.$ref.split("/").pop()]) : schema

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** Whether a union member can describe `value` at all: its JSON type, and its `type` tag when it has one. */
const fits = (schema: Json, value: unknown): boolean => {
  const s = resolve(schema)
  switch (s?.type) {
    case "null":
      return value === null
    case "object":
      if (!isObject(value)) return false
      break
    case "array":
      return Array.isArray(value)
    case "string":
      return typeof value === "string"
    case "integer":
    case "number":
      return typeof value === "number"
    case "boolean":
      return typeof value === "boolean"
  }
  const tag = resolve(s?.properties?.type)
  const tags: Array<unknown> | undefined = tag?.enum ?? (tag?.const === undefined ? undefined : [tag.const])
  return tags === undefined || !isObject(value) || tags.includes(value.type)
}

const check = (schema: Json, value: unknown, at: string): Array<string> => {
  const s = resolve(schema)
  if (typeof s !== "object" || s === null) return []
  const all: Array<Json> | undefined = s.allOf
  if (all) return all.flatMap((member) => check(member, value, at))
  const variants: Array<Json> | undefined = s.oneOf ?? s.anyOf
  if (variants) {
    const results = variants.filter((v) => fits(v, value)).map((v) => check(v, value, at))
    if (results.length === 0) return [`${at} (matches no variant)`]
    return results.find((r) => r.length === 0) ?? results.reduce((a, b) => (b.length < a.length ? b : a))
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => check(s.items, item, `${at}[${i}]`))
  if (!isObject(value)) return []
  const required: Array<string> = s.required ?? []
  const missing = required.filter((key) => !(key in value)).map((key) => `${at}.${key}`)
  const nested = Object.entries<Json>(s.properties ?? {}).flatMap(([key, property]) =>
    key in value ? check(property, value[key], `${at}.${key}`) : []
  )
  return [...missing, ...nested]
}

/** The paths (`$.response.output[0].status`) of required fields that `value` lacks, for the spec schema `name`. */
export const missingRequired = (name: string, value: unknown): Array<string> => {
  const schema = loadSpec().components.schemas[name]
  if (schema === undefined) throw new Error(`the spec has no schema ${name}`)
  return check(schema, value, "$")
}
