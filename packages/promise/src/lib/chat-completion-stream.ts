/**
 * The official `ChatCompletionStream` (`client.chat.completions.stream(params)`): the chunks of a streamed chat
 * completion as events, accumulated to the final completion by the core's chat accumulator
 * (`@effect-openai/openai/helpers/ChatCompletionStream`), over the same request and stream machinery as
 * `create({ stream: true })`.
 *
 * Events, in the official order for each chunk: `chunk` (with the completion so far), then for each choice of the
 * chunk `content` and `content.delta`, `refusal.delta`, `logprobs.content.delta`, `logprobs.refusal.delta`; when
 * the choice finishes, its `*.done` events; `tool_calls.function.arguments.delta` per tool-call delta (and `.done`
 * for a call when the next one starts or the choice finishes). At the end: `chatCompletion`, `message`,
 * `functionToolCall`, then `finalChatCompletion`, `finalMessage`, `finalContent`, `finalFunctionToolCall`,
 * `totalUsage`, and `end`. A failure is `error` (or `abort`), then `end`.
 *
 * The final completion is given only when the stream ended with `[DONE]` and every choice finished: otherwise
 * `StreamTruncatedError`, never a partial completion. Chunks beyond the accumulator's limits (128 choices, 128
 * tool calls per choice, indexes that are not non-negative integers) fail with `ResponseDecodeError`.
 *
 * Differences from the official class, on purpose: the `chunk` snapshot lists tool calls sorted, with their
 * `index`, instead of a sparse array by index (an index of 10^9 is one entry), and has `content: null` until content
 * comes (the official leaves it out); a tool call without `type` is taken as a function call when it has `function`
 * data; `fromReadableStream` reads one completion (tool-runner message records are skipped) and, like a stream, needs
 * every choice finished. The snapshot is built only when a `chunk` listener is registered (`for await` builds none).
 */
import { chatCompletionsCreate } from "@effect-openai/openai/generated/Operations"
import * as CoreChat from "@effect-openai/openai/helpers/ChatCompletionStream"
import type { ClientCore } from "../core/client.js"
import { APIError, APIUserAbortError, OpenAIError } from "../core/error.js"
import { Stream } from "../core/streaming.js"
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParams,
  ChatCompletionCreateParamsBase,
  ChatCompletionMessageParam,
  ChatCompletionTokenLogprob,
  ParsedChatCompletion
} from "../generated/resources/chat/completions/completions.js"
import { call } from "../internal/call.js"
import { fromCore } from "../internal/errors.js"
import type { RequestOptions } from "../internal/request-options.js"
import { AbstractChatCompletionRunner, type AbstractChatCompletionRunnerEvents } from "./chat-completion-runner.js"
import { type Iterated, iterate } from "./event-iterator.js"
import { maybeParseChatCompletion } from "./parse.js"

/** An incremental assistant-text event and its accumulated state. */
export interface ContentDeltaEvent {
  delta: string
  snapshot: string
  /** The partially parsed structured output, when a parseable response format is given. */
  parsed: unknown | null
}

/** The whole assistant text of a finished choice. */
export interface ContentDoneEvent<ParsedT = null> {
  content: string
  parsed: ParsedT | null
}

export interface RefusalDeltaEvent {
  delta: string
  snapshot: string
}

export interface RefusalDoneEvent {
  refusal: string
}

export interface FunctionToolCallArgumentsDeltaEvent {
  name: string
  index: number
  /** The arguments so far, `arguments_delta` included. */
  arguments: string
  parsed_arguments: unknown
  arguments_delta: string
}

export interface FunctionToolCallArgumentsDoneEvent {
  name: string
  index: number
  arguments: string
  parsed_arguments: unknown
}

export interface LogProbsContentDeltaEvent {
  content: ReadonlyArray<ChatCompletionTokenLogprob>
  snapshot: ReadonlyArray<ChatCompletionTokenLogprob>
}

export interface LogProbsContentDoneEvent {
  content: ReadonlyArray<ChatCompletionTokenLogprob>
}

export interface LogProbsRefusalDeltaEvent {
  refusal: ReadonlyArray<ChatCompletionTokenLogprob>
  snapshot: ReadonlyArray<ChatCompletionTokenLogprob>
}

export interface LogProbsRefusalDoneEvent {
  refusal: ReadonlyArray<ChatCompletionTokenLogprob>
}

/** The completion as far as its chunks have come. */
export type ChatCompletionSnapshot = CoreChat.Snapshot

