/**
 * The machinery of `StructuredOutput`: the decoder a format or tool made from a schema carries, and the decoding of
 * completions and responses by the formats and tools of their params.
 */
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as SchemaAST from "effect/SchemaAST"
import * as OpenAIError from "../OpenAIError.js"
import type * as Types from "../generated/Types.js"
import type {
  DecodeFailure,
  Decoder,
  ParsedChatCompletionFor,
  ParsedResponseFor,
  StrictJsonSchema,
  TypeId as TypeIdType
} from "../helpers/StructuredOutput.js"
import * as Strict from "./strictSchema.js"

/** The key under which formats and tools made from a schema carry their decoder (`StructuredOutput.TypeId`). */
export const TypeId: TypeIdType = Symbol.for("@effect-openai/openai/StructuredOutput") as TypeIdType

const unsupportedError = (name: string, path: string, reason: string): OpenAIError.UnsupportedSchemaError =>
  new OpenAIError.UnsupportedSchemaError({
    message: `the schema of "${name}" cannot be a strict structured output: at ${path}, ${reason}`,
    schemaName: name,
    path,
    reason
  })

/** A strict conversion as `StructuredOutput.strictSchema` gives it: the schema, or `UnsupportedSchemaError`. */
export const fromStrict = (name: string, strict: Strict.Strict): Either.Either<StrictJsonSchema, OpenAIError.UnsupportedSchemaError> =>
  strict._tag === "Strict"
    ? Either.right({ schema: strict.schema, normalize: strict.normalize })
    : Either.left(unsupportedError(name, strict.path, strict.reason))

const validName = /^[A-Za-z0-9_-]{1,64}$/

/** The schema's identifier or title as a format name (letters, digits, `_`, `-`; at most 64), else `fallback`. */
export const nameOf = (schema: Schema.Schema.Any, fallback: string): string => {
  for (const found of [SchemaAST.getIdentifierAnnotation(schema.ast), SchemaAST.getTitleAnnotation(schema.ast)]) {
    if (Option.isSome(found)) {
      const name = found.value.replace(/[^A-Za-z0-9_-]+/g, "_").slice(0, 64)
      if (validName.test(name)) return name
    }
  }
  return fallback
}

const parseJson = (text: string): Either.Either<unknown, DecodeFailure> => {
  try {
    return Either.right(JSON.parse(text))
  } catch (cause) {
    return Either.left({ issue: `not JSON: ${cause instanceof Error ? cause.message : String(cause)}`, cause })
  }
}

/** The decoder of a schema, and the strict JSON Schema sent for it (`{}` when there is none: `check` refuses it). */
export const build = <A, I>(
  schema: Schema.Schema<A, I, never>,
  name: string
): { readonly decoder: Decoder<A>; readonly jsonSchema: Record<string, unknown> } => {
  const strict = Strict.toStrict(schema)
  const normalize = strict._tag === "Strict" ? strict.normalize : (u: unknown) => u
  const decodeValue = Schema.decodeUnknownEither(schema, { errors: "all" })
  const decoder: Decoder<A> = {
    name,
    unsupported: strict._tag === "Unsupported" ? unsupportedError(name, strict.path, strict.reason) : undefined,
    decode: (text) =>
      Either.flatMap(parseJson(text), (json) =>
        Either.mapLeft(decodeValue(normalize(json)), (error): DecodeFailure => ({ issue: error.message, cause: error })))
  }
  return { decoder, jsonSchema: strict._tag === "Strict" ? strict.schema : {} }
}

// --- decoding --------------------------------------------------------------------------------------------------------

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const decoderIn = (u: unknown): Decoder<unknown> | undefined =>
  isRecord(u) && isRecord((u as { [TypeId]?: unknown })[TypeId]) ? (u as { [TypeId]: Decoder<unknown> })[TypeId] : undefined

/** How a format's answers are decoded: by its decoder, by `JSON.parse` for a plain `json_schema`, or not at all. */
interface ContentParser {
  readonly name: string
  readonly decode: (text: string) => Either.Either<unknown, DecodeFailure>
}

