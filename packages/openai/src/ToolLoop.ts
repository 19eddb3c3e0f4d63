/**
 * Tool loops: the model asks for tools, the loop runs them and answers, until the model answers without asking.
 *
 * A tool is a `Schema` for its arguments and a handler `Effect`. Its parameters are sent as a strict JSON Schema (a
 * construct strict mode cannot express is a `ToolDefinitionError` before anything is sent); the model's arguments
 * are parsed, normalized (a `null` standing for an absent optional property is removed) and decoded with the same
 * schema; the handler's result is sent back as text (a string as is, anything else as JSON).
 *
 * ```ts
 * const weather = ToolLoop.tool({
 *   name: "get_weather",
 *   description: "The current weather in a city",
 *   parameters: Schema.Struct({ city: Schema.String }),
 *   handler: ({ city }) => Weather.current(city)
 * })
 * const { completion } = yield* ToolLoop.chat({ model: "gpt-4o-mini", messages }, [weather])
 * ```
 *
 * One round is: send the request, read the answer, run its tool calls (concurrently, `concurrency` at a time), append
 * the answer and the tools' outputs to the transcript. The loop ends when an answer asks for no tool, or after the
 * round that called a function `tool_choice` forces (forcing it again would loop); past `maxRounds` it fails with
 * `MaxRoundsError`, which carries the transcript (the last round's tools have run, so the transcript can be sent
 * again to go on).
 *
 * What the model gets wrong (an unknown tool, arguments that are not JSON or do not decode) and what a handler fails
 * with are sent back to the model as the tool's output by default, so that it can correct itself; `onInvalidCall` and
 * `onToolError` set to `"fail"` end the loop with `ToolCallError` or `ToolHandlerError` instead. A handler's defect
 * is a defect of the loop. Interrupting the loop interrupts the request in flight and every running handler.
 *
 * The Responses loop keeps the conversation on the client by default (`history: "client"`): every output item of an
 * answer (reasoning and function calls included) goes back in the next request's `input`, followed by the
 * `function_call_output` items, so that it works with `store: false` (ask for `include: ["reasoning.encrypted_content"]`
 * there) and the whole transcript is in the result. `history: "server"` sends only the new items and chains the
 * requests with `previous_response_id` (or lets `conversation` keep them, when the params name one).
 *
 * `chatSteps` and `responsesSteps` are the same loops as a `Stream` of steps: each request, each answer, each tool
 * call started and finished, the outputs appended, and the final result.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as JSONSchema from "effect/JSONSchema"
import * as Mailbox from "effect/Mailbox"
import * as Schema from "effect/Schema"
import * as SchemaAST from "effect/SchemaAST"
import * as Stream from "effect/Stream"
import type { OpenAIClient } from "./OpenAIClient.js"
import * as OpenAIError from "./OpenAIError.js"
import type * as OpenAIRequest from "./OpenAIRequest.js"
import * as ChatCompletions from "./generated/resources/chat/completions.js"
import * as Responses from "./generated/resources/responses.js"
import type * as Types from "./generated/Types.js"
import { toStrict } from "./internal/strictSchema.js"

// ---------------------------------------------------------------------------------------------------------------
// tools
// ---------------------------------------------------------------------------------------------------------------

const TypeId: unique symbol = Symbol.for("@effect-openai/openai/ToolLoop/Tool") as never

/**
 * @since 0.1.0
 * @category symbols
 */
export type TypeId = typeof TypeId

/**
 * The JSON Schema a tool sends for its parameters, or why its schema cannot be sent.
 *
 * @since 0.1.0
 * @category models
 */
export type ParametersSchema =
  | { readonly _tag: "JsonSchema"; readonly schema: Readonly<Record<string, unknown>> }
  | { readonly _tag: "Unsupported"; readonly path: string; readonly reason: string }

/**
 * Why the model's arguments could not be turned into a handler's input.
 *
 * @since 0.1.0
 * @category models
 */
export interface ArgumentsFailure {
  readonly reason: "InvalidJson" | "InvalidArguments"
  /** What is wrong, for the model and for logs. */
  readonly detail: string
  readonly cause: unknown
}

/**
 * A function tool: what the model sees (name, description, parameters) and what runs when it calls it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Tool<A, E = never, R = never> {
  readonly [TypeId]: TypeId
  readonly name: string
  readonly description: string | undefined
  /** Sent as the function's `strict`; `undefined` leaves it out (the endpoint's default). */
  readonly strict: boolean | undefined
  readonly parameters: ParametersSchema
  // Methods, not function properties: a tool of any argument type is a `Tool.Any`.
  /** From the model's argument text to the handler's input. */
  decode(args: string): Effect.Effect<A, ArgumentsFailure>
  handler(args: A): Effect.Effect<unknown, E, R>
}

