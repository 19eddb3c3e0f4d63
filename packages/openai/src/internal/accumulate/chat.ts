/**
 * The chat completion that a stream of chunks adds up to: a plain state machine, fed one chunk at a time, with no
 * Effect in it (the Promise facade drives it straight from its stream loop).
 *
 * Server data is data. Only the fields this module knows are read, each after a type check, and written under
 * fixed keys: a key the server chose never becomes a property name, so a `__proto__` or `constructor` in a chunk
 * is an ordinary value that nothing looks at. Choices and tool calls are kept in maps by their `index`, so a
 * sparse index (10^9) costs one entry; at most {@link maxChoices} choices and {@link maxToolCalls} tool calls per
 * choice are accepted, and the next distinct index fails the accumulator with `ResponseDecodeError` (as does an
 * index that is not a non-negative integer). Chunks without `choices`, and choices without `delta` (Azure's
 * content-filter chunks), are taken as they are.
 *
 * Failures are read off `failure` (the first one wins; later chunks are ignored). The final completion is only
 * given when every choice has its `finish_reason`: otherwise `StreamTruncatedError`, never a partial answer.
 */
import * as Either from "effect/Either"
import * as OpenAIError from "../../OpenAIError.js"
import type * as Types from "../../generated/Types.js"

/** The most choices one stream may have (the API's limit of `n`). */
export const maxChoices = 128
/** The most tool calls one choice may have. */
export const maxToolCalls = 128

type Completion = Types.CreateChatCompletionResponse
type Chunk = Types.CreateChatCompletionStreamResponse
type Logprob = Types.ChatCompletionTokenLogprob
type FinishReason = Completion["choices"][number]["finish_reason"]
type Annotation = NonNullable<Types.ChatCompletionResponseMessage["annotations"]>[number]

/** The audio of an assistant message, as far as it has come. */
export interface AudioSnapshot {
  readonly id?: string
  readonly data?: string
  readonly transcript?: string
  readonly expires_at?: number
}

/** A tool call as far as it has come; `id` is `""` until the server sends one. */
export type ToolCallSnapshot =
  | {
    readonly index: number
    readonly id: string
    readonly type: "function"
    readonly function: { readonly name: string; readonly arguments: string }
  }
  | {
    readonly index: number
    readonly id: string
    readonly type: "custom"
    readonly custom: { readonly name: string; readonly input: string }
  }

/** A completion as far as its chunks have come. */
export interface Snapshot {
  readonly id: string
  readonly created: number
  readonly model: string
  readonly system_fingerprint?: string
  readonly service_tier?: Chunk["service_tier"]
  readonly usage?: Types.CompletionUsage | null
  readonly choices: ReadonlyArray<Snapshot.Choice>
}

export declare namespace Snapshot {
  export interface Choice {
    readonly index: number
    readonly finish_reason: FinishReason | null
    readonly logprobs: Logprobs | null
    readonly message: Message
  }
  export interface Logprobs {
    readonly content: ReadonlyArray<Logprob> | null
    readonly refusal: ReadonlyArray<Logprob> | null
  }
  export interface Message {
    readonly role?: string
    readonly content: string | null
    readonly refusal: string | null
    readonly tool_calls?: ReadonlyArray<ToolCallSnapshot>
    readonly function_call?: { readonly name: string; readonly arguments: string }
    readonly annotations?: ReadonlyArray<Annotation>
    readonly audio?: AudioSnapshot
  }
}

const isIndex = (u: unknown): u is number => typeof u === "number" && Number.isSafeInteger(u) && u >= 0
const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null
const appendAll = <A>(target: Array<A>, items: ReadonlyArray<A>): void => {
  for (let i = 0; i < items.length; i++) target.push(items[i]!)
}

/** Inserts by `index`, keeping the list sorted: lists are short and grow once per new index. */
const insertSorted = <T extends { readonly index: number }>(list: Array<T>, item: T): void => {
  let i = list.length
  while (i > 0 && list[i - 1]!.index > item.index) i--
  list.splice(i, 0, item)
}

