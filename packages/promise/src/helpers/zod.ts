/**
 * `@effect-openai/promise/helpers/zod`: `zodResponseFormat`, `zodTextFormat`, `zodFunction` and
 * `zodResponsesFunction`, as `openai/helpers/zod` has them. Zod is an optional peer dependency: install `zod` 4 (or
 * 3.25+, which ships Zod 4 under `zod/v4`) to use this module.
 *
 * The JSON Schema is Zod's own (`toJSONSchema`, draft 7: the output side, as the official helpers send it; the
 * input side, what the model writes, when the output side has no JSON form, as with `.transform`), made strict by
 * the core's conversion: for the schemas the official helpers accept, the request is the same. Unlike them, an
 * `.optional()` field without `.nullable()` is accepted: it is sent as nullable, and its `null` is turned back into
 * absence before Zod parses the answer. Zod 3 schemas (`zod/v3`) are not supported.
 *
 * An answer Zod refuses (or that is not JSON) throws `StructuredOutputParseError`, with the raw text and Zod's issues
 * as `cause`; a schema strict mode cannot express throws `UnsupportedSchemaError` when the format is made.
 */
import { toJSONSchema } from "zod/v4/core"
import { UnsupportedSchemaError } from "../core/error.js"
import type { ResponseFormatTextJSONSchemaConfig } from "../generated/resources/responses/responses.js"
import type { ResponseFormatJSONSchema } from "../generated/resources/shared.js"
import { fromJsonSchema, type Prepared, type StandardSchemaLike } from "../internal/structured.js"
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

/** A Zod schema, as far as the types go: Zod 4 (`_zod`), or the `_output` Zod 3 and 4 both declare. */
export type ZodTypeLike = { readonly _zod: { readonly output: unknown } } | { readonly _output: unknown }

/** The type a Zod schema parses to. */
export type InferZodType<T> = T extends { readonly _output: infer Output } ? Output
  : T extends { readonly _zod: { readonly output: infer Output } } ? Output
  : never

type FunctionOf<Parameters> = (args: InferZodType<Parameters>) => unknown

const isRecord = (u: unknown): u is Record<string, any> => typeof u === "object" && u !== null

/** Zod's JSON Schema of the output side, else of the input side; throws `UnsupportedSchemaError` without either. */
const zodJsonSchema = (schema: unknown, schemaName: string): unknown => {
  if (!isRecord(schema) || !isRecord(schema._zod)) {
    throw new UnsupportedSchemaError({
      schemaName,
      path: "$",
      reason: "not a Zod 4 schema: Zod 3 schemas are not supported; import `z` from `zod` 4, or from `zod/v4` with zod 3.25+"
    })
  }
  const zod = schema as unknown as Parameters<typeof toJSONSchema>[0]
  try {
    return toJSONSchema(zod, { target: "draft-7" })
  } catch (output) {
    try {
      return toJSONSchema(zod, { target: "draft-7", io: "input" })
    } catch {
      throw new UnsupportedSchemaError({ schemaName, path: "$", reason: `Zod cannot describe it in JSON Schema: ${(output as Error).message}` })
    }
  }
}

const prepareZod = (schema: unknown, schemaName: string): Prepared =>
  fromJsonSchema(schema as StandardSchemaLike, zodJsonSchema(schema, schemaName), schemaName)

const nonEmpty = (description: string | null | undefined): { description: string } | {} =>
  typeof description === "string" && description !== "" ? { description } : {}

/**
 * A Chat Completions `response_format` (strict `json_schema`) from a Zod schema; with `chat.completions.parse`
 * (or `.stream`, `.runTools`) each answer comes parsed by the schema as `message.parsed`.
 */
export function zodResponseFormat<ZodInput extends ZodTypeLike>(
  zodObject: ZodInput,
  name: string,
  props?: Omit<ResponseFormatJSONSchema.JSONSchema, "schema" | "strict" | "name">
): AutoParseableResponseFormat<InferZodType<ZodInput>> {
  const prepared = prepareZod(zodObject, name)
  return makeParseableResponseFormat(
    { type: "json_schema", json_schema: { ...props, name, strict: true, schema: prepared.schema } },
    (content) => prepared.parse(content) as InferZodType<ZodInput>
  )
}

