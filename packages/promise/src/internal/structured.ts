/**
 * What the format helpers share: a schema's strict JSON Schema (by the core's conversion) and the parser of its
 * answers. Three sources: an Effect `Schema` (converted and decoded by the core, as on the Effect surface), a JSON
 * Schema from elsewhere (Zod's `toJSONSchema`, `~standard.jsonSchema`, one passed by hand) made strict by the core and
 * checked by the schema's Standard Schema `validate`.
 */
import * as StructuredOutput from "@effect-openai/openai/helpers/StructuredOutput"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { StructuredOutputParseError, UnsupportedSchemaError } from "../core/error.js"

/** An issue a Standard Schema validator reports. */
export interface StandardIssue {
  readonly message: string
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined
}

/** What a Standard Schema validator answers. */
export type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<StandardIssue> }

/**
 * A Standard Schema (https://standardschema.dev), optionally with its JSON Schema (`~standard.jsonSchema`, the
 * Standard JSON Schema extension Zod 4.2+ and others implement).
 */
export interface StandardSchemaLike<Input = unknown, Output = Input> {
  readonly "~standard": {
    readonly version: 1
    readonly vendor: string
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>
    readonly types?: { readonly input: Input; readonly output: Output } | undefined
    readonly jsonSchema?: {
      readonly input: (options: { readonly target: "draft-07"; readonly libraryOptions?: Record<string, unknown> }) => unknown
    } | undefined
  }
}

/** The strict JSON Schema of a format or tool, and the parser of its answers (throws our error classes). */
export interface Prepared {
  readonly schema: Record<string, unknown>
  readonly parse: (text: string) => unknown
}

const isRecord = (u: unknown): u is Record<string, any> => typeof u === "object" && u !== null

const unsupported = (error: { readonly schemaName: string; readonly path: string; readonly reason: string }) =>
  new UnsupportedSchemaError({ schemaName: error.schemaName, path: error.path, reason: error.reason })

/** The schema sent for a JSON Schema, made strict; throws `UnsupportedSchemaError` when it cannot be. */
const strictOrThrow = (jsonSchema: unknown, schemaName: string): StructuredOutput.StrictJsonSchema => {
  const strict = StructuredOutput.strictJsonSchema(jsonSchema, { name: schemaName, annotations: "keep" })
  if (Either.isLeft(strict)) {
    throw new UnsupportedSchemaError({ schemaName, path: strict.left.path, reason: strict.left.reason })
  }
  return strict.right
}

const parseJson = (schemaName: string, text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch (cause) {
    throw new StructuredOutputParseError({ schemaName, text, issue: `not JSON (${(cause as Error).message})`, cause })
  }
}

const describeIssues = (issues: ReadonlyArray<StandardIssue>): string =>
  issues.map((issue) => {
    const path = (issue.path ?? []).map((p) => String(isRecord(p) ? (p as { key: PropertyKey }).key : p)).join(".")
    return path === "" ? issue.message : `${path}: ${issue.message}`
  }).join("; ")

/** A parser that checks an answer with a Standard Schema, after undoing the strict rewrite of optional fields. */
const standardParser = (standard: StandardSchemaLike, normalize: (u: unknown) => unknown, schemaName: string) => (text: string): unknown => {
  const value = normalize(parseJson(schemaName, text))
  const result = standard["~standard"].validate(value)
  if (isRecord(result) && typeof (result as { then?: unknown }).then === "function") {
    throw new StructuredOutputParseError({
      schemaName,
      text,
      issue: "the schema validates asynchronously; parsing answers needs a synchronous schema",
      cause: undefined
    })
  }
  const settled = result as StandardResult<unknown>
  if (settled.issues !== undefined) {
    throw new StructuredOutputParseError({ schemaName, text, issue: describeIssues(settled.issues), cause: settled.issues })
  }
  return settled.value
}

/** An Effect schema: converted and decoded by the core. */
const fromEffect = (schema: Schema.Schema<unknown, unknown, never>, schemaName: string): Prepared => {
  const strict = StructuredOutput.strictSchema(schema, { name: schemaName })
  if (Either.isLeft(strict)) throw unsupported(strict.left)
  const { normalize } = strict.right
  const decode = Schema.decodeUnknownEither(schema, { errors: "all" })
  return {
    schema: strict.right.schema,
    parse: (text) => {
      const result = decode(normalize(parseJson(schemaName, text)))
      if (Either.isLeft(result)) throw new StructuredOutputParseError({ schemaName, text, issue: result.left.message, cause: result.left })
      return result.right
    }
  }
}

/** A schema with its JSON Schema given: made strict, answers checked by its Standard Schema. */
export const fromJsonSchema = (standard: StandardSchemaLike, jsonSchema: unknown, schemaName: string): Prepared => {
  const { schema, normalize } = strictOrThrow(jsonSchema, schemaName)
  return { schema, parse: standardParser(standard, normalize, schemaName) }
}

/**
 * Any schema the standard helpers take: an explicit JSON Schema wins; else an Effect schema is converted by the
 * core; else the schema's own `~standard.jsonSchema`; else there is nothing to send.
 */
export const prepare = (schema: unknown, schemaName: string, explicit: unknown): Prepared => {
  const standard = isRecord(schema) && isRecord(schema["~standard"]) ? (schema as StandardSchemaLike) : undefined
  if (explicit !== undefined && explicit !== null) {
    if (Schema.isSchema(schema) && standard === undefined) {
      return fromJsonSchema(Schema.standardSchemaV1(schema as Schema.Schema<unknown, unknown, never>), explicit, schemaName)
    }
    if (standard === undefined) throw noStandard(schemaName)
    return fromJsonSchema(standard, explicit, schemaName)
  }
  if (Schema.isSchema(schema)) return fromEffect(schema as Schema.Schema<unknown, unknown, never>, schemaName)
  if (standard === undefined) throw noStandard(schemaName)
  const jsonSchema = standard["~standard"].jsonSchema
  if (jsonSchema === undefined || typeof jsonSchema.input !== "function") {
    throw new UnsupportedSchemaError({
      schemaName,
      path: "$",
      reason: `this ${standard["~standard"].vendor} schema gives no JSON Schema (\`~standard.jsonSchema\`): pass one as \`schema\`` +
        (standard["~standard"].vendor === "zod" ? ", or use `@effect-openai/promise/helpers/zod`" : "")
    })
  }
  return fromJsonSchema(standard, jsonSchema.input({ target: "draft-07" }), schemaName)
}

const noStandard = (schemaName: string) =>
  new UnsupportedSchemaError({ schemaName, path: "$", reason: "not a Standard Schema (no `~standard` property) nor an Effect schema" })