const uuid = (): string => {
  const crypto = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto
  if (crypto?.randomUUID !== undefined) return crypto.randomUUID()
  let out = ""
  for (let i = 0; i < 32; i++) out += Math.floor(Math.random() * 16).toString(16)
  return out
}

/** One tool call of a choice, by its index. */
export class ToolCallState {
  id = ""
  type: "function" | "custom" | undefined = undefined
  name = ""
  /** The function's arguments (or a custom tool's input) so far. */
  arguments = ""
  constructor(readonly index: number) {}
}

/** One choice, by its index. Read by the facade for its events; written only by the accumulator. */
export class ChoiceState {
  role: string | undefined = undefined
  content: string | null = null
  refusal: string | null = null
  finishReason: string | null = null
  logprobs: { content: Array<Logprob> | null; refusal: Array<Logprob> | null } | null = null
  functionCall: { name: string; arguments: string } | undefined = undefined
  annotations: Array<Annotation> | undefined = undefined
  audio: { id?: string; data?: string; transcript?: string; expires_at?: number } | undefined = undefined
  /** The last delta only set the audio's expiry: how an audio answer may end without a `finish_reason`. */
  audioDone = false
  private byIndex: Map<number, ToolCallState> | undefined = undefined
  /** Tool calls sorted by index. */
  readonly toolCalls: Array<ToolCallState> = []

  constructor(readonly index: number) {}

  toolCall(index: number): ToolCallState | undefined {
    return this.byIndex?.get(index)
  }

  /** The tool call at `index`, created if new; `undefined` past {@link maxToolCalls}. */
  toolCallAt(index: number): ToolCallState | undefined {
    const calls = this.byIndex ??= new Map()
    let call = calls.get(index)
    if (call === undefined) {
      if (calls.size >= maxToolCalls) return undefined
      call = new ToolCallState(index)
      calls.set(index, call)
      insertSorted(this.toolCalls, call)
    }
    return call
  }

  /** The finish reason the completion gets, or `null` when the choice did not finish. */
  get finish(): string | null {
    if (this.finishReason !== null) return this.finishReason
    const audio = this.audio
    return this.audioDone && audio !== undefined && audio.id !== undefined && audio.data !== undefined &&
        audio.transcript !== undefined && audio.expires_at !== undefined
      ? "stop"
      : null
  }
}

/** The completion a stream of chunks adds up to; see the module's header. */
export class ChatAccumulator {
  /** Why the chunks cannot add up to a completion; chunks after it are ignored. */
  failure: OpenAIError.ResponseDecodeError | undefined = undefined
  /** Chunks taken so far. */
  chunks = 0
  id = ""
  created = 0
  model = ""
  systemFingerprint: string | undefined = undefined
  serviceTier: Chunk["service_tier"] | null | undefined = undefined
  /** `undefined`: no chunk had the field; `null`: chunks had it empty. */
  usage: Types.CompletionUsage | null | undefined = undefined
  moderation: Chunk["moderation"] | undefined = undefined
  private readonly choices = new Map<number, ChoiceState>()
  /** Choices sorted by index. */
  readonly order: Array<ChoiceState> = []

  choice(index: number): ChoiceState | undefined {
    return this.choices.get(index)
  }

  private fail(message: string): void {
    if (this.failure === undefined) {
      this.failure = new OpenAIError.ResponseDecodeError({ message, status: undefined, requestId: undefined, body: "" })
    }
  }

  push(chunk: Chunk): void {
    if (this.failure !== undefined || !isObject(chunk)) return
    this.chunks++
    // Chunks without an id (Azure's prompt-filter chunk) do not overwrite what the completion's own chunks said.
    if (this.chunks === 1 || (typeof chunk.id === "string" && chunk.id !== "")) this.header(chunk)
    const choices = chunk.choices as unknown
    if (!Array.isArray(choices)) return
    for (let i = 0; i < choices.length; i++) {
      const choice = choices[i] as unknown
      if (!isObject(choice)) continue
      const index = choice.index
      if (!isIndex(index)) return this.fail(`a chunk's choice has an invalid index: ${String(index)}`)
      let state = this.choices.get(index)
      if (state === undefined) {
        if (this.choices.size >= maxChoices) return this.fail(`a stream may have at most ${maxChoices} choices`)
        state = new ChoiceState(index)
        this.choices.set(index, state)
        insertSorted(this.order, state)
      }
      this.choiceDelta(state, choice)
      if (this.failure !== undefined) return
    }
  }

