/**
 * `client.chat.completions.runTools`: the official function-calling runner, over the core's `ToolLoop` (see
 * `chat-completion-runner.ts` for how the official semantics map onto it). Without `stream: true` it is a
 * `ChatCompletionRunner`, with it a `ChatCompletionStreamingRunner`.
 */
import type { ClientCore } from "../core/client.js"
import type { ChatCompletionCreateParamsNonStreaming, ChatCompletionCreateParamsStreaming } from "../generated/resources/chat/completions/completions.js"
import { ChatCompletionRunner, type RunnerOptions, type RunToolsBody } from "./chat-completion-runner.js"
import { ChatCompletionStreamingRunner } from "./chat-completion-streaming-runner.js"

export {
  AbstractChatCompletionRunner,
  type AbstractChatCompletionRunnerEvents,
  ChatCompletionRunner,
  type ChatCompletionRunnerContext,
  type ChatCompletionRunnerEvents,
  type RunnerOptions
} from "./chat-completion-runner.js"
export { ChatCompletionStreamingRunner } from "./chat-completion-streaming-runner.js"

/** A JSON Schema, as a function's `parameters`. */
export type JSONSchema = Record<string, unknown>

type PromiseOrValue<A> = A | Promise<A>

/** The runner a function is called from. */
export type AnyRunner = ChatCompletionRunner<unknown> | ChatCompletionStreamingRunner<unknown>

/** A function whose arguments `parse` reads from the model's JSON text first. */
export type RunnableFunctionWithParse<Args extends object, ToolContext = unknown> = {
  function: (args: Args, runner: AnyRunner, toolContext: ToolContext) => PromiseOrValue<unknown>
  parse: (input: string) => PromiseOrValue<Args>
  parameters: JSONSchema
  description: string
  name?: string | undefined
  strict?: boolean | undefined
}

/** A function given the model's JSON text as is. */
export type RunnableFunctionWithoutParse<ToolContext = unknown> = {
  function: (args: string, runner: AnyRunner, toolContext: ToolContext) => PromiseOrValue<unknown>
  parameters: JSONSchema
  description: string
  name?: string | undefined
  strict?: boolean | undefined
}

export type RunnableFunction<Args extends object | string, ToolContext = unknown> = Args extends string
  ? RunnableFunctionWithoutParse<ToolContext>
  : Args extends object ? RunnableFunctionWithParse<Args, ToolContext>
  : never

export type RunnableToolFunctionWithoutParse<ToolContext = unknown> = {
  type: "function"
  function: RunnableFunctionWithoutParse<ToolContext>
}

export type RunnableToolFunctionWithParse<Args extends object, ToolContext = unknown> = {
  type: "function"
  function: RunnableFunctionWithParse<Args, ToolContext>
}

export type RunnableToolFunction<Args extends object | string, ToolContext = unknown> = Args extends string
  ? RunnableToolFunctionWithoutParse<ToolContext>
  : Args extends object ? RunnableToolFunctionWithParse<Args, ToolContext>
  : never

/** A function tool whose callback takes the run's `toolContext`, its arguments inferred. */
export type RunnableToolFunctionWithContext<ToolContext> = {
  type: "function"
  function: {
    function: (args: any, runner: AnyRunner, toolContext: ToolContext) => PromiseOrValue<unknown>
    parse?: ((input: string) => PromiseOrValue<any>) | undefined
    parameters: JSONSchema
    description: string
    name?: string | undefined
    strict?: boolean | undefined
  }
}

export type BaseFunctionsArgs = ReadonlyArray<object | string>

export type RunnableFunctions<FunctionsArgs extends BaseFunctionsArgs, ToolContext = unknown> = [Array<any>] extends [FunctionsArgs]
  ? ReadonlyArray<RunnableFunction<any, ToolContext>>
  : { [I in keyof FunctionsArgs]: FunctionsArgs[I] extends object | string ? RunnableFunction<FunctionsArgs[I], ToolContext> : FunctionsArgs[I] }