export interface ChatCompletionStreamEvents<ParsedT = null> extends AbstractChatCompletionRunnerEvents {
  content: (contentDelta: string, contentSnapshot: string) => void
  chunk: (chunk: ChatCompletionChunk, snapshot: ChatCompletionSnapshot) => void
  "content.delta": (props: ContentDeltaEvent) => void
  "content.done": (props: ContentDoneEvent<ParsedT>) => void
  "refusal.delta": (props: RefusalDeltaEvent) => void
  "refusal.done": (props: RefusalDoneEvent) => void
  "tool_calls.function.arguments.delta": (props: FunctionToolCallArgumentsDeltaEvent) => void
  "tool_calls.function.arguments.done": (props: FunctionToolCallArgumentsDoneEvent) => void
  "logprobs.content.delta": (props: LogProbsContentDeltaEvent) => void
  "logprobs.content.done": (props: LogProbsContentDoneEvent) => void
  "logprobs.refusal.delta": (props: LogProbsRefusalDeltaEvent) => void
  "logprobs.refusal.done": (props: LogProbsRefusalDoneEvent) => void
}

/** The parameters of `chat.completions.stream`: those of `create`, streaming implied. */
export type ChatCompletionStreamParams = Omit<ChatCompletionCreateParamsBase, "stream"> & { readonly stream?: true }

type Events<ParsedT> = ChatCompletionStreamEvents<ParsedT>

/** A completion of one choice with `message`, to read its parsed values by the request's params. */
const oneChoice = (message: Record<string, unknown>): ChatCompletion =>
  ({
    id: "",
    object: "chat.completion",
    created: 0,
    model: "",
    choices: [{ index: 0, finish_reason: "stop", logprobs: null, message: { role: "assistant", content: null, refusal: null, ...message } }]
  }) as unknown as ChatCompletion

/**
 * Structured outputs (`lib/parse.ts`): the `parsed` value of a finished choice's content, by the request's
 * `response_format` (`null` without a parseable one). Parsing throws as `parse` does, which fails the stream.
 */
const parseContent = (content: string, params: ChatCompletionCreateParams | null): unknown =>
  maybeParseChatCompletion(oneChoice({ content }), params).choices[0]!.message.parsed ?? null

/** The `parsed_arguments` of a finished function call, by the request's tools (`null` unless strict or helper-made). */
const parseArguments = (name: string, args: string, params: ChatCompletionCreateParams | null): unknown => {
  const message = maybeParseChatCompletion(
    oneChoice({ tool_calls: [{ id: "", type: "function", function: { name, arguments: args } }] }),
    params
  ).choices[0]!.message
  const call = message.tool_calls?.[0]
  return call?.type === "function" ? (call.function as { parsed_arguments?: unknown }).parsed_arguments ?? null : null
}

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null

/** What the `*.done` events of one choice have already said. */
interface ChoiceEvents {
  content: boolean
  refusal: boolean
  logprobsContent: boolean
  logprobsRefusal: boolean
  readonly toolCallsDone: Set<number>
  current: number | null
}

/** Records of the tool runner's serialized streams, which `fromReadableStream` skips. */
const isMessageRecord = (item: Record<string, unknown>): boolean =>
  (item.type === "message" && "message" in item) ||
  (typeof item.object === "string" && item.object.startsWith("chat.completion.chunk.message:"))