/**
 * @since 0.1.0
 * @category models
 */
export declare namespace Tool {
  /**
   * Any tool, as a loop takes them.
   *
   * @since 0.1.0
   * @category models
   */
  export type Any = Tool<any, any, any>
  /**
   * What the handlers of `T` fail with.
   *
   * @since 0.1.0
   * @category models
   */
  export type Error<T> = T extends Tool<any, infer E, any> ? E : never
  /**
   * What the handlers of `T` need.
   *
   * @since 0.1.0
   * @category models
   */
  export type Context<T> = T extends Tool<any, any, infer R> ? R : never
}

const messageOf = (u: unknown): string => {
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
 * A tool whose arguments are a `Schema`: sent as a strict JSON Schema (unless `strict: false`), decoded with the same
 * schema before the handler runs. The handler's result goes back to the model as text: a string as is, anything else
 * as JSON (`undefined` as an empty string).
 *
 * @since 0.1.0
 * @category constructors
 */
export const tool = <A, I, E = never, R = never>(options: {
  readonly name: string
  readonly description?: string | undefined
  /** A `Struct` (`Schema.Struct({})` for a function without arguments). */
  readonly parameters: Schema.Schema<A, I, never>
  /** Default `true`: the model's arguments always match the schema, and the schema must fit strict mode. */
  readonly strict?: boolean | undefined
  readonly handler: (args: A) => Effect.Effect<unknown, E, R>
}): Tool<A, E, R> => {
  const strict = options.strict ?? true
  const decodeUnknown = Schema.decodeUnknown(options.parameters, { errors: "all" })
  let parameters: ParametersSchema
  let normalize: (value: unknown) => unknown = (value) => value
  if (isEmptyStruct(options.parameters.ast)) {
    parameters = { _tag: "JsonSchema", schema: noArguments }
  } else if (strict) {
    const result = toStrict(options.parameters)
    if (result._tag === "Strict") {
      parameters = { _tag: "JsonSchema", schema: result.schema }
      normalize = result.normalize
    } else parameters = result
  } else parameters = looseSchema(options.parameters)
  return {
    [TypeId]: TypeId,
    name: options.name,
    description: options.description,
    strict,
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
      }),
    handler: options.handler
  }
}

/**
 * A tool described by a JSON Schema you already have (from another system, or written by hand). Its arguments are
 * parsed as JSON unless `decode` says otherwise; a failure of `decode` is reported like arguments that do not decode.
 *
 * @since 0.1.0
 * @category constructors
 */
export const jsonSchemaTool = <A = unknown, E = never, R = never>(options: {
  readonly name: string
  readonly description?: string | undefined
  readonly parameters: Readonly<Record<string, unknown>>
  /** Sent as given; absent leaves the endpoint's default. */
  readonly strict?: boolean | undefined
  readonly decode?: ((args: string) => Effect.Effect<A, unknown>) | undefined
  readonly handler: (args: A) => Effect.Effect<unknown, E, R>
}): Tool<A, E, R> => {
  const decode = options.decode
  return {
    [TypeId]: TypeId,
    name: options.name,
    description: options.description,
    strict: options.strict,
    parameters: { _tag: "JsonSchema", schema: options.parameters },
    decode: decode === undefined
      ? (args) => Either.match(parseJson(args), { onLeft: Effect.fail, onRight: (json) => Effect.succeed(json as A) })
      : (args) =>
        Effect.mapError(
          decode(args),
          (cause): ArgumentsFailure => ({ reason: "InvalidArguments", detail: messageOf(cause), cause })
        ),
    handler: options.handler
  }
}

// ---------------------------------------------------------------------------------------------------------------
// errors
// ---------------------------------------------------------------------------------------------------------------

/**
 * A tool call the model asked for: its id (`tool_call_id` in Chat Completions, `call_id` in Responses), the
 * function's name and the arguments as the model wrote them.
 *
 * @since 0.1.0
 * @category models
 */
export interface ToolCall {
  readonly id: string
  readonly name: string
  readonly arguments: string
}

/**
 * The tools cannot be sent: a parameters schema strict mode cannot express (with the path to the construct), or two
 * tools with one name. Nothing was sent.
 *
 * @since 0.1.0
 * @category errors
 */
export class ToolDefinitionError extends Data.TaggedError("ToolDefinitionError")<{
  readonly tool: string
  /** Where in the parameters schema, `$` being its root; `undefined` when the tool as a whole is at fault. */
  readonly path: string | undefined
  readonly reason: string
  readonly message: string
}> {}

