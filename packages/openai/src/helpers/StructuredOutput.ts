/**
 * Structured outputs from your own `Schema`: the request carries its strict JSON Schema, and the answer comes back
 * decoded with the same schema, so `Schema.Date`, brands and transforms work.
 *
 * ```ts
 * const Event = Schema.Struct({ title: Schema.String, at: Schema.Date, room: Schema.optional(Schema.String) })
 * const completion = yield* StructuredOutput.createChatCompletion({
 *   model: "gpt-4o-mini",
 *   messages: [{ role: "user", content: "Lunch with Ada tomorrow at noon" }],
 *   response_format: StructuredOutput.responseFormat(Event, { name: "event" })
 * })
 * completion.choices[0]?.message.parsed.at // a Date
 * ```
 *
 * The builders are named after the wire types they make: `responseFormat` (a Chat Completions `response_format`),
 * `textFormat` (a Responses `text.format`), `tool` (a Chat Completions `ChatCompletionTool`), `functionTool` (a
 * Responses `FunctionTool`). Their values are those wire objects, usable wherever the API takes one (also with
 * `Chat.Completions.create` or `createStream`); the schema rides along under a symbol key, which JSON never sends.
 *
 * The operations are named after the generated ones they call: `createChatCompletion` sends
 * `Chat.Completions.create`, `createResponse` sends `Responses.create`, then each decodes the answer (the official
 * SDK calls them `chat.completions.parse` and `responses.parse`; the Promise facade keeps those names). For
 * answers you already have (the end of a stream, a tool loop's turn), `decodeChatCompletion` and `decodeResponse`
 * do the decoding alone, and `check` refuses unsupported schemas before you send.
 *
 * Outcomes, all tagged (see `OpenAIError`): a schema strict mode cannot express fails with
 * `UnsupportedSchemaError` before anything is sent; a refusal with `RefusalError`; an answer cut by the token limit
 * with `LengthFinishReasonError`; a filtered one with `ContentFilterFinishReasonError`; an answer that does not
 * decode with `StructuredOutputParseError` (raw text kept).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import type * as Schema from "effect/Schema"
import type { OpenAIClient } from "../OpenAIClient.js"
import type * as OpenAIError from "../OpenAIError.js"
import type { RequestOptions } from "../OpenAIRequest.js"
import * as ChatCompletions from "../generated/resources/chat/completions.js"
import * as Responses from "../generated/resources/responses.js"
import type * as Types from "../generated/Types.js"
import * as Strict from "../internal/strictSchema.js"
import * as internal from "../internal/structuredOutput.js"

/**
 * The key under which formats and tools made from a schema carry their {@link Decoder}.
 *
 * @since 0.1.0
 * @category symbols
 */
export const TypeId: unique symbol = internal.TypeId

/**
 * The type of {@link TypeId}.
 *
 * @since 0.1.0
 * @category symbols
 */
export type TypeId = typeof TypeId

/**
 * Why an answer does not decode: what the JSON parser or the schema said, and the error itself.
 *
 * @since 0.1.0
 * @category models
 */
export interface DecodeFailure {
  readonly issue: string
  readonly cause: unknown
}

/**
 * What a format or tool made from a schema knows: its name, whether strict mode can express its schema, and how to
 * decode an answer (JSON text) into the schema's type.
 *
 * @since 0.1.0
 * @category models
 */
export interface Decoder<A> {
  readonly name: string
  /** Set when the schema has a construct strict mode cannot express. */
  readonly unsupported: OpenAIError.UnsupportedSchemaError | undefined
  readonly decode: (text: string) => Either.Either<A, DecodeFailure>
}

/**
 * A Chat Completions `response_format` of type `json_schema`, strict, from a schema.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResponseFormat<A> extends Types.ResponseFormatJsonSchema {
  readonly [TypeId]: Decoder<A>
}

/**
 * A Responses `text.format` of type `json_schema`, strict, from a schema.
 *
 * @since 0.1.0
 * @category models
 */
export interface TextFormat<A> extends Types.TextResponseFormatJsonSchema {
  readonly [TypeId]: Decoder<A>
}

/**
 * A Chat Completions function tool whose strict parameters come from a schema.
 *
 * @since 0.1.0
 * @category models
 */
export interface Tool<Name extends string, A> extends Types.ChatCompletionTool {
  readonly function: Types.FunctionObject & { readonly name: Name }
  readonly [TypeId]: Decoder<A>
}

/**
 * A Responses function tool whose strict parameters come from a schema.
 *
 * @since 0.1.0
 * @category models
 */
