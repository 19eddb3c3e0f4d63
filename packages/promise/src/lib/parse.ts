/**
 * `chat.completions.parse` and `responses.parse`, as the official package has them: the request goes through the
 * generated `create` (the core's pipeline), and the answer is parsed by the format's own parser (`$parseRaw`, the
 * marker the official helpers use, so that formats made by `openai/helpers/zod` work here and ours work there), or by
 * `JSON.parse` for a plain `json_schema` format and strict function tools.
 *
 * `maybeParseChatCompletion` and `maybeParseResponse` parse a completion or response you already have (the end of a
 * stream) by the params that asked for it.
 *
 * Outcomes as in the official package: a refusal leaves `parsed: null` beside `message.refusal`; a cut answer throws
 * `LengthFinishReasonError`, a filtered one `ContentFilterFinishReasonError` (Chat Completions; an incomplete
 * response is left unparsed); an answer that does not match throws what the format's parser throws (our helpers:
 * `StructuredOutputParseError`, with the raw text).
 */
import { chatCompletionsCreate, responsesCreate } from "@effect-openai/openai/generated/Operations"
import { APIPromise, type ResponseMeta } from "../core/api-promise.js"
import type { ClientCore } from "../core/client.js"
import { ContentFilterFinishReasonError, LengthFinishReasonError, OpenAIError, StructuredOutputParseError } from "../core/error.js"
import type {
  ChatCompletion,
  ChatCompletionFunctionTool,
  ChatCompletionParseParams,
  ParsedChatCompletion
} from "../generated/resources/chat/completions/completions.js"
import type {
  FunctionTool,
  ParsedResponse,
  Response,
  ResponseFormatTextJSONSchemaConfig,
  ResponseParseParams
} from "../generated/resources/responses/responses.js"
import type { ResponseFormatJSONSchema } from "../generated/resources/shared.js"
import { call } from "../internal/call.js"
import type { RequestOptions } from "../internal/request-options.js"

// --- formats and tools that carry a parser ---------------------------------------------------------------------------

/** A Chat Completions `json_schema` response format that parses its answers. */
export type AutoParseableResponseFormat<ParsedT> = ResponseFormatJSONSchema & {
  /** Type only: the parsed answer's type. Not there at run time. */
  readonly __output: ParsedT
  readonly $brand: "auto-parseable-response-format"
  $parseRaw(content: string): ParsedT
}

/** A Responses `json_schema` text format that parses its answers. */
export type AutoParseableTextFormat<ParsedT> = ResponseFormatTextJSONSchemaConfig & {
  /** Type only: the parsed answer's type. Not there at run time. */
  readonly __output: ParsedT
  readonly $brand: "auto-parseable-response-format"
  $parseRaw(content: string): ParsedT
}

/** What a function tool made by a helper knows at the type level. */
export interface ToolOptions {
  name: string
  arguments: any
  function?: ((args: any) => any) | undefined
}

/** A Chat Completions function tool that parses its calls' arguments (and may carry a callback for `runTools`). */
export type AutoParseableTool<
  OptionsT extends ToolOptions,
  HasFunction = OptionsT["function"] extends (...args: Array<never>) => unknown ? true : false
> = ChatCompletionFunctionTool & {
  /** Type only. */
  readonly __arguments: OptionsT["arguments"]
  /** Type only. */
  readonly __name: OptionsT["name"]
  /** Type only. */
  readonly __hasFunction: HasFunction
  readonly $brand: "auto-parseable-tool"
  readonly $callback: ((args: OptionsT["arguments"]) => any) | undefined
  $parseRaw(args: string): OptionsT["arguments"]
}

/** A Responses function tool that parses its calls' arguments. */
export type AutoParseableResponseTool<
  OptionsT extends ToolOptions,
  HasFunction = OptionsT["function"] extends (...args: Array<never>) => unknown ? true : false
> = FunctionTool & {
  /** Type only. */
  readonly __arguments: OptionsT["arguments"]
  /** Type only. */
  readonly __name: OptionsT["name"]
  /** Type only. */
  readonly __hasFunction: HasFunction
  readonly $brand: "auto-parseable-tool"
  readonly $callback: ((args: OptionsT["arguments"]) => any) | undefined
  $parseRaw(args: string): OptionsT["arguments"]
}

const FORMAT_BRAND = "auto-parseable-response-format"
const TOOL_BRAND = "auto-parseable-tool"

/** Adds the parser (and brand) to a copy of `target`, not enumerable: JSON never sends them. */
const withHidden = <T extends object>(target: T, hidden: Record<string, unknown>): T => {
  const copy = { ...target }
  for (const [key, value] of Object.entries(hidden)) {
    Object.defineProperty(copy, key, { value, enumerable: false, writable: false, configurable: true })
  }
  return copy
}

