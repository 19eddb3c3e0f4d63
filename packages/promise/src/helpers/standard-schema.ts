/**
 * `@effect-openai/promise/helpers/standard-schema`: formats and function tools from any Standard Schema
 * (https://standardschema.dev: Effect Schema, Zod, Valibot, ArkType...), as `openai/helpers/standard-schema` has them.
 *
 * Standard Schema validates; it does not say what JSON Schema to send. The JSON Schema comes, in this order, from
 * `schema` when you pass one; from the core's strict conversion for an Effect schema (plain, or wrapped by
 * `Schema.standardSchemaV1`): the same request and decoding as `StructuredOutput` on the Effect surface; from the
 * schema's `~standard.jsonSchema` (the Standard JSON Schema extension: Zod 4.2+, and others). Otherwise the helper
 * throws `UnsupportedSchemaError` and asks for `schema`.
 *
 * The JSON Schema is made strict (every property required, objects closed, an optional property sent as nullable
 * and its `null` turned back into absence before validation); a construct strict mode cannot express throws
 * `UnsupportedSchemaError` here, before anything is sent. Answers are checked by the schema's synchronous
 * `validate`; one it refuses throws `StructuredOutputParseError` with the raw text.
 *
 * ```ts
 * const Event = Schema.Struct({ title: Schema.String, at: Schema.Date })
 * const completion = await client.chat.completions.parse({
 *   model: "gpt-4o-mini",
 *   messages: [{ role: "user", content: "Lunch with Ada tomorrow at noon" }],
 *   response_format: standardResponseFormat(Event, "event")
 * })
 * completion.choices[0]?.message.parsed?.at // a Date
 * ```
 */
import type * as Schema from "effect/Schema"
import type { ResponseFormatTextJSONSchemaConfig } from "../generated/resources/responses/responses.js"
import type { ResponseFormatJSONSchema } from "../generated/resources/shared.js"
import { prepare, type StandardSchemaLike } from "../internal/structured.js"
import {
  type AutoParseableResponseFormat,
  type AutoParseableResponseTool,
  type AutoParseableTextFormat,
  type AutoParseableTool,
  makeParseableResponseFormat,
  makeParseableResponseTool,
  makeParseableTextFormat,
  makeParseableTool
} from "../lib/parse.js"

export type { StandardSchemaLike } from "../internal/structured.js"

/** A schema these helpers take: a Standard Schema, or an Effect schema that needs no services. */
export type SchemaLike = StandardSchemaLike | Schema.Schema<any, any, never>

/** The type a schema's answers parse to. */
export type InferOutput<S> = S extends Schema.Schema<infer A, any, never> ? A
  : S extends { readonly "~standard": { readonly types?: infer Types } }
    ? [NonNullable<Types>] extends [never] ? unknown : NonNullable<Types> extends { readonly output: infer Output } ? Output : unknown
  : unknown

/** A JSON Schema to send instead of one derived from the schema. */
interface ExplicitSchema {
  schema?: Record<string, unknown> | undefined
}

type FunctionOf<Parameters> = (args: InferOutput<Parameters>) => unknown

const nonEmpty = (description: string | null | undefined): { description: string } | {} =>
  typeof description === "string" && description !== "" ? { description } : {}

/** A Chat Completions `response_format` (strict `json_schema`) whose answers `parse` turns into the schema's output. */
export function standardResponseFormat<S extends SchemaLike>(
  schema: S,
  name: string,
  props: Omit<ResponseFormatJSONSchema.JSONSchema, "schema" | "strict" | "name"> & ExplicitSchema = {}
): AutoParseableResponseFormat<InferOutput<S>> {
  const { schema: explicit, ...rest } = props
  const prepared = prepare(schema, name, explicit)
  return makeParseableResponseFormat(
    { type: "json_schema", json_schema: { ...rest, name, strict: true, schema: prepared.schema } },
    (content) => prepared.parse(content) as InferOutput<S>
  )
}