export interface FunctionTool<Name extends string, A> extends Types.FunctionTool {
  readonly name: Name
  readonly [TypeId]: Decoder<A>
}

/**
 * The strict JSON Schema of a schema, and the function that turns an answer back into what the schema expects
 * (a `null` sent for an optional property becomes an absent key).
 *
 * @since 0.1.0
 * @category models
 */
export interface StrictJsonSchema {
  readonly schema: Record<string, unknown>
  readonly normalize: (answer: unknown) => unknown
}

/**
 * The strict JSON Schema of an Effect schema (its encoded side: what the model writes), or why it has none.
 *
 * @since 0.1.0
 * @category conversions
 */
export const strictSchema = <A, I>(
  schema: Schema.Schema<A, I, never>,
  options: { readonly name?: string | undefined } = {}
): Either.Either<StrictJsonSchema, OpenAIError.UnsupportedSchemaError> =>
  internal.fromStrict(options.name ?? internal.nameOf(schema, "output"), Strict.toStrict(schema))

/**
 * The strict form of a JSON Schema another tool produced (Zod's `toJSONSchema`, a Standard JSON Schema, one written
 * by hand), or why it has none. Annotations are kept unless `annotations: "drop"`.
 *
 * @since 0.1.0
 * @category conversions
 */
export const strictJsonSchema = (
  jsonSchema: unknown,
  options: { readonly name?: string | undefined; readonly annotations?: "keep" | "drop" | undefined } = {}
): Either.Either<StrictJsonSchema, OpenAIError.UnsupportedSchemaError> =>
  internal.fromStrict(options.name ?? "output", Strict.fromJsonSchema(jsonSchema, { annotations: options.annotations }))

/**
 * A Chat Completions `response_format` from a schema: `{ type: "json_schema", json_schema: { name, strict: true,
 * schema } }`. The name defaults to the schema's identifier, else `output`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const responseFormat = <A, I>(
  schema: Schema.Schema<A, I, never>,
  options: { readonly name?: string | undefined; readonly description?: string | undefined } = {}
): ResponseFormat<A> => {
  const name = options.name ?? internal.nameOf(schema, "output")
  const { decoder, jsonSchema } = internal.build(schema, name)
  return {
    type: "json_schema",
    json_schema: {
      name,
      ...(options.description === undefined ? {} : { description: options.description }),
      strict: true,
      schema: jsonSchema
    },
    [TypeId]: decoder
  }
}

/**
 * A Responses `text.format` from a schema: `{ type: "json_schema", name, strict: true, schema }`. The name defaults
 * to the schema's identifier, else `output`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const textFormat = <A, I>(
  schema: Schema.Schema<A, I, never>,
  options: { readonly name?: string | undefined; readonly description?: string | undefined } = {}
): TextFormat<A> => {
  const name = options.name ?? internal.nameOf(schema, "output")
  const { decoder, jsonSchema } = internal.build(schema, name)
  return {
    type: "json_schema",
    name,
    ...(options.description === undefined ? {} : { description: options.description }),
    strict: true,
    schema: jsonSchema,
    [TypeId]: decoder
  }
}

/**
 * A Chat Completions function tool whose parameters are the strict JSON Schema of `schema`; the arguments of its
 * calls are decoded into the schema's type (`function.parsed_arguments`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const tool = <const Name extends string, A, I>(
  name: Name,
  schema: Schema.Schema<A, I, never>,
  options: { readonly description?: string | undefined } = {}
): Tool<Name, A> => {
  const { decoder, jsonSchema } = internal.build(schema, name)
  return {
    type: "function",
    function: {
      name,
      ...(options.description === undefined ? {} : { description: options.description }),
      parameters: jsonSchema,
      strict: true
    },
    [TypeId]: decoder
  }
}

/**
 * A Responses function tool whose parameters are the strict JSON Schema of `schema`; the arguments of its calls are
 * decoded into the schema's type (`parsed_arguments`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const functionTool = <const Name extends string, A, I>(
  name: Name,
  schema: Schema.Schema<A, I, never>,
  options: { readonly description?: string | undefined } = {}
): FunctionTool<Name, A> => {
  const { decoder, jsonSchema } = internal.build(schema, name)
  return {
    type: "function",
    name,
    ...(options.description === undefined ? {} : { description: options.description }),
    parameters: jsonSchema,
    strict: true,
    [TypeId]: decoder
  }
}

// --- types of parsed answers -------------------------------------------------------------------------------------

/** The decoded type of a format: the schema's for one made here, `unknown` for a plain `json_schema`, else `null`. */
type FormatType<F> = F extends { readonly [TypeId]: Decoder<infer A> } ? A
  : F extends { readonly type: "json_schema" } ? unknown
  : null

