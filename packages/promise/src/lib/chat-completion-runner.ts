/**
 * The official chat completion runners (`AbstractChatCompletionRunner`, `ChatCompletionRunner`) over the core's
 * `ToolLoop`: the loop itself (requests, tool calls, the transcript, the round limit, interruption) is the core's;
 * this module turns its steps into the official events and the user's functions into core tools.
 *
 * How the official semantics map onto the core's loop:
 * - a function's `parse` is the tool's decoder: what it throws is sent to the model as the tool's output;
 * - a function that throws ends the run with that error (`onToolError: "fail"`); an unknown function is reported to
 *   the model with the official text;
 * - `maxChatCompletions` is `maxRounds`: the core's `MaxRoundsError` comes after the last round's tools ran, which
 *   is where the official runner stops, quietly;
 * - `afterCompletion` runs after each round's tools (the core's `afterRound`) and after the final completion;
 *   messages appended to `runner.messages` by then (by it, by listeners or by functions) are sent next;
 * - the calls of a completion run concurrently, or one at a time with `parallel_tool_calls: false` or a
 *   `tool_choice` that names a function (the run then ends once that function has been called);
 * - each completion is parsed as `chat.completions.parse` parses it (`parsed`, `parsed_arguments` of strict tools).
 *
 * Known differences: messages removed from `runner.messages` are still sent (appended ones are, after the round's
 * tool messages); a custom tool call is answered as an unknown function (the official runner leaves it unanswered,
 * which the API then refuses); aborting does not wait for running functions to settle.
 */
import type { OpenAIClient } from "@effect-openai/openai/OpenAIClient"
import type * as CoreError from "@effect-openai/openai/OpenAIError"
import type * as T from "@effect-openai/openai/generated/Types"
import * as ToolLoop from "@effect-openai/openai/helpers/ToolLoop"
import * as Effect from "effect/Effect"
import type { ClientCore } from "../core/client.js"
import { OpenAIError } from "../core/error.js"
import type {
  ChatCompletion,
  ChatCompletionMessage,
  ChatCompletionMessageFunctionToolCall,
  ChatCompletionMessageParam,
  ParsedChatCompletion
} from "../generated/resources/chat/completions/completions.js"
import type { CompletionUsage } from "../generated/resources/completions.js"
import { coreOptions } from "../internal/call.js"
import type { RequestOptions } from "../internal/request-options.js"
import { type Args, type BaseEvents, EventStream } from "./event-stream.js"
import { isAutoParsableTool, parseChatCompletionWith } from "./parse.js"

/** What runner callbacks may use: the conversation (to append to) and `abort`. */
export interface ChatCompletionRunnerContext {
  messages: Array<ChatCompletionMessageParam>
  abort(): void
}

/** Request options, and the runner's own. */
export interface RunnerOptions extends RequestOptions {
  /** Chat completion requests at most (default 10). */
  maxChatCompletions?: number | undefined
  /** Awaited after each completion and its tool calls; messages it appends to `runner.messages` are sent next. */
  afterCompletion?: ((completion: ChatCompletion, runner: ChatCompletionRunnerContext) => void | Promise<void>) | undefined
}

/** The events of every chat completion runner. */
export interface AbstractChatCompletionRunnerEvents extends BaseEvents {
  functionToolCall: (functionCall: ChatCompletionMessageFunctionToolCall.Function) => void
  message: (message: ChatCompletionMessageParam) => void
  chatCompletion: (completion: ChatCompletion) => void
  finalContent: (contentSnapshot: string) => void
  finalMessage: (message: ChatCompletionMessageParam) => void
  finalChatCompletion: (completion: ChatCompletion) => void
  finalFunctionToolCall: (functionCall: ChatCompletionMessageFunctionToolCall.Function) => void
  functionToolCallResult: (content: string) => void
  finalFunctionToolCallResult: (content: string) => void
  totalUsage: (usage: CompletionUsage) => void
}

/** The events of `ChatCompletionRunner`. */
export interface ChatCompletionRunnerEvents extends AbstractChatCompletionRunnerEvents {
  /** The text of each assistant message received. */
  content: (content: string) => void
}

/** A function the runner calls: with `parse`, its arguments are what `parse` returns; without, the raw JSON text. */
export interface RunnableFunctionShape<ToolContext = unknown> {
  function: (args: any, runner: any, toolContext: ToolContext) => unknown
  parse?: ((input: string) => unknown) | undefined
  parameters: Record<string, unknown>
  description: string
  name?: string | undefined
  strict?: boolean | undefined
}

/** What `runTools` reads of its params. */
export interface RunToolsBody {
  readonly messages: ReadonlyArray<ChatCompletionMessageParam>
  readonly tools: ReadonlyArray<unknown>
  readonly tool_choice?: T.ChatCompletionToolChoiceOption | undefined
  readonly parallel_tool_calls?: boolean | undefined
  readonly toolContext?: unknown
  readonly stream?: boolean | null | undefined
  readonly [key: string]: unknown
}