/** A Chat Completions format that parses its answers with `parser`. */
export const makeParseableResponseFormat = <ParsedT>(
  format: ResponseFormatJSONSchema,
  parser: (content: string) => ParsedT
): AutoParseableResponseFormat<ParsedT> =>
  withHidden({ ...format, json_schema: { ...format.json_schema } }, { $brand: FORMAT_BRAND, $parseRaw: parser }) as AutoParseableResponseFormat<ParsedT>

/** A Responses text format that parses its answers with `parser`. */
export const makeParseableTextFormat = <ParsedT>(
  format: ResponseFormatTextJSONSchemaConfig,
  parser: (content: string) => ParsedT
): AutoParseableTextFormat<ParsedT> =>
  withHidden(format, { $brand: FORMAT_BRAND, $parseRaw: parser }) as AutoParseableTextFormat<ParsedT>

/** A Chat Completions function tool that parses its arguments with `parser`, with an optional callback. */
export const makeParseableTool = <OptionsT extends ToolOptions>(
  tool: ChatCompletionFunctionTool,
  options: { parser: (args: string) => OptionsT["arguments"]; callback: ((args: OptionsT["arguments"]) => any) | undefined }
): AutoParseableTool<OptionsT> =>
  withHidden(tool, { $brand: TOOL_BRAND, $parseRaw: options.parser, $callback: options.callback }) as AutoParseableTool<OptionsT>

/** A Responses function tool that parses its arguments with `parser`, with an optional callback. */
export const makeParseableResponseTool = <OptionsT extends ToolOptions>(
  tool: FunctionTool,
  options: { parser: (args: string) => OptionsT["arguments"]; callback: ((args: OptionsT["arguments"]) => any) | undefined }
): AutoParseableResponseTool<OptionsT> =>
  withHidden(tool, { $brand: TOOL_BRAND, $parseRaw: options.parser, $callback: options.callback }) as AutoParseableResponseTool<OptionsT>

const isRecord = (u: unknown): u is Record<string, any> => typeof u === "object" && u !== null && !Array.isArray(u)

/** Whether a format was made by a helper (ours or the official package's) and so parses its own answers. */
export const isAutoParsableResponseFormat = <ParsedT>(format: unknown): format is AutoParseableResponseFormat<ParsedT> =>
  isRecord(format) && format.$brand === FORMAT_BRAND && typeof format.$parseRaw === "function"

/** Whether a tool was made by a helper (ours or the official package's) and so parses its own arguments. */
export const isAutoParsableTool = (tool: unknown): tool is AutoParseableTool<any> =>
  isRecord(tool) && tool.$brand === TOOL_BRAND && typeof tool.$parseRaw === "function"

// --- the parsed type a request gives ---------------------------------------------------------------------------------

type FormatOutput<Format> = [Format] extends [never] ? null
  : Format extends { readonly $brand: "auto-parseable-response-format"; readonly __output: infer ParsedT } ? ParsedT
  : Format extends { readonly type: "json_schema" } ? unknown
  : null

/** The type of `message.parsed` (Chat Completions) for the given params. */
export type ExtractParsedContentFromParams<Params> = Params extends { readonly response_format?: infer Format }
  ? FormatOutput<Format>
  : null

/** The type of `output_parsed` (Responses) for the given params. */
export type ExtractParsedResponseContentFromParams<Params> = Params extends { readonly text?: infer Text }
  ? Text extends { readonly format?: infer Format } ? FormatOutput<Format> : null
  : null

// --- parsing ---------------------------------------------------------------------------------------------------------

/** `JSON.parse` for answers without a parser of their own; a bad answer keeps its text. */
const parseJsonAnswer = (schemaName: string, text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch (cause) {
    throw new StructuredOutputParseError({ schemaName, text, issue: `not JSON (${(cause as Error).message})`, cause })
  }
}

const isParseableFormat = (format: unknown): boolean =>
  isAutoParsableResponseFormat(format) || (isRecord(format) && format.type === "json_schema")

/** The parsed answer of `format`, or `null` when the format asks for no parsing. */
const parseContent = (format: unknown, text: string): unknown => {
  if (isAutoParsableResponseFormat(format)) return format.$parseRaw(text)
  if (!isRecord(format) || format.type !== "json_schema") return null
  const name = isRecord(format.json_schema) ? format.json_schema.name : format.name
  return parseJsonAnswer(typeof name === "string" ? name : "output", text)
}

const isFunctionTool = (tool: unknown): tool is ChatCompletionFunctionTool =>
  isRecord(tool) && tool.type === "function" && isRecord(tool.function)

const chatToolNamed = (params: unknown, name: string): ChatCompletionFunctionTool | undefined => {
  const tools: unknown = isRecord(params) ? params.tools : undefined
  return Array.isArray(tools) ? tools.find((t): t is ChatCompletionFunctionTool => isFunctionTool(t) && t.function.name === name) : undefined
}