/**
 * A call the loop cannot run: the model named no tool of the loop, or its arguments are not JSON, or they do not
 * decode. Only with `onInvalidCall: "fail"`; otherwise `detail` is sent to the model and the loop goes on.
 *
 * @since 0.1.0
 * @category errors
 */
export class ToolCallError extends Data.TaggedError("ToolCallError")<{
  readonly reason: "UnknownTool" | "InvalidJson" | "InvalidArguments"
  readonly call: ToolCall
  /** What is wrong, as the model is told by default. */
  readonly detail: string
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * A handler failed. With `onToolError: "fail"` this ends the loop (running handlers of the round are interrupted);
 * otherwise it is what `ToolCallFinished` reports, and the model is told.
 *
 * @since 0.1.0
 * @category errors
 */
export class ToolHandlerError<E = unknown> extends Data.TaggedError("ToolHandlerError")<{
  readonly call: ToolCall
  /** The handler's failure. */
  readonly cause: E
  readonly message: string
}> {}

/**
 * The model still asked for tools after `maxRounds` requests. The last round's tools have run: `state` holds the
 * transcript to send again to go on, and the last answer.
 *
 * @since 0.1.0
 * @category errors
 */
export class MaxRoundsError<State> extends Data.TaggedError("MaxRoundsError")<{
  readonly rounds: number
  readonly state: State
  readonly message: string
}> {}

// ---------------------------------------------------------------------------------------------------------------
// steps and results
// ---------------------------------------------------------------------------------------------------------------

/**
 * What a tool call came to: the handler's value and the text sent for it, or the failure that was reported.
 *
 * @since 0.1.0
 * @category models
 */
export type ToolOutcome<E = unknown> =
  | { readonly _tag: "Success"; readonly value: unknown; readonly output: string }
  | { readonly _tag: "Failure"; readonly error: ToolCallError | ToolHandlerError<E>; readonly output: string }

/**
 * A request is about to be sent (round 1 is the first).
 *
 * @since 0.1.0
 * @category steps
 */
export interface RequestStep<P> {
  readonly _tag: "Request"
  readonly round: number
  readonly request: P
}

/**
 * The model answered; `calls` are the function calls it asks for (none ends the loop).
 *
 * @since 0.1.0
 * @category steps
 */
export interface AnswerStep<A> {
  readonly _tag: "Answer"
  readonly round: number
  readonly answer: A
  readonly calls: ReadonlyArray<ToolCall>
}

/**
 * A tool call starts (its tool is looked up and its arguments decoded after this).
 *
 * @since 0.1.0
 * @category steps
 */
export interface ToolCallStartedStep {
  readonly _tag: "ToolCallStarted"
  readonly round: number
  readonly call: ToolCall
}

/**
 * A tool call is over, with its outcome. A failure that ends the loop has no such step: the loop fails with it.
 *
 * @since 0.1.0
 * @category steps
 */
export interface ToolCallFinishedStep<E = unknown> {
  readonly _tag: "ToolCallFinished"
  readonly round: number
  readonly call: ToolCall
  readonly outcome: ToolOutcome<E>
}

/**
 * The round's outputs, in the order of the calls, as appended to the transcript.
 *
 * @since 0.1.0
 * @category steps
 */
export interface ToolResultsStep<M> {
  readonly _tag: "ToolResults"
  readonly round: number
  readonly items: ReadonlyArray<M>
}

/**
 * The loop is over.
 *
 * @since 0.1.0
 * @category steps
 */
export interface FinalStep<Result> {
  readonly _tag: "Final"
  readonly round: number
  readonly result: Result
}

/**
 * The request of a Chat Completions loop: the operation's params without streaming (each round is one request).
 *
 * @since 0.1.0
 * @category models
 */
export type ChatParams = Omit<Types.CreateChatCompletionParams, "stream" | "stream_options">

/**
 * What a Chat Completions loop ends with.
 *
 * @since 0.1.0
 * @category models
 */
export interface ChatResult {
  /** The last answer. */
  readonly completion: Types.CreateChatCompletionResponse
  /** Every answer, in order. */
  readonly completions: ReadonlyArray<Types.CreateChatCompletionResponse>
  /** The whole conversation: the params' messages, then each answer's assistant message and its tool messages. */
  readonly messages: ReadonlyArray<Types.ChatCompletionRequestMessage>
}

/**
 * A round of a Chat Completions loop whose tools have run.
 *
 * @since 0.1.0
 * @category models
 */
export interface ChatRound {
  readonly round: number
  readonly completion: Types.CreateChatCompletionResponse
  /** The conversation so far, the round's tool messages included. */
  readonly messages: ReadonlyArray<Types.ChatCompletionRequestMessage>
}

/**
 * A step of a Chat Completions loop.
 *
 * @since 0.1.0
 * @category steps
 */
export type ChatStep<E = unknown> =
  | RequestStep<Types.CreateChatCompletionParams>
  | AnswerStep<Types.CreateChatCompletionResponse>
  | ToolCallStartedStep
  | ToolCallFinishedStep<E>
  | ToolResultsStep<Types.ChatCompletionRequestToolMessage>
  | FinalStep<ChatResult>

/**
 * The request of a Responses loop, without streaming.
 *
 * @since 0.1.0
 * @category models
 */
export type ResponsesParams = Omit<Types.CreateResponseParams, "stream" | "stream_options">

/**
 * What a Responses loop ends with.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResponsesResult {
  /** The last answer. */
  readonly response: Types.Response
  /** Every answer, in order. */
  readonly responses: ReadonlyArray<Types.Response>
  /**
   * The whole conversation as input items: the params' input (a string as one user message), then each answer's
   * output items and the `function_call_output` items.
   */
  readonly input: ReadonlyArray<Types.InputItem>
}