/**
 * How one round's completion is obtained, when not by `Chat.Completions.create`: the streaming runner streams it.
 * Such a round connects the runner and adds its completion itself.
 */
export type SendRound = (
  request: T.CreateChatCompletionParams
) => Effect.Effect<T.CreateChatCompletionResponse, CoreError.OpenAIError, OpenAIClient>

type Mutable<A> = { -readonly [K in keyof A]: A[K] }

const isAssistant = (message: ChatCompletionMessageParam | undefined): message is T.ChatCompletionRequestAssistantMessage =>
  message?.role === "assistant"

const isTool = (message: ChatCompletionMessageParam | undefined): message is T.ChatCompletionRequestToolMessage =>
  message?.role === "tool"

/** What a function's result becomes in the tool message. */
const stringify = (value: unknown): string =>
  typeof value === "string" ? value : value === undefined ? "undefined" : JSON.stringify(value)

/** A call to a function other than the one `tool_choice` names. */
class NotRequested {
  constructor(readonly requested: string) {}
}

/** The conversation, the completions and the final results every runner has. */
export class AbstractChatCompletionRunner<Events extends AbstractChatCompletionRunnerEvents, ParsedT>
  extends EventStream<Events>
{
  protected _chatCompletions: Array<ParsedChatCompletion<ParsedT>> = []
  /** The conversation: the params' messages, then each assistant message and tool message as they come. */
  messages: Array<ChatCompletionMessageParam> = []

  protected _addChatCompletion(completion: ParsedChatCompletion<ParsedT>): ParsedChatCompletion<ParsedT> {
    this._chatCompletions.push(completion)
    this._emit("chatCompletion", ...([completion] as unknown as Args<Events, "chatCompletion">))
    const message = completion.choices[0]?.message
    if (message !== undefined) this._addMessage(message as unknown as ChatCompletionMessageParam)
    return completion
  }

  protected _addMessage(message: ChatCompletionMessageParam, emit = true, normalize = true): void {
    if (normalize && !("content" in message)) (message as Mutable<T.ChatCompletionRequestAssistantMessage>).content = null
    this.messages.push(message)
    if (!emit) return
    this._emit("message", ...([message] as unknown as Args<Events, "message">))
    if (isTool(message) && message.content) {
      this._emit("functionToolCallResult", ...([message.content] as unknown as Args<Events, "functionToolCallResult">))
    } else if (isAssistant(message) && message.tool_calls) {
      for (const call of message.tool_calls) {
        if (call.type === "function") {
          this._emit("functionToolCall", ...([call.function] as unknown as Args<Events, "functionToolCall">))
        }
      }
    }
  }

  /** The last completion, once the run is over. */
  async finalChatCompletion(): Promise<ParsedChatCompletion<ParsedT>> {
    await this.done()
    const completion = this._chatCompletions[this._chatCompletions.length - 1]
    if (completion === undefined) throw new OpenAIError("stream ended without producing a ChatCompletion")
    return completion
  }

  /** The text of the last assistant message, once the run is over. */
  async finalContent(): Promise<string | null> {
    await this.done()
    return this.#finalContent()
  }

  /** The last assistant message, once the run is over. */
  async finalMessage(): Promise<ChatCompletionMessage> {
    await this.done()
    return this.#finalMessage()
  }

  /** The last function call the model made, once the run is over. */
  async finalFunctionToolCall(): Promise<ChatCompletionMessageFunctionToolCall.Function | undefined> {
    await this.done()
    return this.#finalFunctionToolCall()
  }

  /** The last function result sent, once the run is over. */
  async finalFunctionToolCallResult(): Promise<string | undefined> {
    await this.done()
    return this.#finalFunctionToolCallResult()
  }

  /** The usage of every completion added up, once the run is over. */
  async totalUsage(): Promise<CompletionUsage> {
    await this.done()
    return this.#totalUsage()
  }

  /** The completions received so far. */
  allChatCompletions(): Array<ChatCompletion> {
    return [...this._chatCompletions] as Array<ChatCompletion>
  }

  protected override _emitFinal(): void {
    const completion = this._chatCompletions[this._chatCompletions.length - 1]
    if (completion !== undefined) this._emit("finalChatCompletion", ...([completion] as unknown as Args<Events, "finalChatCompletion">))
    const message = this.#finalMessage()
    this._emit("finalMessage", ...([message] as unknown as Args<Events, "finalMessage">))
    const content = this.#finalContent()
    if (content) this._emit("finalContent", ...([content] as unknown as Args<Events, "finalContent">))
    const call = this.#finalFunctionToolCall()
    if (call) this._emit("finalFunctionToolCall", ...([call] as unknown as Args<Events, "finalFunctionToolCall">))
    const result = this.#finalFunctionToolCallResult()
    if (result != null) this._emit("finalFunctionToolCallResult", ...([result] as unknown as Args<Events, "finalFunctionToolCallResult">))
    if (this._chatCompletions.some((c) => c.usage)) {
      this._emit("totalUsage", ...([this.#totalUsage()] as unknown as Args<Events, "totalUsage">))
    }
  }

  #finalMessage(): ChatCompletionMessage {
    for (let i = this.messages.length - 1; i >= 0; i--) {
      const message = this.messages[i]
      if (isAssistant(message)) {
        return { ...message, content: (message.content ?? null) as string | null, refusal: message.refusal ?? null } as ChatCompletionMessage
      }
    }
    throw new OpenAIError("stream ended without producing a ChatCompletionMessage with role=assistant")
  }

  #finalContent(): string | null {
    return this.#finalMessage().content ?? null
  }

  #finalFunctionToolCall(): ChatCompletionMessageFunctionToolCall.Function | undefined {
    for (let i = this.messages.length - 1; i >= 0; i--) {
      const message = this.messages[i]
      if (isAssistant(message) && message.tool_calls?.length) {
        for (let j = message.tool_calls.length - 1; j >= 0; j--) {
          const call = message.tool_calls[j]
          if (call?.type === "function") return call.function
        }
      }
    }
    return undefined
  }

  #finalFunctionToolCallResult(): string | undefined {
    for (let i = this.messages.length - 1; i >= 0; i--) {
      const message = this.messages[i]
      if (
        isTool(message) && typeof message.content === "string" &&
        this.messages.some((m) => isAssistant(m) && m.tool_calls?.some((c) => c.type === "function" && c.id === message.tool_call_id))
      ) return message.content
    }
    return undefined
  }

  #totalUsage(): CompletionUsage {
    const total: Record<string, any> = { completion_tokens: 0, prompt_tokens: 0, total_tokens: 0 }
    for (const { usage } of this._chatCompletions) {
      if (!usage) continue
      total.completion_tokens += usage.completion_tokens
      total.prompt_tokens += usage.prompt_tokens
      total.total_tokens += usage.total_tokens
      for (const key of ["completion_tokens_details", "prompt_tokens_details"] as const) {
        const details = usage[key] as Record<string, unknown> | undefined
        if (typeof details !== "object" || details === null) continue
        const sum: Record<string, number> = (total[key] ??= {})
        for (const name of Object.keys(details)) {
          const count = details[name]
          if (typeof count === "number") {
            Object.defineProperty(sum, name, { value: (Object.hasOwn(sum, name) ? sum[name]! : 0) + count, enumerable: true, writable: true, configurable: true })
          }
        }
      }
    }
    return total as CompletionUsage
  }

  /**
   * Runs the tool loop: the core's `ToolLoop.chat` with the user's functions as tools, its steps as this runner's
   * events. `send` makes each round's request (the streaming runner streams it).
   */
  protected async _runTools(client: ClientCore, body: RunToolsBody, options: RunnerOptions | undefined, send?: SendRound): Promise<void> {
    const { tool_choice = "auto", stream: _stream, toolContext, tools: inputTools, ...rest } = body
    const single = typeof tool_choice === "object" && tool_choice !== null && tool_choice.type === "function" && "function" in tool_choice
      ? tool_choice.function.name
      : undefined
    const maxChatCompletions = options?.maxChatCompletions ?? 10
    const afterCompletion = options?.afterCompletion
    this._listenForAbort(options?.signal)

    const functions: Array<RunnableFunctionShape> = []
    const others: Array<T.CustomToolChatCompletions> = []
    for (const tool of inputTools) {
      if (isAutoParsableTool(tool)) {
        const callback = tool.$callback
        if (callback === undefined) throw new OpenAIError("Tool given to `.runTools()` that does not have an associated function")
        functions.push({
          function: callback,
          name: tool.function.name,
          description: tool.function.description || "",
          parameters: tool.function.parameters ?? {},
          parse: (input: string) => tool.$parseRaw(input),
          strict: true
        })
      } else if ((tool as { type?: unknown }).type === "function") functions.push((tool as { function: RunnableFunctionShape }).function)
      else others.push(tool as T.CustomToolChatCompletions)
    }
    const names = functions.map((fn) => fn.name || fn.function.name)

    const tools = functions.map((fn, i) => {
      const name = names[i]!
      const parse = fn.parse
      return ToolLoop.jsonSchemaTool({
        name,
        description: fn.description,
        parameters: fn.parameters,
        strict: fn.strict,
        decode: (args): Effect.Effect<unknown, unknown> =>
          single !== undefined && single !== name
            ? Effect.fail(new NotRequested(single))
            : parse === undefined
            ? Effect.succeed(args)
            : Effect.tryPromise({ try: async () => parse(args), catch: (error) => error }),
        handler: (args) =>
          Effect.tryPromise({
            try: async () => stringify(await fn.function(args, this, toolContext)),
            catch: (error) => error
          })
      })
    })

    const describeFailure = (failure: ToolLoop.ToolCallError | ToolLoop.ToolHandlerError<unknown>): string => {
      const name = JSON.stringify(failure.call.name)
      if (failure._tag === "ToolCallError" && failure.reason === "UnknownTool") {
        return `Invalid tool_call: ${name}. Available options are: ${names.map((n) => JSON.stringify(n)).join(", ")}. Please try again`
      }
      const cause = failure.cause
      if (cause instanceof NotRequested) return `Invalid tool_call: ${name}. ${JSON.stringify(cause.requested)} requested. Please try again`
      return cause instanceof Error ? cause.message : String(cause)
    }

    // The messages the core's transcript has; anything else in `this.messages` was appended by the user.
    const known = new WeakSet<object>()
    for (const message of body.messages) {
      this._addMessage(message, false, false)
      known.add(message)
    }
    let request: T.CreateChatCompletionParams | undefined
    let last: ParsedChatCompletion<ParsedT> | undefined
    let lastCalled = false
    const appended = (): Array<ChatCompletionMessageParam> => {
      const extra = this.messages.filter((message) => !known.has(message))
      for (const message of extra) known.add(message)
      return extra
    }

    const params = { ...rest, tool_choice, tools: others, messages: body.messages } as unknown as ToolLoop.ChatParams
    const loop = ToolLoop.chat(
      params,
      tools,
      {
        maxRounds: maxChatCompletions,
        concurrency: single !== undefined || body.parallel_tool_calls === false ? 1 : "unbounded",
        onToolError: "fail",
        describeFailure,
        requestOptions: coreOptions(options),
        send,
        onStep: (step: ToolLoop.ChatStep) => {
          switch (step._tag) {
            case "Request":
              return Effect.sync(() => {
                request = step.request
              })
            case "Answer":
              return Effect.sync(() => {
                // A round made by `send` has connected and added its completion itself (a stream does, as it goes).
                const completion = send === undefined
                  ? parseChatCompletionWith<ParsedT>(step.answer, request)
                  : step.answer as unknown as ParsedChatCompletion<ParsedT>
                const message = completion.choices[0]?.message
                if (message === undefined) throw new OpenAIError("missing message in ChatCompletion response")
                last = completion
                lastCalled = step.calls.length > 0
                if (send === undefined) {
                  this._connected()
                  this._addChatCompletion(completion)
                }
                known.add(message)
              })
            case "ToolResults":
              return Effect.sync(() => {
                for (const message of step.items) {
                  known.add(message)
                  this._addMessage(message)
                }
              })
            case "Final":
              return afterCompletion === undefined || lastCalled
                ? Effect.void
                : Effect.promise(async () => afterCompletion(last as ChatCompletion, this))
            default:
              return Effect.void
          }
        },
        afterRound: () =>
          Effect.promise(async () => {
            if (afterCompletion !== undefined) await afterCompletion(last as ChatCompletion, this)
            if (this.controller.signal.aborted) return []
            return appended()
          })
      }
    ).pipe(
      Effect.asVoid,
      Effect.catchTags({
        // The official runner stops after `maxChatCompletions` without failing.
        MaxRoundsError: () => Effect.void,
        ToolHandlerError: (error) => Effect.die(error.cause),
        ToolDefinitionError: (error) => Effect.die(new OpenAIError(error.message))
      })
    )
    await new Promise<void>((resolve, reject) =>
      client._runtime.run(loop, { signal: this.controller.signal, fetchOptions: options?.fetchOptions }, () => resolve(), reject)
    )
  }
}

/** Runs functions the model calls, over non-streamed completions, until the model answers. */
export class ChatCompletionRunner<ParsedT = null> extends AbstractChatCompletionRunner<ChatCompletionRunnerEvents, ParsedT> {
  /** Starts the run (on the next turn) and returns the runner. */
  static runTools<ParsedT = null>(client: ClientCore, body: RunToolsBody, options?: RunnerOptions): ChatCompletionRunner<ParsedT> {
    const runner = new ChatCompletionRunner<ParsedT>()
    runner._run(() => runner._runTools(client, body, options))
    return runner
  }

  protected override _addMessage(message: ChatCompletionMessageParam, emit = true, normalize = true): void {
    super._addMessage(message, emit, normalize)
    if (emit && isAssistant(message) && typeof message.content === "string" && message.content) this._emit("content", message.content)
  }
}