  private header(chunk: Chunk): void {
    if (typeof chunk.id === "string") this.id = chunk.id
    if (typeof chunk.created === "number") this.created = chunk.created
    if (typeof chunk.model === "string") this.model = chunk.model
    if (typeof chunk.system_fingerprint === "string") this.systemFingerprint = chunk.system_fingerprint
    if (chunk.service_tier !== undefined) this.serviceTier = chunk.service_tier
    const usage = chunk.usage as unknown
    if (isObject(usage)) this.usage = usage as unknown as Types.CompletionUsage
    else if (usage === null && this.usage === undefined) this.usage = null
    if (chunk.moderation !== undefined) this.moderation = chunk.moderation
  }

  private choiceDelta(state: ChoiceState, choice: Record<string, unknown>): void {
    const logprobs = choice.logprobs
    if (isObject(logprobs)) {
      const target = state.logprobs ??= { content: null, refusal: null }
      if (Array.isArray(logprobs.content)) appendAll(target.content ??= [], logprobs.content as ReadonlyArray<Logprob>)
      if (Array.isArray(logprobs.refusal)) appendAll(target.refusal ??= [], logprobs.refusal as ReadonlyArray<Logprob>)
    }
    const finish = choice.finish_reason
    if (typeof finish === "string" && finish !== "") state.finishReason = finish
    const delta = choice.delta
    if (!isObject(delta)) return
    const { audio, content, function_call, refusal, role, tool_calls } = delta
    state.audioDone = isObject(audio) && audio.expires_at != null && audio.id == null && audio.data == null &&
      audio.transcript == null && content == null && refusal == null && function_call == null && role == null &&
      tool_calls == null
    if (typeof role === "string") state.role = role
    if (typeof content === "string") state.content = state.content === null ? content : state.content + content
    if (typeof refusal === "string" && refusal !== "") state.refusal = state.refusal === null ? refusal : state.refusal + refusal
    if (isObject(function_call)) {
      const call = state.functionCall ??= { name: "", arguments: "" }
      if (typeof function_call.name === "string" && function_call.name !== "") call.name = function_call.name
      if (typeof function_call.arguments === "string") call.arguments += function_call.arguments
    }
    if (Array.isArray(tool_calls)) {
      for (let i = 0; i < tool_calls.length; i++) {
        const item = tool_calls[i] as unknown
        if (isObject(item)) this.toolCallDelta(state, item)
        if (this.failure !== undefined) return
      }
    }
    if (Array.isArray(delta.annotations)) appendAll(state.annotations ??= [], delta.annotations as ReadonlyArray<Annotation>)
    if (isObject(audio)) {
      const target = state.audio ??= {}
      if (typeof audio.id === "string") target.id = audio.id
      if (typeof audio.data === "string") target.data = (target.data ?? "") + audio.data
      if (typeof audio.transcript === "string") target.transcript = (target.transcript ?? "") + audio.transcript
      if (typeof audio.expires_at === "number") target.expires_at = audio.expires_at
    }
  }

  private toolCallDelta(state: ChoiceState, delta: Record<string, unknown>): void {
    const index = delta.index
    if (!isIndex(index)) return this.fail(`a chunk's tool call has an invalid index: ${String(index)}`)
    const call = state.toolCallAt(index)
    if (call === undefined) return this.fail(`a choice may have at most ${maxToolCalls} tool calls`)
    // The first delta of a call names it; later ones only add to its arguments.
    if (call.id === "" && typeof delta.id === "string") call.id = delta.id
    const fn = delta.function
    const custom = delta.custom
    if (call.type === undefined) {
      if (delta.type === "function" || delta.type === "custom") call.type = delta.type
      else if (isObject(custom)) call.type = "custom"
      else if (isObject(fn)) call.type = "function"
    }
    const part = isObject(fn) ? fn : isObject(custom) ? custom : undefined
    if (part === undefined) return
    if (call.name === "" && typeof part.name === "string") call.name = part.name
    const more = part === fn ? part.arguments : part.input
    if (typeof more === "string") call.arguments += more
  }