/**
 * A round of a Responses loop whose tools have run.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResponsesRound {
  readonly round: number
  readonly response: Types.Response
  /** The conversation so far, the round's outputs included. */
  readonly input: ReadonlyArray<Types.InputItem>
}

/**
 * A step of a Responses loop.
 *
 * @since 0.1.0
 * @category steps
 */
export type ResponsesStep<E = unknown> =
  | RequestStep<Types.CreateResponseParams>
  | AnswerStep<Types.Response>
  | ToolCallStartedStep
  | ToolCallFinishedStep<E>
  | ToolResultsStep<Types.FunctionCallOutputItemParam>
  | FinalStep<ResponsesResult>

// ---------------------------------------------------------------------------------------------------------------
// options
// ---------------------------------------------------------------------------------------------------------------

/**
 * Settings of both loops.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Requests at most (default 10). */
  readonly maxRounds?: number | undefined
  /** Tool calls of one answer run at most this many at a time (default 8). */
  readonly concurrency?: number | "unbounded" | undefined
  /** A handler that fails: tell the model (default), or end the loop with `ToolHandlerError`. */
  readonly onToolError?: "report" | "fail" | undefined
  /** An unknown tool or arguments that do not decode: tell the model (default), or end the loop with `ToolCallError`. */
  readonly onInvalidCall?: "report" | "fail" | undefined
  /** The text the model gets for a reported failure (default: `Error: ` and what went wrong). */
  readonly describeFailure?: ((failure: ToolCallError | ToolHandlerError<unknown>) => string) | undefined
  /** Options of every request (headers, timeout, retries). */
  readonly requestOptions?: OpenAIRequest.RequestOptions | undefined
}

/**
 * Settings of the Chat Completions loop. The hooks run in the loop's fiber, in order: what they fail with ends the
 * loop, what they need the loop needs.
 *
 * @since 0.1.0
 * @category models
 */
export interface ChatOptions<E = never, R = never> extends Options {
  /** Called with every step before the loop goes on (`chatSteps` gives them as a `Stream`). */
  readonly onStep?: ((step: ChatStep) => Effect.Effect<void, E, R>) | undefined
  /** After a round's tools ran and before the next request: messages it returns are appended to the conversation. */
  readonly afterRound?:
    | ((round: ChatRound) => Effect.Effect<ReadonlyArray<Types.ChatCompletionRequestMessage> | void, E, R>)
    | undefined
  /** How a round's request is made (default `Chat.Completions.create`): e.g. streamed and accumulated. */
  readonly send?:
    | ((request: Types.CreateChatCompletionParams) => Effect.Effect<Types.CreateChatCompletionResponse, E, R>)
    | undefined
}

/**
 * Settings of the Responses loop. The hooks run in the loop's fiber, as with {@link ChatOptions}.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResponsesOptions<E = never, R = never> extends Options {
  /**
   * `"client"` (default): every request carries the whole conversation in `input`. `"server"`: only the new items,
   * after `previous_response_id` (or in the params' `conversation`).
   */
  readonly history?: "client" | "server" | undefined
  readonly onStep?: ((step: ResponsesStep) => Effect.Effect<void, E, R>) | undefined
  /** After a round's tools ran and before the next request: items it returns are appended to the conversation. */
  readonly afterRound?: ((round: ResponsesRound) => Effect.Effect<ReadonlyArray<Types.InputItem> | void, E, R>) | undefined
  /** How a round's request is made (default `Responses.create`). */
  readonly send?: ((request: Types.CreateResponseParams) => Effect.Effect<Types.Response, E, R>) | undefined
}

type Hook = "onStep" | "afterRound" | "send"

type HookError<O> = {
  [K in Hook & keyof O]: NonNullable<O[K]> extends (...args: any) => Effect.Effect<any, infer E, any> ? E : never
}[Hook & keyof O]