export class ChatCompletionStream<ParsedT = null> extends AbstractChatCompletionRunner<Events<ParsedT>, ParsedT>
  implements AsyncIterable<ChatCompletionChunk>
{
  #params: ChatCompletionCreateParams | null
  #acc: CoreChat.Accumulator | undefined = undefined
  readonly #choiceEvents = new Map<number, ChoiceEvents>()
  /** A `chunk` listener was added: the snapshot it takes is built for each chunk from then on. */
  #snapshots = false
  /** The async iterators over the chunks: fed directly, so that iterating builds no snapshots. */
  readonly #sinks: Array<(chunk: ChatCompletionChunk) => void> = []

  constructor(params: ChatCompletionCreateParams | null) {
    super()
    this.#params = params
  }

  /** The completion as far as it has come: `undefined` before the first chunk and after the final completion. */
  get currentChatCompletionSnapshot(): ChatCompletionSnapshot | undefined {
    return this.#acc?.snapshot()
  }

  /** Reads a stream `toReadableStream()` made (in another process, a browser), as if it were streamed here. */
  static fromReadableStream(stream: ReadableStream): ChatCompletionStream<null> {
    const runner = new ChatCompletionStream(null)
    runner._run(() => runner._fromReadableStream(stream))
    return runner
  }

  /** Starts a streamed chat completion; what `client.chat.completions.stream` returns. */
  static createChatCompletion<ParsedT>(
    client: ClientCore,
    params: ChatCompletionStreamParams,
    options?: RequestOptions
  ): ChatCompletionStream<ParsedT> {
    const runner = new ChatCompletionStream<ParsedT>(params as ChatCompletionCreateParams)
    runner._run(() => runner._runChatCompletion(client, { ...params, stream: true } as ChatCompletionCreateParams, options))
    return runner
  }

  override on<E extends keyof Events<ParsedT>>(event: E, listener: Events<ParsedT>[E]): this {
    if (event === "chunk") this.#snapshots = true
    return super.on(event, listener)
  }

  override once<E extends keyof Events<ParsedT>>(event: E, listener: Events<ParsedT>[E]): this {
    if (event === "chunk") this.#snapshots = true
    return super.once(event, listener)
  }

  protected async _runChatCompletion(
    client: ClientCore,
    params: ChatCompletionCreateParams,
    options?: RequestOptions
  ): Promise<ChatCompletion> {
    for (const message of params.messages) this._addMessage(message as ChatCompletionMessageParam, false, false)
    return await this._createChatCompletion(client, params, options) as unknown as ChatCompletion
  }

  /** One streamed request, its chunks emitted as they come; resolves with its final completion. */
  protected async _createChatCompletion(
    client: ClientCore,
    params: ChatCompletionCreateParams,
    options?: RequestOptions
  ): Promise<ParsedChatCompletion<ParsedT>> {
    this._listenForAbort(options?.signal)
    this.#params = params
    this.#beginRequest()
    const stream: Stream<ChatCompletionChunk> = await call(
      client,
      chatCompletionsCreate,
      undefined,
      { ...params, stream: true },
      { ...options, signal: this.controller.signal }
    )
    this._connected()
    for await (const chunk of stream) this.#addChunk(chunk)
    if (this.controller.signal.aborted) throw new APIUserAbortError()
    return this._addChatCompletion(this.#endRequest())
  }

  protected async _fromReadableStream(readable: ReadableStream, options?: RequestOptions): Promise<ChatCompletion> {
    this._listenForAbort(options?.signal)
    this.#beginRequest()
    this._connected()
    const stream = Stream.fromReadableStream<unknown>(readable, this.controller)
    for await (const item of stream) {
      if (!isObject(item)) continue
      if (isObject(item.error)) throw new APIError(undefined, item.error, undefined, undefined)
      if (isMessageRecord(item)) continue
      this.#addChunk(item as unknown as ChatCompletionChunk)
    }
    if (this.controller.signal.aborted) throw new APIUserAbortError()
    return this._addChatCompletion(this.#endRequest()) as unknown as ChatCompletion
  }

  #beginRequest(): void {
    this.#acc = CoreChat.makeAccumulator()
    this.#choiceEvents.clear()
  }

  #eventsOf(index: number): ChoiceEvents {
    let events = this.#choiceEvents.get(index)
    if (events === undefined) {
      events = { content: false, refusal: false, logprobsContent: false, logprobsRefusal: false, toolCallsDone: new Set(), current: null }
      this.#choiceEvents.set(index, events)
    }
    return events
  }

  #addChunk(chunk: ChatCompletionChunk): void {
    if (this.ended) return
    const acc = this.#acc!
    acc.push(chunk)
    if (acc.failure !== undefined) throw fromCore(acc.failure)
    for (let i = 0; i < this.#sinks.length; i++) this.#sinks[i]!(chunk)
    this._emit("chunk", chunk, (this.#snapshots ? acc.snapshot() : undefined) as ChatCompletionSnapshot)
    const choices = chunk.choices as unknown
    if (!Array.isArray(choices)) return
    for (const choice of choices as ReadonlyArray<unknown>) {
      if (!isObject(choice)) continue
      const state = acc.choice(choice.index as number)
      if (state === undefined) continue
      const delta = isObject(choice.delta) ? choice.delta : undefined
      const assistant = state.role === "assistant"
      const logprobs = isObject(choice.logprobs) ? choice.logprobs : undefined
      if (typeof delta?.content === "string" && assistant && state.content) {
        this._emit("content", delta.content, state.content)
        this._emit("content.delta", { delta: delta.content, snapshot: state.content, parsed: undefined })
      }
      if (typeof delta?.refusal === "string" && assistant && state.refusal) {
        this._emit("refusal.delta", { delta: delta.refusal, snapshot: state.refusal })
      }
      if (Array.isArray(logprobs?.content) && assistant) {
        this._emit("logprobs.content.delta", { content: logprobs.content, snapshot: state.logprobs?.content ?? [] })
      }
      if (Array.isArray(logprobs?.refusal) && assistant) {
        this._emit("logprobs.refusal.delta", { refusal: logprobs.refusal, snapshot: state.logprobs?.refusal ?? [] })
      }
      const events = this.#eventsOf(state.index)
      if (state.finishReason !== null) {
        this.#contentDone(state, events)
        if (events.current !== null) this.#toolCallDone(state, events, events.current)
      }
      const toolCalls = Array.isArray(delta?.tool_calls) ? delta.tool_calls as ReadonlyArray<unknown> : []
      for (const toolCall of toolCalls) {
        const index = (toolCall as { index: number }).index
        if (events.current !== index) {
          this.#contentDone(state, events)
          // a new tool call started: the one before it is done
          if (events.current !== null) this.#toolCallDone(state, events, events.current)
        }
        events.current = index
      }
      for (const toolCall of toolCalls) {
        const index = (toolCall as { index: number }).index
        const call = state.toolCall(index)
        if (call?.type !== "function") continue
        const fn = (toolCall as { function?: unknown }).function
        const argumentsDelta = isObject(fn) && typeof fn.arguments === "string" ? fn.arguments : ""
        this._emit("tool_calls.function.arguments.delta", {
          name: call.name,
          index,
          arguments: call.arguments,
          parsed_arguments: undefined,
          arguments_delta: argumentsDelta
        })
      }
    }
  }

  #contentDone(state: CoreChat.ChoiceView, events: ChoiceEvents): void {
    const { content, refusal } = state
    if (
      content !== null && !events.content &&
      (content !== "" || (!refusal && state.toolCalls.length === 0 && state.functionCall === undefined))
    ) {
      events.content = true
      this._emit("content.done", { content, parsed: refusal ? null : parseContent(content, this.#params) as ParsedT | null })
    }
    if (refusal && !events.refusal) {
      events.refusal = true
      this._emit("refusal.done", { refusal })
    }
    const logprobs = state.logprobs
    if (logprobs?.content && !events.logprobsContent) {
      events.logprobsContent = true
      this._emit("logprobs.content.done", { content: logprobs.content })
    }
    if (logprobs?.refusal && !events.logprobsRefusal) {
      events.logprobsRefusal = true
      this._emit("logprobs.refusal.done", { refusal: logprobs.refusal })
    }
  }

  #toolCallDone(state: CoreChat.ChoiceView, events: ChoiceEvents, index: number): void {
    if (events.toolCallsDone.has(index)) return
    const call = state.toolCall(index)
    if (call?.type !== "function") return
    if (state.finishReason !== null) events.toolCallsDone.add(index)
    this._emit("tool_calls.function.arguments.done", {
      name: call.name,
      index,
      arguments: call.arguments,
      parsed_arguments: parseArguments(call.name, call.arguments, this.#params)
    })
  }

  /** The final completion of the request, or the reason there is none. */
  #endRequest(): ParsedChatCompletion<ParsedT> {
    const acc = this.#acc
    if (acc === undefined) throw new OpenAIError("request ended without sending any chunks")
    const result = acc.result()
    this.#acc = undefined
    this.#choiceEvents.clear()
    if (result._tag === "Left") throw fromCore(result.left)
    return maybeParseChatCompletion<ParsedT>(result.right, this.#params)
  }

  /** The chunks, as they come; leaving the loop early aborts the request. */
  [Symbol.asyncIterator](): AsyncIterator<ChatCompletionChunk> {
    return iterate<ChatCompletionChunk>(this as unknown as Iterated, (push) => {
      this.#sinks.push(push)
      return () => {
        const at = this.#sinks.indexOf(push)
        if (at >= 0) this.#sinks.splice(at, 1)
      }
    })
  }

  /** The chunks as newline-delimited JSON, for `ChatCompletionStream.fromReadableStream` on the other side. */
  toReadableStream(): ReadableStream {
    return new Stream(() => this[Symbol.asyncIterator](), this.controller).toReadableStream()
  }
}

/** `client.chat.completions.stream(body, options)`. */
export const streamChatCompletion = <ParsedT = null>(
  client: ClientCore,
  body: ChatCompletionStreamParams,
  options?: RequestOptions
): ChatCompletionStream<ParsedT> => ChatCompletionStream.createChatCompletion<ParsedT>(client, body, options)