const contentParser = (format: unknown): ContentParser | undefined => {
  const decoder = decoderIn(format)
  if (decoder !== undefined) return decoder
  if (!isRecord(format) || format.type !== "json_schema") return undefined
  const inner = isRecord(format.json_schema) ? format.json_schema : format
  return { name: typeof inner.name === "string" ? inner.name : "output", decode: parseJson }
}

const argumentsParser = (tool: unknown, name: string): ContentParser | undefined => {
  const decoder = decoderIn(tool)
  if (decoder !== undefined) return decoder
  const definition = isRecord(tool) && isRecord(tool.function) ? tool.function : tool
  return isRecord(definition) && definition.strict === true ? { name, decode: parseJson } : undefined
}

const parseFailure = (
  parser: ContentParser,
  target: "content" | "arguments",
  index: number,
  text: string,
  failure: DecodeFailure
): OpenAIError.StructuredOutputParseError =>
  new OpenAIError.StructuredOutputParseError({
    message: `the ${target === "content" ? "answer" : "arguments"} for "${parser.name}" do${
      target === "content" ? "es" : ""
    } not decode: ${failure.issue}`,
    schemaName: parser.name,
    target,
    index,
    text,
    issue: failure.issue,
    cause: failure.cause
  })

class Failed {
  constructor(readonly error: OpenAIError.StructuredOutputFailure) {}
}

const run = <A>(body: () => A): Either.Either<A, OpenAIError.StructuredOutputFailure> => {
  try {
    return Either.right(body())
  } catch (error) {
    if (error instanceof Failed) return Either.left(error.error)
    throw error
  }
}

const decodeOrFail = (parser: ContentParser, target: "content" | "arguments", index: number, text: string): unknown => {
  const result = parser.decode(text)
  if (Either.isLeft(result)) throw new Failed(parseFailure(parser, target, index, text, result.left))
  return result.right
}

const toolsOf = (params: unknown): ReadonlyArray<unknown> =>
  isRecord(params) && Array.isArray(params.tools) ? params.tools : []

const chatToolNamed = (tools: ReadonlyArray<unknown>, name: string): unknown =>
  tools.find((t) => isRecord(t) && t.type === "function" && isRecord(t.function) && t.function.name === name)

const refused = (refusal: string, index: number) =>
  new Failed(new OpenAIError.RefusalError({ message: `the model refused: ${refusal}`, refusal, index }))

const cutByLength = (index: number, text: string | undefined) =>
  new Failed(
    new OpenAIError.LengthFinishReasonError({
      message: "the answer was cut by the token limit (finish reason `length`), so it cannot be decoded",
      index,
      text
    })
  )

const filtered = (index: number) =>
  new Failed(
    new OpenAIError.ContentFilterFinishReasonError({
      message: "the answer was stopped by the content filter, so it cannot be decoded",
      index
    })
  )

/** `StructuredOutput.decodeChatCompletion`: each choice's content and each function call's arguments decoded. */
export const decodeChatCompletion = <P extends Types.CreateChatCompletionParams>(
  completion: Types.CreateChatCompletionResponse,
  params: P
): Either.Either<ParsedChatCompletionFor<P>, OpenAIError.StructuredOutputFailure> =>
  run(() => {
    const format = contentParser(params.response_format)
    const tools = toolsOf(params)
    const choices = completion.choices.map((choice, i) => {
      const index = typeof choice.index === "number" ? choice.index : i
      const message = choice.message
      if (choice.finish_reason === "length") throw cutByLength(index, message.content ?? undefined)
      if (choice.finish_reason === "content_filter") throw filtered(index)
      const calls = message.tool_calls?.map((call) => {
        if (call.type !== "function") return call
        const parser = argumentsParser(chatToolNamed(tools, call.function.name), call.function.name)
        const parsed = parser === undefined ? null : decodeOrFail(parser, "arguments", index, call.function.arguments)
        return { ...call, function: { ...call.function, parsed_arguments: parsed } }
      })
      const hasCalls = (calls?.length ?? 0) > 0 || message.function_call !== undefined
      let parsed: unknown = null
      if (format !== undefined) {
        if (typeof message.refusal === "string" && message.refusal !== "") throw refused(message.refusal, index)
        const content = message.content
        if (content !== null && content !== undefined && (content !== "" || !hasCalls)) {
          parsed = decodeOrFail(format, "content", index, content)
        } else if (!hasCalls) {
          const failure = { issue: "the message has no content", cause: undefined }
          throw new Failed(parseFailure(format, "content", index, "", failure))
        }
      }
      return { ...choice, message: { ...message, parsed, ...(calls === undefined ? {} : { tool_calls: calls }) } }
    })
    return { ...completion, choices } as unknown as ParsedChatCompletionFor<P>
  })