type HookContext<O> = {
  [K in Hook & keyof O]: NonNullable<O[K]> extends (...args: any) => Effect.Effect<any, any, infer R> ? R : never
}[Hook & keyof O]

/** Whether `O` may set `K` to `V` (a literal `V`, or a wider type that includes it). */
type May<O, K extends string, V> = K extends keyof O ? V extends O[K & keyof O] ? true : false : false

/**
 * What a loop with tools `T` and options `O` fails with: request failures, tools that cannot be sent, too many
 * rounds, and, as the options ask, invalid calls and failed handlers, and what the hooks fail with.
 *
 * @since 0.1.0
 * @category models
 */
export type LoopError<T, O, State> =
  | OpenAIError.RequestError
  | ToolDefinitionError
  | MaxRoundsError<State>
  | (May<O, "onToolError", "fail"> extends true ? ToolHandlerError<Tool.Error<T>> : never)
  | (May<O, "onInvalidCall", "fail"> extends true ? ToolCallError : never)
  | HookError<O>

/**
 * What a loop with tools `T` and options `O` needs.
 *
 * @since 0.1.0
 * @category models
 */
export type LoopContext<T, O> = OpenAIClient | Tool.Context<T> | HookContext<O>

// ---------------------------------------------------------------------------------------------------------------
// the loop
// ---------------------------------------------------------------------------------------------------------------

/** One surface's side of the loop: how to ask, what the answer asks for, how outputs go back. */
interface Protocol<P, A, M, Round, Result> {
  readonly request: () => P
  readonly send: (request: P) => Effect.Effect<A, unknown, unknown>
  readonly calls: (answer: A) => ReadonlyArray<ToolCall>
  readonly answered: (answer: A) => void
  readonly output: (call: ToolCall, text: string) => M
  readonly append: (items: ReadonlyArray<unknown>) => void
  readonly round: (round: number, answer: A) => Round
  readonly result: () => Result
  /** The function `tool_choice` forces, if any. */
  readonly forced: string | undefined
}

interface Hooks<Round> {
  readonly onStep: ((step: any) => Effect.Effect<void, unknown, unknown>) | undefined
  readonly afterRound: ((round: Round) => Effect.Effect<ReadonlyArray<unknown> | void, unknown, unknown>) | undefined
}

const defaultDescribe = (failure: ToolCallError | ToolHandlerError<unknown>): string =>
  failure._tag === "ToolHandlerError" ? `Error: ${messageOf(failure.cause)}` : `Error: ${failure.detail}`

/** A void result as nothing, a string as is, anything else as JSON. */
const encodeOutput = (value: unknown): string =>
  typeof value === "string" ? value : JSON.stringify(value) ?? ""

const quoted = (names: Iterable<string>): string => Array.from(names, (name) => JSON.stringify(name)).join(", ")

/** The tools by name, or why they cannot be sent. */
const registryOf = (tools: ReadonlyArray<Tool.Any>): Effect.Effect<ReadonlyMap<string, Tool.Any>, ToolDefinitionError> =>
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

const schemaOf = (t: Tool.Any): Readonly<Record<string, unknown>> =>
  (t.parameters as Extract<ParametersSchema, { _tag: "JsonSchema" }>).schema