const parseArguments = (tool: unknown, strict: boolean, name: string, args: string): unknown =>
  isAutoParsableTool(tool) ? tool.$parseRaw(args) : strict ? parseJsonAnswer(name, args) : null

/** Whether the params ask for anything to be parsed: a structured format, or a strict or helper-made function tool. */
const hasParseableChatInput = (params: unknown): boolean => {
  if (!isRecord(params)) return false
  if (isParseableFormat(params.response_format)) return true
  const tools: unknown = params.tools
  return Array.isArray(tools) && tools.some((t) => isAutoParsableTool(t) || (isFunctionTool(t) && t.function.strict === true))
}

type Writable<T> = { -readonly [K in keyof T]: T[K] }

/**
 * Parses a chat completion by the params that asked for it: each choice's content into `message.parsed`, the
 * arguments of calls to strict or helper-made function tools into `function.parsed_arguments`.
 *
 * @throws {LengthFinishReasonError} a choice was cut by the token limit.
 * @throws {ContentFilterFinishReasonError} a choice was stopped by the content filter.
 */
export const parseChatCompletionWith = <ParsedT>(completion: ChatCompletion, params: unknown): ParsedChatCompletion<ParsedT> => {
  const format = isRecord(params) ? params.response_format : undefined
  const choices = completion.choices.map((choice) => {
    if (choice.finish_reason === "length") throw new LengthFinishReasonError()
    if (choice.finish_reason === "content_filter") throw new ContentFilterFinishReasonError()
    const message: Writable<ParsedChatCompletion<ParsedT>["choices"][number]["message"]> = { ...choice.message, parsed: null }
    const calls = choice.message.tool_calls
    if (calls !== undefined) {
      message.tool_calls = calls.map((toolCall) => {
        if (toolCall.type === "custom") return toolCall
        if (toolCall.type !== "function") {
          throw new OpenAIError(`Only \`function\` and \`custom\` tool calls can be parsed; got \`${String((toolCall as { type: unknown }).type)}\``)
        }
        const tool = chatToolNamed(params, toolCall.function.name)
        const parsed = parseArguments(tool, tool?.function.strict === true, toolCall.function.name, toolCall.function.arguments)
        return { ...toolCall, function: { ...toolCall.function, parsed_arguments: parsed } }
      })
    }
    const content = choice.message.content
    const hasCalls = (calls?.length ?? 0) > 0 || choice.message.function_call !== undefined
    if (content !== null && content !== undefined && !choice.message.refusal && (content !== "" || !hasCalls)) {
      message.parsed = parseContent(format, content) as ParsedT | null
    }
    return { ...choice, message }
  })
  return { ...completion, choices }
}

/**
 * A chat completion with `parsed` (and `parsed_arguments`) as `parse` gives it: parsed by the params when they ask
 * for it, else `parsed: null` everywhere. The stream helper calls it on the final completion.
 */
export const maybeParseChatCompletion = <ParsedT = unknown>(
  completion: ChatCompletion,
  params: unknown
): ParsedChatCompletion<ParsedT> => {
  if (hasParseableChatInput(params)) return parseChatCompletionWith<ParsedT>(completion, params)
  return {
    ...completion,
    choices: completion.choices.map((choice) => ({ ...choice, message: { ...choice.message, parsed: null } }))
  }
}

/** `client.chat.completions.parse`: `create`, then the answer parsed by the params' format and tools. */
export const parseChatCompletion = <Params extends ChatCompletionParseParams, ParsedT = ExtractParsedContentFromParams<Params>>(
  client: ClientCore,
  body: Params,
  options?: RequestOptions
): APIPromise<ParsedChatCompletion<ParsedT>> => {
  const refusal = unparseableTool(body.tools)
  if (refusal !== undefined) return rejected(refusal)
  return (call(client, chatCompletionsCreate, undefined, body, options) as APIPromise<ChatCompletion>)._thenUnwrap((completion, meta) =>
    withRequestId(parseChatCompletionWith<ParsedT>(completion, body), meta)
  )
}

/** The parsed copy carries `_request_id` as `create`'s result does (not enumerable). */
const withRequestId = <A extends object>(data: A, meta: ResponseMeta): A =>
  Object.defineProperty(data, "_request_id", { value: meta.requestId ?? null, enumerable: false, writable: true, configurable: true })

/** A function tool `parse` cannot parse (not strict, not made by a helper), as the official `parse` refuses it. */
const unparseableTool = (tools: unknown): OpenAIError | undefined => {
  if (!Array.isArray(tools)) return undefined
  for (const tool of tools) {
    if (!isRecord(tool) || tool.type === "custom") continue
    if (!isFunctionTool(tool)) return new OpenAIError(`Only \`function\` and \`custom\` tools can be parsed; got \`${String(tool.type)}\``)
    if (tool.function.strict !== true && !isAutoParsableTool(tool)) {
      return new OpenAIError(`The \`${tool.function.name}\` tool is not \`strict: true\`: only strict function tools can be parsed`)
    }
  }
  return undefined
}

