/**
 * The base of `client.chat.completions`: the official helpers that are not operations of the spec. Each method
 * delegates to its own module, so that a program that never calls it can leave it out of a bundle's hot path.
 */
import type { RequestOptions } from "../internal/request-options.js"
import { APIResource } from "../core/resource.js"
import { type ChatCompletionStream, type ChatCompletionStreamParams, streamChatCompletion } from "./chat-completion-stream.js"
import type { APIPromise } from "../core/api-promise.js"
import type { ChatCompletionParseParams, ParsedChatCompletion } from "../generated/resources/chat/completions/completions.js"
import { type ExtractParsedContentFromParams, parseChatCompletion } from "./parse.js"
import {
  type ChatCompletionRunner,
  type ChatCompletionStreamingRunner,
  type ChatCompletionStreamingToolRunnerParamsWithContext,
  type ChatCompletionStreamingToolRunnerParamsWithoutContext,
  type ChatCompletionToolRunnerParamsWithContext,
  type ChatCompletionToolRunnerParamsWithoutContext,
  type RunnableToolFunctionWithContext,
  type RunnerOptions,
  runTools,
  type RunToolsParams
} from "./run-tools.js"

export class ChatCompletionsHelpers extends APIResource {
  // --- stream (lib/chat-completion-stream.ts) ---
  /** A streamed chat completion with events, accumulated to the final completion. */
  stream<ParsedT = null>(body: ChatCompletionStreamParams, options?: RequestOptions): ChatCompletionStream<ParsedT> {
    return streamChatCompletion<ParsedT>(this._client, body, options)
  }

  // --- parse (lib/parse.ts) ---
  /**
   * `create`, then each choice's content parsed by `response_format` into `message.parsed`, and the arguments of
   * calls to strict function tools into `function.parsed_arguments` (typed when the tool was made by a helper).
   */
  parse<Params extends ChatCompletionParseParams, ParsedT = ExtractParsedContentFromParams<Params>>(
    body: Params,
    options?: RequestOptions
  ): APIPromise<ParsedChatCompletion<ParsedT>> {
    return parseChatCompletion<Params, ParsedT>(this._client, body, options)
  }

  // --- runTools (lib/run-tools.ts) ---
  /**
   * Runs the conversation, calling the given functions when the model asks, until it answers (or after
   * `maxChatCompletions` requests). With `stream: true`, each request is streamed.
   */
  runTools<
    ToolContext,
    Params extends Omit<ChatCompletionToolRunnerParamsWithContext<any, ToolContext>, "toolContext" | "tools">,
    ParsedT = ExtractParsedContentFromParams<Params>
  >(
    body: Params & { toolContext: ToolContext; tools: ReadonlyArray<RunnableToolFunctionWithContext<ToolContext>> },
    options?: RunnerOptions
  ): ChatCompletionRunner<ParsedT>
  runTools<
    ToolContext,
    Params extends Omit<ChatCompletionStreamingToolRunnerParamsWithContext<any, ToolContext>, "toolContext" | "tools">,
    ParsedT = ExtractParsedContentFromParams<Params>
  >(
    body: Params & { toolContext: ToolContext; tools: ReadonlyArray<RunnableToolFunctionWithContext<ToolContext>> },
    options?: RunnerOptions
  ): ChatCompletionStreamingRunner<ParsedT>
  runTools<Params extends ChatCompletionToolRunnerParamsWithoutContext<any>, ParsedT = ExtractParsedContentFromParams<Params>>(
    body: Params,
    options?: RunnerOptions
  ): ChatCompletionRunner<ParsedT>
  runTools<Params extends ChatCompletionStreamingToolRunnerParamsWithoutContext<any>, ParsedT = ExtractParsedContentFromParams<Params>>(
    body: Params,
    options?: RunnerOptions
  ): ChatCompletionStreamingRunner<ParsedT>
  runTools(body: RunToolsParams, options?: RunnerOptions): ChatCompletionRunner<any> | ChatCompletionStreamingRunner<any> {
    return runTools(this._client, body, options)
  }
}