const run = <P, A, M, Round, Result>(
  protocol: Protocol<P, A, M, Round, Result>,
  registry: ReadonlyMap<string, Tool.Any>,
  options: Options,
  hooks: Hooks<Round>
): Effect.Effect<Result, unknown, unknown> => {
  const maxRounds = Math.max(1, options.maxRounds ?? 10)
  const concurrency = options.concurrency ?? 8
  const describe = options.describeFailure ?? defaultDescribe
  const onStep = hooks.onStep
  const emit = (step: unknown): Effect.Effect<void, unknown, unknown> => (onStep === undefined ? Effect.void : onStep(step))

  const invalid = (call: ToolCall, reason: ToolCallError["reason"], detail: string, cause: unknown) => {
    const error = new ToolCallError({
      reason,
      call,
      detail,
      cause,
      message: `tool call ${call.id} ("${call.name}"): ${detail}`
    })
    return options.onInvalidCall === "fail"
      ? Effect.fail(error)
      : Effect.succeed<ToolOutcome>({ _tag: "Failure", error, output: describe(error) })
  }

  const execute = (call: ToolCall): Effect.Effect<ToolOutcome, unknown, unknown> => {
    const t = registry.get(call.name)
    if (t === undefined) {
      const detail = `there is no tool named ${JSON.stringify(call.name)}; the tools are ${quoted(registry.keys())}`
      return invalid(call, "UnknownTool", detail, undefined)
    }
    return Effect.flatMap(Effect.either(t.decode(call.arguments)), (decoded): Effect.Effect<ToolOutcome, unknown, unknown> => {
      if (Either.isLeft(decoded)) {
        const { cause, detail, reason } = decoded.left
        const prefix = reason === "InvalidJson" ? "the arguments are not valid JSON" : `the arguments do not match the parameters of ${JSON.stringify(call.name)}`
        return invalid(call, reason, `${prefix}: ${detail}`, cause)
      }
      return Effect.flatMap(Effect.either(t.handler(decoded.right)), (ran) => {
        if (Either.isRight(ran)) {
          return Effect.map(Effect.orDie(Effect.try(() => encodeOutput(ran.right))), (output): ToolOutcome => ({
            _tag: "Success",
            value: ran.right,
            output
          }))
        }
        const error = new ToolHandlerError({
          call,
          cause: ran.left,
          message: `tool call ${call.id} ("${call.name}") failed: ${messageOf(ran.left)}`
        })
        return options.onToolError === "fail"
          ? Effect.fail(error)
          : Effect.succeed<ToolOutcome>({ _tag: "Failure", error, output: describe(error) })
      })
    })
  }

  const runCall = (call: ToolCall, round: number) =>
    Effect.zipRight(
      emit({ _tag: "ToolCallStarted", round, call }),
      Effect.tap(execute(call), (outcome) => emit({ _tag: "ToolCallFinished", round, call, outcome }))
    )

  const finish = (round: number) =>
    Effect.suspend(() => {
      const result = protocol.result()
      return Effect.as(emit({ _tag: "Final", round, result }), result)
    })

  const loop = (round: number): Effect.Effect<Result, unknown, unknown> =>
    Effect.gen(function*() {
      const request = protocol.request()
      yield* emit({ _tag: "Request", round, request })
      const answer = yield* protocol.send(request)
      const calls = protocol.calls(answer)
      protocol.answered(answer)
      yield* emit({ _tag: "Answer", round, answer, calls })
      if (calls.length === 0) return yield* finish(round)
      const outcomes = yield* Effect.forEach(calls, (call) => runCall(call, round), { concurrency })
      const items = calls.map((call, i) => protocol.output(call, outcomes[i]!.output))
      protocol.append(items)
      yield* emit({ _tag: "ToolResults", round, items })
      if (hooks.afterRound !== undefined) {
        const extra = yield* hooks.afterRound(protocol.round(round, answer))
        if (Array.isArray(extra) && extra.length > 0) protocol.append(extra)
      }
      const forced = protocol.forced
      if (forced !== undefined && calls.some((call, i) => call.name === forced && outcomes[i]!._tag === "Success")) {
        return yield* finish(round)
      }
      if (round >= maxRounds) {
        return yield* Effect.fail(
          new MaxRoundsError({
            rounds: round,
            state: protocol.result(),
            message: `the model still asked for tools after ${round} request${round === 1 ? "" : "s"} (maxRounds)`
          })
        )
      }
      return yield* loop(round + 1)
    })

  return loop(1)
}

/** Every step of `loop` (given the step callback) as a stream; the loop runs while the stream is read. */
const stepsOf = <S>(
  loop: (onStep: (step: S) => Effect.Effect<void>) => Effect.Effect<unknown, unknown, unknown>
): Stream.Stream<S, unknown, unknown> =>
  Stream.unwrapScoped(
    Effect.gen(function*() {
      const mailbox = yield* Mailbox.make<S, unknown>()
      yield* Effect.forkScoped(Mailbox.into(loop((step) => Effect.asVoid(mailbox.offer(step))), mailbox))
      return Mailbox.toStream(mailbox)
    })
  )

const withStep = <O extends { readonly onStep?: ((step: any) => Effect.Effect<void, any, any>) | undefined }>(
  options: O,
  emit: (step: any) => Effect.Effect<void>
): O => {
  const user = options.onStep
  return { ...options, onStep: user === undefined ? emit : (step: any) => Effect.zipRight(user(step), emit(step)) }
}

// ---------------------------------------------------------------------------------------------------------------
// Chat Completions
// ---------------------------------------------------------------------------------------------------------------

type ToolMessage = Types.ChatCompletionRequestToolMessage