/** A Responses `text.format` (strict `json_schema`) whose answers `parse` turns into the schema's output. */
export function standardTextFormat<S extends SchemaLike>(
  schema: S,
  name: string,
  props: Omit<ResponseFormatTextJSONSchemaConfig, "schema" | "type" | "strict" | "name"> & ExplicitSchema = {}
): AutoParseableTextFormat<InferOutput<S>> {
  const { schema: explicit, ...rest } = props
  const prepared = prepare(schema, name, explicit)
  return makeParseableTextFormat(
    { type: "json_schema", ...rest, name, strict: true, schema: prepared.schema },
    (content) => prepared.parse(content) as InferOutput<S>
  )
}

/** What the function tool helpers take. */
export interface StandardFunctionOptions<Parameters extends SchemaLike> {
  name: string
  parameters: Parameters
  /** Called by `runTools` with the parsed arguments; `parse` does not call it. */
  function?: FunctionOf<Parameters> | undefined
  description?: string | undefined
  /** A JSON Schema to send instead of one derived from `parameters`. */
  schema?: Record<string, unknown> | undefined
}

type StandardTool<Parameters extends SchemaLike, Callback extends ((args: any) => unknown) | undefined> = AutoParseableTool<{
  arguments: InferOutput<Parameters>
  name: string
  function: Callback
}>

type StandardResponsesTool<Parameters extends SchemaLike, Callback extends ((args: any) => unknown) | undefined> = AutoParseableResponseTool<{
  arguments: InferOutput<Parameters>
  name: string
  function: Callback
}>

/**
 * A Chat Completions function tool with strict parameters from the schema; `parse` turns its calls' arguments into
 * the schema's output, and `runTools` calls `function` with them.
 */
export function standardFunction<Parameters extends SchemaLike>(
  options: StandardFunctionOptions<Parameters> & { function: FunctionOf<Parameters> }
): StandardTool<Parameters, FunctionOf<Parameters>>
export function standardFunction<Parameters extends SchemaLike>(
  options: StandardFunctionOptions<Parameters> & { function?: undefined }
): StandardTool<Parameters, undefined>
export function standardFunction<Parameters extends SchemaLike>(
  options: StandardFunctionOptions<Parameters>
): StandardTool<Parameters, FunctionOf<Parameters> | undefined>
export function standardFunction<Parameters extends SchemaLike>(
  options: StandardFunctionOptions<Parameters>
): StandardTool<Parameters, any> {
  const prepared = prepare(options.parameters, options.name, options.schema)
  return makeParseableTool(
    {
      type: "function",
      function: { name: options.name, parameters: prepared.schema, strict: true, ...nonEmpty(options.description) }
    },
    { parser: (args) => prepared.parse(args) as InferOutput<Parameters>, callback: options.function }
  )
}

/**
 * A Responses function tool with strict parameters from the schema; `parse` turns its calls' arguments into the
 * schema's output (`parsed_arguments`). `function` is kept on the tool; `parse` does not call it.
 */
export function standardResponsesFunction<Parameters extends SchemaLike>(
  options: StandardFunctionOptions<Parameters> & { function: FunctionOf<Parameters>; defer_loading?: boolean | undefined }
): StandardResponsesTool<Parameters, FunctionOf<Parameters>>
export function standardResponsesFunction<Parameters extends SchemaLike>(
  options: StandardFunctionOptions<Parameters> & { function?: undefined; defer_loading?: boolean | undefined }
): StandardResponsesTool<Parameters, undefined>
export function standardResponsesFunction<Parameters extends SchemaLike>(
  options: StandardFunctionOptions<Parameters> & { defer_loading?: boolean | undefined }
): StandardResponsesTool<Parameters, FunctionOf<Parameters> | undefined>
export function standardResponsesFunction<Parameters extends SchemaLike>(
  options: StandardFunctionOptions<Parameters> & { defer_loading?: boolean | undefined }
): StandardResponsesTool<Parameters, any> {
  const prepared = prepare(options.parameters, options.name, options.schema)
  return makeParseableResponseTool(
    {
      type: "function",
      name: options.name,
      parameters: prepared.schema,
      strict: true,
      ...(options.defer_loading === undefined ? {} : { defer_loading: options.defer_loading }),
      ...nonEmpty(options.description)
    },
    { parser: (args) => prepared.parse(args) as InferOutput<Parameters>, callback: options.function }
  )
}