type HasTools<P> = P extends { readonly tools: ReadonlyArray<unknown> } | { readonly functions: ReadonlyArray<unknown> } ? true
  : false

/**
 * What `message.parsed` holds for the given params: the schema's type; `| null` when tools are offered (the model
 * may call them instead of answering); `null` without a structured format.
 *
 * @since 0.1.0
 * @category models
 */
export type ChatParsed<P> = P extends { readonly response_format?: infer F }
  ? HasTools<P> extends true ? FormatType<F> | null : FormatType<F>
  : null

/**
 * A function tool call with its arguments decoded: the schema's type for a tool made here, the parsed JSON for
 * another strict tool, `null` for a tool that is not strict.
 *
 * @since 0.1.0
 * @category models
 */
export interface ParsedFunctionToolCall<Name extends string = string, A = unknown>
  extends Omit<Types.ChatCompletionMessageToolCall, "function">
{
  readonly function: {
    readonly name: Name
    readonly arguments: string
    readonly parsed_arguments: A
  }
}

type ChatToolCallOf<T> = T extends Tool<infer N, infer A> ? ParsedFunctionToolCall<N, A>
  : T extends Types.ChatCompletionTool ? ParsedFunctionToolCall
  : T extends Types.CustomToolChatCompletions ? Types.ChatCompletionMessageCustomToolCall
  : never

/**
 * The tool calls a completion can hold for the given params.
 *
 * @since 0.1.0
 * @category models
 */
export type ChatToolCall<P> = P extends { readonly tools: ReadonlyArray<infer T> } ? ChatToolCallOf<T>
  : ParsedFunctionToolCall | Types.ChatCompletionMessageCustomToolCall

type Choice = Types.CreateChatCompletionResponse["choices"][number]

/**
 * A completion's message with its answer decoded (`parsed`) and its tool calls' arguments.
 *
 * @since 0.1.0
 * @category models
 */
export interface ParsedChatCompletionMessage<A, Call> extends Omit<Types.ChatCompletionResponseMessage, "tool_calls"> {
  readonly parsed: A
  readonly tool_calls?: ReadonlyArray<Call>
}

/**
 * A completion's choice with its message decoded.
 *
 * @since 0.1.0
 * @category models
 */
export interface ParsedChoice<A, Call> extends Omit<Choice, "message"> {
  readonly message: ParsedChatCompletionMessage<A, Call>
}

/**
 * A chat completion with each choice's answer decoded (`message.parsed`) and its tool calls' arguments
 * (`function.parsed_arguments`).
 *
 * @since 0.1.0
 * @category models
 */
export interface ParsedChatCompletion<A, Call = ParsedFunctionToolCall | Types.ChatCompletionMessageCustomToolCall>
  extends Omit<Types.CreateChatCompletionResponse, "choices">
{
  readonly choices: ReadonlyArray<ParsedChoice<A, Call>>
}

/**
 * The completion type `createChatCompletion` and `decodeChatCompletion` give for the given params.
 *
 * @since 0.1.0
 * @category models
 */
export type ParsedChatCompletionFor<P> = ParsedChatCompletion<ChatParsed<P>, ChatToolCall<P>>

/**
 * What `output_parsed` holds for the given params (as {@link ChatParsed}, from `text.format`).
 *
 * @since 0.1.0
 * @category models
 */
export type ResponseParsed<P> = P extends { readonly text?: infer T }
  ? T extends { readonly format?: infer F } ? HasTools<P> extends true ? FormatType<F> | null : FormatType<F>
  : null
  : null

/**
 * A Responses function call with its arguments decoded.
 *
 * @since 0.1.0
 * @category models
 */
export interface ParsedFunctionCall<Name extends string = string, A = unknown> extends Omit<Types.FunctionToolCall, "name"> {
  readonly name: Name
  readonly parsed_arguments: A
}

type FunctionCallOf<T> = T extends FunctionTool<infer N, infer A> ? ParsedFunctionCall<N, A>
  : T extends { readonly type: "function" | "namespace" } ? ParsedFunctionCall
  : never

/**
 * The function calls a response can hold for the given params.
 *
 * @since 0.1.0
 * @category models
 */
export type ResponseFunctionCall<P> = P extends { readonly tools: ReadonlyArray<infer T> } ? FunctionCallOf<T>
  : ParsedFunctionCall

/**
 * An `output_text` part with its text decoded (`null` when not decoded: a message that is not the final answer).
 *
 * @since 0.1.0
 * @category models
 */
export interface ParsedOutputText<A> extends Types.OutputTextContent {
  readonly parsed: A | null
}