/** An answer's message as a request message: the fields a request takes, response-only ones left out. */
const assistantMessage = (message: Types.ChatCompletionResponseMessage): Types.ChatCompletionRequestAssistantMessage => {
  const toolCalls = message.tool_calls?.map((call): Types.ChatCompletionMessageToolCalls[number] =>
    call.type === "custom"
      ? { id: call.id, type: "custom", custom: { name: call.custom.name, input: call.custom.input } }
      : { id: call.id, type: "function", function: { name: call.function.name, arguments: call.function.arguments } }
  )
  return {
    role: "assistant",
    content: message.content ?? null,
    ...(message.refusal != null ? { refusal: message.refusal } : {}),
    ...(toolCalls !== undefined && toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
    ...(message.function_call != null ? { function_call: message.function_call } : {}),
    ...(message.audio != null ? { audio: { id: message.audio.id } } : {})
  }
}

/** The calls of an answer; a custom tool call (free text, not a function) is named as is and runs no tool. */
const chatCalls = (completion: Types.CreateChatCompletionResponse): ReadonlyArray<ToolCall> =>
  (completion.choices[0]?.message.tool_calls ?? []).map((call) =>
    call.type === "custom"
      ? { id: call.id, name: call.custom.name, arguments: call.custom.input }
      : { id: call.id, name: call.function.name, arguments: call.function.arguments }
  )

const chatTool = (t: Tool.Any): Types.ChatCompletionTool => ({
  type: "function",
  function: {
    name: t.name,
    ...(t.description !== undefined ? { description: t.description } : {}),
    parameters: schemaOf(t),
    ...(t.strict !== undefined ? { strict: t.strict } : {})
  }
})

const chatProtocol = (
  params: ChatParams,
  registry: ReadonlyMap<string, Tool.Any>,
  send: (request: Types.CreateChatCompletionParams) => Effect.Effect<Types.CreateChatCompletionResponse, unknown, unknown>
): Protocol<Types.CreateChatCompletionParams, Types.CreateChatCompletionResponse, ToolMessage, ChatRound, ChatResult> => {
  const messages: Array<Types.ChatCompletionRequestMessage> = [...params.messages]
  const completions: Array<Types.CreateChatCompletionResponse> = []
  const tools = [...Array.from(registry.values(), chatTool), ...(params.tools ?? [])]
  const choice = params.tool_choice
  return {
    // No tools at all leaves the field out: the API refuses an empty list.
    request: () => (tools.length > 0 ? { ...params, tools, messages: messages.slice() } : { ...params, messages: messages.slice() }),
    send,
    calls: chatCalls,
    answered: (completion) => {
      completions.push(completion)
      const message = completion.choices[0]?.message
      if (message !== undefined) messages.push(assistantMessage(message))
    },
    output: (call, text) => ({ role: "tool", tool_call_id: call.id, content: text }),
    append: (items) => messages.push(...(items as ReadonlyArray<Types.ChatCompletionRequestMessage>)),
    round: (round, completion) => ({ round, completion, messages: messages.slice() }),
    result: () => ({ completion: completions[completions.length - 1]!, completions: completions.slice(), messages: messages.slice() }),
    forced: typeof choice === "object" && choice.type === "function" && "function" in choice ? choice.function.name : undefined
  }
}

const chatLoop = (params: ChatParams, tools: ReadonlyArray<Tool.Any>, options: ChatOptions<any, any>): Effect.Effect<ChatResult, unknown, unknown> =>
  Effect.gen(function*() {
    if (params.n != null && params.n > 1) {
      return yield* Effect.fail(new OpenAIError.InvalidInputError({ message: `a tool loop reads one choice: n must be 1, not ${params.n}` }))
    }
    const registry = yield* registryOf(tools)
    const send = options.send ?? ((request) => ChatCompletions.create(request, options.requestOptions))
    return yield* run(chatProtocol(params, registry, send), registry, options, {
      onStep: options.onStep,
      afterRound: options.afterRound
    })
  })

/**
 * Runs a Chat Completions conversation with `tools` until the model answers without calling one; the result has the
 * last completion, every completion, and the whole conversation.
 *
 * @since 0.1.0
 * @category loops
 */
export const chat = <const T extends ReadonlyArray<Tool.Any>, const O extends ChatOptions<any, any> = {}>(
  params: ChatParams,
  tools: T,
  options?: O & ChatOptions<any, any>
): Effect.Effect<ChatResult, LoopError<T[number], O, ChatResult>, LoopContext<T[number], O>> =>
  chatLoop(params, tools, options ?? {}) as never

/**
 * {@link chat} as a `Stream` of its steps, ending with `Final`; the loop runs as the stream is read, and stopping
 * the stream interrupts it.
 *
 * @since 0.1.0
 * @category loops
 */
export const chatSteps = <const T extends ReadonlyArray<Tool.Any>, const O extends ChatOptions<any, any> = {}>(
  params: ChatParams,
  tools: T,
  options?: O & ChatOptions<any, any>
): Stream.Stream<ChatStep<Tool.Error<T[number]>>, LoopError<T[number], O, ChatResult>, LoopContext<T[number], O>> =>
  stepsOf<ChatStep>((emit) => chatLoop(params, tools, withStep(options ?? {}, emit))) as never

// ---------------------------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------------------------

const responseCalls = (response: Types.Response): ReadonlyArray<ToolCall> => {
  const calls: Array<ToolCall> = []
  for (const item of response.output) {
    if (item.type === "function_call") {
      const call = item as Types.FunctionToolCall
      calls.push({ id: call.call_id, name: call.name, arguments: call.arguments })
    }
  }
  return calls
}

const responsesTool = (t: Tool.Any): Types.FunctionTool =>
  ({
    type: "function",
    name: t.name,
    ...(t.description !== undefined ? { description: t.description } : {}),
    parameters: schemaOf(t),
    ...(t.strict !== undefined ? { strict: t.strict } : {})
  }) as Types.FunctionTool

const responsesProtocol = (
  params: ResponsesParams,
  registry: ReadonlyMap<string, Tool.Any>,
  history: "client" | "server",
  send: (request: Types.CreateResponseParams) => Effect.Effect<Types.Response, unknown, unknown>
): Protocol<Types.CreateResponseParams, Types.Response, Types.FunctionCallOutputItemParam, ResponsesRound, ResponsesResult> => {
  const given = params.input
  const input: Array<Types.InputItem> = given === undefined
    ? []
    : typeof given === "string"
    ? [{ role: "user", content: given }]
    : [...given]
  /** What the server has not seen yet (`history: "server"`). */
  let pending: Array<Types.InputItem> = input.slice()
  const responses: Array<Types.Response> = []
  const tools = [...Array.from(registry.values(), responsesTool), ...(params.tools ?? [])]
  const choice = params.tool_choice
  const last = () => responses[responses.length - 1]
  return {
    request: () => {
      const previous = last()
      const base = tools.length > 0 ? { ...params, tools } : params
      if (history === "client" || previous === undefined) return { ...base, input: input.slice() }
      // A conversation keeps the items itself; otherwise the requests are chained.
      return params.conversation != null
        ? { ...base, input: pending.slice() }
        : { ...base, previous_response_id: previous.id, input: pending.slice() }
    },
    send,
    calls: responseCalls,
    answered: (response) => {
      responses.push(response)
      pending = []
      input.push(...(response.output as ReadonlyArray<Types.InputItem>))
    },
    output: (call, text) => ({ type: "function_call_output", call_id: call.id, output: text }),
    append: (items) => {
      input.push(...(items as ReadonlyArray<Types.InputItem>))
      pending.push(...(items as ReadonlyArray<Types.InputItem>))
    },
    round: (round, response) => ({ round, response, input: input.slice() }),
    result: () => ({ response: last()!, responses: responses.slice(), input: input.slice() }),
    forced: typeof choice === "object" && choice !== null && choice.type === "function" && "name" in choice
      ? (choice as Types.ToolChoiceFunction).name
      : undefined
  }
}

const responsesLoop = (
  params: ResponsesParams,
  tools: ReadonlyArray<Tool.Any>,
  options: ResponsesOptions<any, any>
): Effect.Effect<ResponsesResult, unknown, unknown> =>
  Effect.gen(function*() {
    const registry = yield* registryOf(tools)
    const send = options.send ?? ((request) => Responses.create(request, options.requestOptions))
    return yield* run(responsesProtocol(params, registry, options.history ?? "client", send), registry, options, {
      onStep: options.onStep,
      afterRound: options.afterRound
    })
  })

/**
 * Runs a Responses conversation with `tools` until the model answers without calling one; the result has the last
 * response, every response, and the whole conversation as input items.
 *
 * @since 0.1.0
 * @category loops
 */
export const responses = <const T extends ReadonlyArray<Tool.Any>, const O extends ResponsesOptions<any, any> = {}>(
  params: ResponsesParams,
  tools: T,
  options?: O & ResponsesOptions<any, any>
): Effect.Effect<ResponsesResult, LoopError<T[number], O, ResponsesResult>, LoopContext<T[number], O>> =>
  responsesLoop(params, tools, options ?? {}) as never

/**
 * {@link responses} as a `Stream` of its steps, ending with `Final`.
 *
 * @since 0.1.0
 * @category loops
 */
export const responsesSteps = <const T extends ReadonlyArray<Tool.Any>, const O extends ResponsesOptions<any, any> = {}>(
  params: ResponsesParams,
  tools: T,
  options?: O & ResponsesOptions<any, any>
): Stream.Stream<ResponsesStep<Tool.Error<T[number]>>, LoopError<T[number], O, ResponsesResult>, LoopContext<T[number], O>> =>
  stepsOf<ResponsesStep>((emit) => responsesLoop(params, tools, withStep(options ?? {}, emit))) as never