const responseToolNamed = (tools: ReadonlyArray<unknown>, name: string, namespace: string | undefined): unknown => {
  for (const t of tools) {
    if (!isRecord(t)) continue
    if (namespace === undefined && t.type === "function" && t.name === name) return t
    if (namespace !== undefined && t.type === "namespace" && t.name === namespace && Array.isArray(t.tools)) {
      return t.tools.find((nested) => isRecord(nested) && nested.type === "function" && nested.name === name)
    }
  }
  return undefined
}

/** `StructuredOutput.decodeResponse`: the final answer's text and each function call's arguments decoded. */
export const decodeResponse = <P extends Types.CreateResponseParams>(
  response: Types.Response,
  params: P
): Either.Either<ParsedResponseFor<P>, OpenAIError.StructuredOutputFailure> =>
  run(() => {
    const format = contentParser(isRecord(params.text) ? params.text.format : undefined)
    const tools = toolsOf(params)
    const output = response.output
    if (response.status === "incomplete" && format !== undefined) {
      const reason = response.incomplete_details?.reason
      const last = Math.max(0, output.length - 1)
      if (reason === "content_filter") throw filtered(last)
      const texts = output.flatMap((item) =>
        item.type === "message" ? item.content.flatMap((c) => (c.type === "output_text" ? [c.text] : [])) : []
      )
      throw cutByLength(last, texts.length === 0 ? undefined : texts.join(""))
    }
    let first: { readonly value: unknown } | undefined
    let calls = 0
    const parsedOutput = output.map((item, index) => {
      if (item.type === "function_call") {
        calls++
        const parser = argumentsParser(responseToolNamed(tools, item.name, item.namespace), item.name)
        const parsed = parser === undefined ? null : decodeOrFail(parser, "arguments", index, item.arguments)
        return { ...item, parsed_arguments: parsed }
      }
      if (item.type !== "message") return item
      const final = item.phase === undefined || item.phase === null || item.phase === "final_answer"
      const content = item.content.map((part) => {
        if (part.type === "refusal") {
          if (format !== undefined && final) throw refused(part.refusal, index)
          return part
        }
        if (part.type !== "output_text") return part
        const parsed = format !== undefined && final ? decodeOrFail(format, "content", index, part.text) : null
        if (format !== undefined && final && first === undefined) first = { value: parsed }
        return { ...part, parsed }
      })
      return { ...item, content }
    })
    if (format !== undefined && first === undefined && calls === 0) {
      const failure = { issue: "the response has no output text", cause: undefined }
      throw new Failed(parseFailure(format, "content", Math.max(0, output.length - 1), "", failure))
    }
    return { ...response, output: parsedOutput, output_parsed: first === undefined ? null : first.value } as unknown as ParsedResponseFor<P>
  })

/** `StructuredOutput.check`: the first format or tool of the params made from a schema strict mode refuses. */
export const check = (params: unknown): Either.Either<void, OpenAIError.UnsupportedSchemaError> => {
  if (!isRecord(params)) return Either.void
  const candidates: Array<unknown> = [params.response_format, isRecord(params.text) ? params.text.format : undefined]
  for (const t of toolsOf(params)) {
    candidates.push(t)
    if (isRecord(t) && t.type === "namespace" && Array.isArray(t.tools)) candidates.push(...t.tools)
  }
  for (const candidate of candidates) {
    const unsupported = decoderIn(candidate)?.unsupported
    if (unsupported !== undefined) return Either.left(unsupported)
  }
  return Either.void
}

/** The params without `stream`: the helpers send one request and decode its answer. */
export const withoutStream = <P extends object>(params: P): P => {
  if (!("stream" in params)) return params
  const { stream: _stream, ...rest } = params as P & { readonly stream?: unknown }
  return rest as P
}
