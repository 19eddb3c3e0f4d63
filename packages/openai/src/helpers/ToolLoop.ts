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
import type * as Effect from "effect/Effect"
import type * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"
import type { OpenAIClient } from "../OpenAIClient.js"
import type * as OpenAIError from "../OpenAIError.js"
import type * as OpenAIRequest from "../OpenAIRequest.js"
import type * as Types from "../generated/Types.js"
import { chatLoop } from "../internal/toolLoop/chat.js"
import { responsesLoop } from "../internal/toolLoop/responses.js"
import { stepsOf, withStep } from "../internal/toolLoop/run.js"
import { fromJsonSchema, fromSchema } from "../internal/toolLoop/tools.js"

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
  const { decode, parameters } = fromSchema(options.parameters, strict)
  return {
    [TypeId]: TypeId,
    name: options.name,
    description: options.description,
    strict,
    parameters,
    decode,
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
}): Tool<A, E, R> => ({
  [TypeId]: TypeId,
  name: options.name,
  description: options.description,
  strict: options.strict,
  parameters: { _tag: "JsonSchema", schema: options.parameters },
  decode: fromJsonSchema(options.decode),
  handler: options.handler
})

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
// loops
// ---------------------------------------------------------------------------------------------------------------

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