export type RunnableTools<FunctionsArgs extends BaseFunctionsArgs, ToolContext = unknown> = [Array<any>] extends [FunctionsArgs]
  ? ReadonlyArray<RunnableToolFunction<any, ToolContext>>
  : { [I in keyof FunctionsArgs]: FunctionsArgs[I] extends object | string ? RunnableToolFunction<FunctionsArgs[I], ToolContext> : FunctionsArgs[I] }

/** Whether a function has a `parse`. */
export const isRunnableFunctionWithParse = <Args extends object, ToolContext = unknown>(
  fn: any
): fn is RunnableFunctionWithParse<Args, ToolContext> => typeof fn?.parse === "function"

/** A function tool whose `function` takes what its `parse` returns, checked by the compiler. */
export class ParsingToolFunction<Args extends object, ToolContext = unknown> {
  type = "function" as const
  function: RunnableFunctionWithParse<Args, ToolContext>
  constructor(input: RunnableFunctionWithParse<Args, ToolContext>) {
    this.function = input
  }
}

type ToolRunnerParamsBase = Omit<ChatCompletionCreateParamsNonStreaming, "tools">
type StreamingToolRunnerParamsBase = Omit<ChatCompletionCreateParamsStreaming, "tools">

export type ChatCompletionToolRunnerParamsWithoutContext<FunctionsArgs extends BaseFunctionsArgs> = ToolRunnerParamsBase & {
  tools: RunnableTools<FunctionsArgs> | ReadonlyArray<any>
  toolContext?: never
}

export type ChatCompletionToolRunnerParamsWithContext<FunctionsArgs extends BaseFunctionsArgs, ToolContext> = ToolRunnerParamsBase & {
  tools: RunnableTools<FunctionsArgs, ToolContext> | ReadonlyArray<any>
  toolContext: ToolContext
}

export type ChatCompletionToolRunnerParams<FunctionsArgs extends BaseFunctionsArgs, ToolContext = never> = [ToolContext] extends [never]
  ? ChatCompletionToolRunnerParamsWithoutContext<FunctionsArgs>
  : ChatCompletionToolRunnerParamsWithContext<FunctionsArgs, ToolContext>

export type ChatCompletionStreamingToolRunnerParamsWithoutContext<FunctionsArgs extends BaseFunctionsArgs> =
  & StreamingToolRunnerParamsBase
  & { tools: RunnableTools<FunctionsArgs> | ReadonlyArray<any>; toolContext?: never }

export type ChatCompletionStreamingToolRunnerParamsWithContext<FunctionsArgs extends BaseFunctionsArgs, ToolContext> =
  & StreamingToolRunnerParamsBase
  & { tools: RunnableTools<FunctionsArgs, ToolContext> | ReadonlyArray<any>; toolContext: ToolContext }

export type ChatCompletionStreamingToolRunnerParams<FunctionsArgs extends BaseFunctionsArgs, ToolContext = never> = [ToolContext] extends [never]
  ? ChatCompletionStreamingToolRunnerParamsWithoutContext<FunctionsArgs>
  : ChatCompletionStreamingToolRunnerParamsWithContext<FunctionsArgs, ToolContext>

/** What `runTools` accepts, streaming or not. */
export type RunToolsParams =
  | ChatCompletionToolRunnerParamsWithoutContext<any>
  | ChatCompletionToolRunnerParamsWithContext<any, any>
  | ChatCompletionStreamingToolRunnerParamsWithoutContext<any>
  | ChatCompletionStreamingToolRunnerParamsWithContext<any, any>

/** Starts a run: a streaming runner with `stream: true`, otherwise a non-streaming one. */
export const runTools = (
  client: ClientCore,
  body: RunToolsParams,
  options?: RunnerOptions
): ChatCompletionRunner<any> | ChatCompletionStreamingRunner<any> =>
  body.stream === true
    ? ChatCompletionStreamingRunner.runTools(client, body as unknown as RunToolsBody, options)
    : ChatCompletionRunner.runTools(client, body as unknown as RunToolsBody, options)
