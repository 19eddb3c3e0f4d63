/**
 * The tools of a tool loop: parameters schemas, the model's arguments decoded into a handler's input, and the
 * registry a loop checks and looks tools up in.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as JSONSchema from "effect/JSONSchema"
import * as Schema from "effect/Schema"
import * as SchemaAST from "effect/SchemaAST"
import { type ArgumentsFailure, type ParametersSchema, type Tool, ToolDefinitionError } from "../../helpers/ToolLoop.js"
import { toStrict } from "../strictSchema.js"

/** A failure (or anything else) as one line of text, for the model and for logs. */
export const messageOf = (u: unknown): string => {
  if (typeof u === "string") return u
  if (typeof u === "object" && u !== null) {
    const message = (u as { readonly message?: unknown }).message
    if (typeof message === "string" && message !== "") return message
    const tag = (u as { readonly _tag?: unknown })._tag
    if (typeof tag === "string") return tag
  }
  try {
    return JSON.stringify(u) ?? String(u)
  } catch {
    return String(u)
  }
}

const parseJson = (text: string): Either.Either<unknown, ArgumentsFailure> => {
  try {
    return Either.right(JSON.parse(text))
  } catch (cause) {
    return Either.left({ reason: "InvalidJson", detail: messageOf(cause), cause })
  }
}

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** The schema's plain JSON Schema (strict off): the root must still be an object. */
const looseSchema = <A, I>(schema: Schema.Schema<A, I, never>): ParametersSchema => {
  let json: Record<string, unknown>
  try {
    json = JSONSchema.make(schema) as unknown as Record<string, unknown>
  } catch (cause) {
    return { _tag: "Unsupported", path: "$", reason: messageOf(cause) }
  }
  const { $schema: _schema, ...rest } = json
  const defs = isObject(rest.$defs) ? rest.$defs : {}
  const root = typeof rest.$ref === "string" && rest.$ref.startsWith("#/$defs/") ? defs[rest.$ref.slice(8)] : rest
  if (!isObject(root) || root.type !== "object") {
    return { _tag: "Unsupported", path: "$", reason: "the parameters of a function must be an object (a Struct)" }
  }
  return { _tag: "JsonSchema", schema: rest }
}

/** `Schema.Struct({})`, which JSON Schema renders as "any object or array": a function without arguments. */
const isEmptyStruct = (ast: SchemaAST.AST): boolean =>
  SchemaAST.isTypeLiteral(ast) && ast.propertySignatures.length === 0 && ast.indexSignatures.length === 0

const noArguments: Readonly<Record<string, unknown>> = { type: "object", properties: {}, required: [], additionalProperties: false }

/**
 * What a tool made from a `Schema` sends (its strict JSON Schema, or the plain one with `strict` off) and how it
 * decodes the model's arguments: parsed, normalized (a `null` for an absent optional property removed), decoded.
 */
export const fromSchema = <A, I>(schema: Schema.Schema<A, I, never>, strict: boolean): {
  readonly parameters: ParametersSchema
  readonly decode: (args: string) => Effect.Effect<A, ArgumentsFailure>
} => {
  const decodeUnknown = Schema.decodeUnknown(schema, { errors: "all" })
  let parameters: ParametersSchema
  let normalize: (value: unknown) => unknown = (value) => value
  if (isEmptyStruct(schema.ast)) {
    parameters = { _tag: "JsonSchema", schema: noArguments }
  } else if (strict) {
    const result = toStrict(schema)
    if (result._tag === "Strict") {
      parameters = { _tag: "JsonSchema", schema: result.schema }
      normalize = result.normalize
    } else parameters = result
  } else parameters = looseSchema(schema)
  return {
    parameters,
    decode: (args) =>
      Either.match(parseJson(args), {
        onLeft: Effect.fail,
        onRight: (json) =>
          Effect.mapError(decodeUnknown(normalize(json)), (error): ArgumentsFailure => ({
            reason: "InvalidArguments",
            detail: error.message,
            cause: error
          }))
      })
  }
}

/** How a tool described by a JSON Schema decodes its arguments: parsed as JSON, or by the `decode` given. */
export const fromJsonSchema = <A>(
  decode: ((args: string) => Effect.Effect<A, unknown>) | undefined
): (args: string) => Effect.Effect<A, ArgumentsFailure> =>
  decode === undefined
    ? (args) => Either.match(parseJson(args), { onLeft: Effect.fail, onRight: (json) => Effect.succeed(json as A) })
    : (args) =>
      Effect.mapError(
        decode(args),
        (cause): ArgumentsFailure => ({ reason: "InvalidArguments", detail: messageOf(cause), cause })
      )

/** The tools by name, or why they cannot be sent. */
export const registryOf = (tools: ReadonlyArray<Tool.Any>): Effect.Effect<ReadonlyMap<string, Tool.Any>, ToolDefinitionError> =>
  Effect.suspend(() => {
    const registry = new Map<string, Tool.Any>()
    for (const t of tools) {
      if (registry.has(t.name)) {
        const reason = "two tools have this name"
        return Effect.fail(new ToolDefinitionError({ tool: t.name, path: undefined, reason, message: `tool "${t.name}": ${reason}` }))
      }
      if (t.parameters._tag === "Unsupported") {
        const { path, reason } = t.parameters
        return Effect.fail(new ToolDefinitionError({ tool: t.name, path, reason, message: `tool "${t.name}", parameters at ${path}: ${reason}` }))
      }
      registry.set(t.name, t)
    }
    return Effect.succeed(registry)
  })

/** The JSON Schema of a tool in a registry (`registryOf` refused the unsupported ones). */
export const schemaOf = (t: Tool.Any): Readonly<Record<string, unknown>> =>
  (t.parameters as Extract<ParametersSchema, { _tag: "JsonSchema" }>).schema