/**
 * A response's output message with its `output_text` parts decoded.
 *
 * @since 0.1.0
 * @category models
 */
export interface ParsedOutputMessage<A> extends Omit<Types.OutputMessage, "content"> {
  readonly content: ReadonlyArray<ParsedOutputText<A> | Types.RefusalContent>
}

/**
 * A response's output item: a decoded message, a decoded function call, or another item as it came.
 *
 * @since 0.1.0
 * @category models
 */
export type ParsedOutputItem<A, Call> =
  | ParsedOutputMessage<A>
  | Call
  | Exclude<Types.OutputItem, Types.OutputMessage | Types.FunctionToolCall>

/**
 * A response with its answer decoded (`output_parsed`, and `parsed` on each `output_text` part) and its function
 * calls' arguments (`parsed_arguments`).
 *
 * @since 0.1.0
 * @category models
 */
export type ParsedResponse<A, Call = ParsedFunctionCall> = Omit<Types.Response, "output"> & {
  readonly output: ReadonlyArray<ParsedOutputItem<NonNullable<A>, Call>>
  readonly output_parsed: A
}

/**
 * The response type `createResponse` and `decodeResponse` give for the given params.
 *
 * @since 0.1.0
 * @category models
 */
export type ParsedResponseFor<P> = ParsedResponse<ResponseParsed<P>, ResponseFunctionCall<P>>

// --- decoding --------------------------------------------------------------------------------------------------------

/**
 * Decodes a chat completion you already have, by the formats and tools of the params that asked for it: each
 * choice's content into `message.parsed`, each tool call's arguments into `function.parsed_arguments` (the
 * schema's type for a tool made here, the JSON for another strict tool, `null` for a tool that is not strict).
 * With a structured format, a refusal fails with `RefusalError` and a choice without content or tool calls with
 * `StructuredOutputParseError`; without one, `parsed` is `null` and the message is left as it came.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeChatCompletion = <P extends Types.CreateChatCompletionParams>(
  completion: Types.CreateChatCompletionResponse,
  params: P
): Either.Either<ParsedChatCompletionFor<P>, OpenAIError.StructuredOutputFailure> =>
  internal.decodeChatCompletion(completion, params)

/**
 * Decodes a response you already have, by the formats and tools of the params that asked for it: the text of the
 * final answer into `output_parsed` (and `parsed` on its `output_text` parts), each function call's arguments into
 * `parsed_arguments`. Messages of another phase (`commentary`) are not decoded.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeResponse = <P extends Types.CreateResponseParams>(
  response: Types.Response,
  params: P
): Either.Either<ParsedResponseFor<P>, OpenAIError.StructuredOutputFailure> =>
  internal.decodeResponse(response, params)

/**
 * Fails with `UnsupportedSchemaError` when a format or tool of the params was made from a schema strict mode cannot
 * express; succeeds otherwise. `createChatCompletion` and `createResponse` do it before sending; call it yourself
 * before `create` or `createStream`.
 *
 * @since 0.1.0
 * @category decoding
 */
export const check = (params: unknown): Either.Either<void, OpenAIError.UnsupportedSchemaError> =>
  internal.check(params)

/**
 * Sends `Chat.Completions.create` and decodes the answer by the params' `response_format` and tools (see
 * {@link decodeChatCompletion}). A schema strict mode cannot express fails before anything is sent.
 *
 * @since 0.1.0
 * @category operations
 */
export const createChatCompletion = <P extends Types.CreateChatCompletionParams>(
  params: P,
  options?: RequestOptions
): Effect.Effect<
  ParsedChatCompletionFor<P>,
  OpenAIError.RequestError | OpenAIError.StructuredOutputError,
  OpenAIClient
> =>
  Effect.flatMap(
    check(params),
    () =>
      Effect.flatMap(ChatCompletions.create(internal.withoutStream(params), options), (completion) => decodeChatCompletion(completion, params))
  )

/**
 * Sends `Responses.create` and decodes the answer by the params' `text.format` and tools (see
 * {@link decodeResponse}). A schema strict mode cannot express fails before anything is sent.
 *
 * @since 0.1.0
 * @category operations
 */
export const createResponse = <P extends Types.CreateResponseParams>(
  params: P,
  options?: RequestOptions
): Effect.Effect<
  ParsedResponseFor<P>,
  OpenAIError.RequestError | OpenAIError.StructuredOutputError,
  OpenAIClient
> =>
  Effect.flatMap(
    check(params),
    () => Effect.flatMap(Responses.create(internal.withoutStream(params), options), (response) => decodeResponse(response, params))
  )