/** A Responses `text.format` (strict `json_schema`) from a Zod schema; with `responses.parse`, `output_parsed`. */
export function zodTextFormat<ZodInput extends ZodTypeLike>(
  zodObject: ZodInput,
  name: string,
  props?: Omit<ResponseFormatTextJSONSchemaConfig, "schema" | "type" | "strict" | "name">
): AutoParseableTextFormat<InferZodType<ZodInput>> {
  const prepared = prepareZod(zodObject, name)
  return makeParseableTextFormat(
    { type: "json_schema", ...props, name, strict: true, schema: prepared.schema },
    (content) => prepared.parse(content) as InferZodType<ZodInput>
  )
}

/** What the function tool helpers take. */
export interface ZodFunctionOptions<Parameters extends ZodTypeLike> {
  name: string
  parameters: Parameters
  /** Called by `runTools` with the parsed arguments; `parse` does not call it. */
  function?: FunctionOf<Parameters> | undefined
  description?: string | undefined
}

type ZodTool<Parameters extends ZodTypeLike, Callback extends ((args: any) => unknown) | undefined> = AutoParseableTool<{
  arguments: InferZodType<Parameters>
  name: string
  function: Callback
}>

type ZodResponsesTool<Parameters extends ZodTypeLike, Callback extends ((args: any) => unknown) | undefined> = AutoParseableResponseTool<{
  arguments: InferZodType<Parameters>
  name: string
  function: Callback
}>

/**
 * A Chat Completions function tool with strict parameters from a Zod schema: `parse` gives its calls' arguments
 * parsed (`function.parsed_arguments`), `runTools` calls `function` with them.
 */
export function zodFunction<Parameters extends ZodTypeLike>(
  options: ZodFunctionOptions<Parameters> & { function: FunctionOf<Parameters> }
): ZodTool<Parameters, FunctionOf<Parameters>>
export function zodFunction<Parameters extends ZodTypeLike>(
  options: ZodFunctionOptions<Parameters> & { function?: undefined }
): ZodTool<Parameters, undefined>
export function zodFunction<Parameters extends ZodTypeLike>(
  options: ZodFunctionOptions<Parameters>
): ZodTool<Parameters, FunctionOf<Parameters> | undefined>
export function zodFunction<Parameters extends ZodTypeLike>(
  options: ZodFunctionOptions<Parameters>
): ZodTool<Parameters, any> {
  const prepared = prepareZod(options.parameters, options.name)
  return makeParseableTool(
    {
      type: "function",
      function: { name: options.name, parameters: prepared.schema, strict: true, ...nonEmpty(options.description) }
    },
    { parser: (args) => prepared.parse(args) as InferZodType<Parameters>, callback: options.function }
  )
}

/**
 * A Responses function tool with strict parameters from a Zod schema: `responses.parse` gives its calls' arguments
 * parsed (`parsed_arguments`). `function` is kept on the tool; `parse` does not call it.
 */
export function zodResponsesFunction<Parameters extends ZodTypeLike>(
  options: ZodFunctionOptions<Parameters> & { function: FunctionOf<Parameters>; defer_loading?: boolean | undefined }
): ZodResponsesTool<Parameters, FunctionOf<Parameters>>
export function zodResponsesFunction<Parameters extends ZodTypeLike>(
  options: ZodFunctionOptions<Parameters> & { function?: undefined; defer_loading?: boolean | undefined }
): ZodResponsesTool<Parameters, undefined>
export function zodResponsesFunction<Parameters extends ZodTypeLike>(
  options: ZodFunctionOptions<Parameters> & { defer_loading?: boolean | undefined }
): ZodResponsesTool<Parameters, FunctionOf<Parameters> | undefined>
export function zodResponsesFunction<Parameters extends ZodTypeLike>(
  options: ZodFunctionOptions<Parameters> & { defer_loading?: boolean | undefined }
): ZodResponsesTool<Parameters, any> {
  const prepared = prepareZod(options.parameters, options.name)
  return makeParseableResponseTool(
    {
      type: "function",
      name: options.name,
      parameters: prepared.schema,
      strict: true,
      ...(options.defer_loading === undefined ? {} : { defer_loading: options.defer_loading }),
      ...nonEmpty(options.description)
    },
    { parser: (args) => prepared.parse(args) as InferZodType<Parameters>, callback: options.function }
  )
}