  /** The completion so far (a new object each call; the strings are shared). `undefined` before any chunk. */
  snapshot(): Snapshot | undefined {
    if (this.chunks === 0) return undefined
    const out: Record<string, unknown> = { id: this.id, created: this.created, model: this.model }
    if (this.systemFingerprint !== undefined) out.system_fingerprint = this.systemFingerprint
    if (this.serviceTier !== undefined) out.service_tier = this.serviceTier
    if (this.usage !== undefined) out.usage = this.usage
    const choices: Array<Snapshot.Choice> = []
    for (const state of this.order) {
      choices.push({
        index: state.index,
        finish_reason: state.finishReason,
        logprobs: state.logprobs,
        message: messageOf(state, false)
      })
    }
    out.choices = choices
    return out as unknown as Snapshot
  }

  /**
   * The final completion, once the stream has ended: every choice must have finished (`StreamTruncatedError`
   * otherwise, also when no chunk came). Tool calls without an id get one (`call_<uuid>`), as the official SDK does.
   */
  result(): Either.Either<Completion, OpenAIError.ResponseDecodeError | OpenAIError.StreamTruncatedError> {
    if (this.failure !== undefined) return Either.left(this.failure)
    if (this.chunks === 0) return Either.left(truncated("the stream ended without a chunk", 0))
    const choices: Array<Completion["choices"][number]> = []
    for (const state of this.order) {
      const finish = state.finish
      if (finish === null) {
        return Either.left(truncated(`choice ${state.index} of the stream ended without a finish_reason`, this.chunks))
      }
      choices.push({
        index: state.index,
        finish_reason: finish,
        logprobs: state.logprobs,
        message: messageOf(state, true) as unknown as Types.ChatCompletionResponseMessage
      })
    }
    const out: Record<string, unknown> = {
      id: this.id,
      object: "chat.completion",
      created: this.created,
      model: this.model,
      choices
    }
    if (this.systemFingerprint) out.system_fingerprint = this.systemFingerprint
    if (this.serviceTier !== undefined) out.service_tier = this.serviceTier
    if (this.usage !== undefined) out.usage = this.usage
    if (this.moderation !== undefined) out.moderation = this.moderation
    return Either.right(out as unknown as Completion)
  }
}

const truncated = (message: string, events: number): OpenAIError.StreamTruncatedError =>
  new OpenAIError.StreamTruncatedError({
    message,
    requestId: undefined,
    eventsReceived: events,
    lastEventType: events === 0 ? undefined : "chat.completion.chunk"
  })

const messageOf = (state: ChoiceState, final: boolean): Snapshot.Message => {
  const message: Record<string, unknown> = {
    role: state.role ?? (final ? "assistant" : undefined),
    content: state.content,
    refusal: state.refusal
  }
  if (message.role === undefined) delete message.role
  if (state.toolCalls.length > 0) {
    message.tool_calls = state.toolCalls.map((call) => {
      const id = final && call.id === "" ? `call_${uuid()}` : call.id
      return call.type === "custom"
        ? final
          ? { id, type: "custom", custom: { name: call.name, input: call.arguments } }
          : { index: call.index, id, type: "custom", custom: { name: call.name, input: call.arguments } }
        : final
        ? { id, type: "function", function: { name: call.name, arguments: call.arguments } }
        : { index: call.index, id, type: "function", function: { name: call.name, arguments: call.arguments } }
    })
  }
  if (state.functionCall !== undefined) message.function_call = { name: state.functionCall.name, arguments: state.functionCall.arguments }
  if (state.annotations !== undefined) message.annotations = state.annotations
  if (state.audio !== undefined) message.audio = { ...state.audio }
  return message as unknown as Snapshot.Message
}