/** A promise that rejects with `error` and sends nothing, as the facade refuses bad input. */
const rejected = <T>(error: unknown): APIPromise<T> =>
  new APIPromise<T>({ parsed: () => Promise.reject(error), raw: () => Promise.reject(error) })

// --- Responses -------------------------------------------------------------------------------------------------------

const responseToolNamed = (params: unknown, name: string, namespace: string | undefined): Record<string, any> | undefined => {
  const tools: unknown = isRecord(params) ? params.tools : undefined
  if (!Array.isArray(tools)) return undefined
  for (const tool of tools) {
    if (!isRecord(tool)) continue
    if (namespace === undefined || namespace === null) {
      if (tool.type === "function" && tool.name === name) return tool
    } else if (tool.type === "namespace" && tool.name === namespace && Array.isArray(tool.tools)) {
      return tool.tools.find((nested: unknown) => isRecord(nested) && nested.type === "function" && nested.name === name)
    }
  }
  // tool search names a deferred top-level function after itself
  if (namespace === name) {
    return tools.find((t) => isRecord(t) && t.type === "function" && t.name === name && t.defer_loading === true)
  }
  return undefined
}

const textFormatOf = (params: unknown): unknown =>
  isRecord(params) && isRecord(params.text) ? params.text.format : undefined

const hasParseableResponseInput = (params: unknown): boolean => {
  if (isParseableFormat(textFormatOf(params))) return true
  const tools: unknown = isRecord(params) ? params.tools : undefined
  const parseable = (t: unknown) => isAutoParsableTool(t) || (isRecord(t) && t.type === "function" && t.strict === true)
  return Array.isArray(tools) &&
    tools.some((t) => parseable(t) || (isRecord(t) && t.type === "namespace" && Array.isArray(t.tools) && t.tools.some(parseable)))
}

/** `output_text` as the official package adds it: the text of every output message, joined. */
const outputTextOf = (response: Response): string =>
  response.output.flatMap((item) =>
    item.type === "message" ? item.content.flatMap((part) => (part.type === "output_text" ? [part.text] : [])) : []
  ).join("")

/**
 * Parses a response by the params that asked for it: the text of final-answer messages into `parsed` on each
 * `output_text` part and `output_parsed` (the first), the arguments of calls to strict or helper-made function
 * tools into `parsed_arguments`. An incomplete response (and a message of another phase) is left unparsed.
 */
export const parseResponseWith = <ParsedT>(response: Response, params: unknown, parse = true): ParsedResponse<ParsedT> => {
  const format = textFormatOf(params)
  const complete = parse && (response.status === undefined || response.status === null || response.status === "completed")
  let first: unknown = null
  const output = response.output.map((item) => {
    if (item.type === "function_call") {
      const tool = complete ? responseToolNamed(params, item.name, item.namespace) : undefined
      const parsed = tool === undefined ? null : parseArguments(tool, tool.strict === true, item.name, item.arguments)
      return { ...item, parsed_arguments: parsed }
    }
    if (item.type !== "message") return item
    const final = item.phase === undefined || item.phase === null || item.phase === "final_answer"
    const content = item.content.map((part) => {
      if (part.type !== "output_text") return part
      const parsed = complete && final ? parseContent(format, part.text) : null
      if (first === null && parsed !== null) first = parsed
      return { ...part, parsed }
    })
    return { ...item, content }
  })
  const outputText = response.output_text === undefined || response.output_text === null
    ? outputTextOf(response)
    : response.output_text
  return { ...response, output_text: outputText, output, output_parsed: first as ParsedT | null } as ParsedResponse<ParsedT>
}

/**
 * A response with `output_parsed` (and `parsed`, `parsed_arguments`) as `parse` gives it: parsed by the params when
 * they ask for it, else `null` everywhere. The stream helper calls it on the final response.
 */
export const maybeParseResponse = <ParsedT = unknown>(response: Response, params: unknown): ParsedResponse<ParsedT> =>
  parseResponseWith<ParsedT>(response, params, hasParseableResponseInput(params))

/** `client.responses.parse`: `create`, then the output parsed by the params' text format and tools. */
export const parseResponse = <Params extends ResponseParseParams, ParsedT = ExtractParsedResponseContentFromParams<Params>>(
  client: ClientCore,
  body: Params,
  options?: RequestOptions
): APIPromise<ParsedResponse<ParsedT>> =>
  (call(client, responsesCreate, undefined, body, options) as APIPromise<Response>)._thenUnwrap((response, meta) =>
    withRequestId(parseResponseWith<ParsedT>(response, body), meta)
  )
