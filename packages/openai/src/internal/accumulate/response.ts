/**
 * The response that a stream of Responses events adds up to: a plain state machine, fed one event at a time, with
 * no Effect in it (the Promise facade drives it straight from its stream loop).
 *
 * The final response is the terminal event's (`response.completed`, `response.incomplete`, `response.failed`),
 * with the accumulated output when that event has none, and `output_text` computed as for a response that was not
 * streamed. Without a terminal event there is no final response: `StreamTruncatedError`, never a partial one.
 * Between events, `snapshot()` gives the response as far as it has come, for interfaces that show it growing.
 *
 * Server data is data: only known fields are read, each after a type check, and written under fixed keys; items,
 * content parts and summary parts are kept in maps by their index (a sparse `output_index` costs one entry).
 * Copies of server objects are made by spreading, which defines own properties and never sets a prototype.
 * Unknown event types and keepalives are ignored; an `error` event fails the accumulator with `StreamError` (the
 * stream decoders fail before such an event reaches it).
 */
import * as Either from "effect/Either"
import * as OpenAIError from "../../OpenAIError.js"
import type * as Types from "../../generated/Types.js"
import { outputTextOf } from "../hooks.js"

type Event = Types.CreateResponseStreamEvent
type Response = Types.Response
type Mutable = Record<string, unknown>

const isIndex = (u: unknown): u is number => typeof u === "number" && Number.isSafeInteger(u) && u >= 0
const isObject = (u: unknown): u is Mutable => typeof u === "object" && u !== null && !Array.isArray(u)
const textOf = (u: unknown): string => (typeof u === "string" ? u : "")

/** Values by a server-given index, iterated in index order. */
class Indexed<A> {
  private readonly map = new Map<number, { readonly index: number; value: A }>()
  private readonly order: Array<{ readonly index: number; value: A }> = []

  get(index: number): A | undefined {
    return this.map.get(index)?.value
  }

  set(index: number, value: A): void {
    const entry = this.map.get(index)
    if (entry !== undefined) {
      entry.value = value
      return
    }
    const added = { index, value }
    this.map.set(index, added)
    let i = this.order.length
    while (i > 0 && this.order[i - 1]!.index > index) i--
    this.order.splice(i, 0, added)
  }

  get size(): number {
    return this.map.size
  }

  mapped<B>(f: (value: A) => B): Array<B> {
    const out: Array<B> = new Array(this.order.length)
    for (let i = 0; i < this.order.length; i++) out[i] = f(this.order[i]!.value)
    return out
  }
}

const partsOf = (list: unknown): Indexed<Mutable> => {
  const parts = new Indexed<Mutable>()
  if (Array.isArray(list)) {
    for (let i = 0; i < list.length; i++) {
      const part = list[i] as unknown
      if (isObject(part)) parts.set(i, { ...part })
    }
  }
  return parts
}

/** One output item: a copy of the server's latest view of it, with its parts kept apart as they grow. */
class ItemState {
  readonly item: Mutable
  /** A message's content, or a reasoning item's `content` (its reasoning text). */
  readonly parts: Indexed<Mutable> | undefined
  /** A reasoning item's summary. */
  readonly summary: Indexed<Mutable> | undefined

  constructor(item: Mutable) {
    this.item = { ...item }
    const type = item.type
    this.parts = type === "message" || type === "reasoning" ? partsOf(item.content) : undefined
    this.summary = type === "reasoning" ? partsOf(item.summary) : undefined
  }

  build(): Mutable {
    const out = { ...this.item }
    // A reasoning item has `content` only when it shows its reasoning text.
    if (this.parts !== undefined && (this.item.type === "message" || this.parts.size > 0 || Array.isArray(this.item.content))) {
      out.content = this.parts.mapped(copy)
    }
    if (this.summary !== undefined) out.summary = this.summary.mapped(copy)
    return out
  }
}

const copy = (part: Mutable): Mutable => ({ ...part })

/** The status events of tool calls: event type to the item type it concerns and the status it sets. */
const statusEvents: ReadonlyMap<string, readonly [string, string]> = new Map(
  ([
    ["file_search_call", ["in_progress", "searching", "completed"]],
    ["web_search_call", ["in_progress", "searching", "completed"]],
    ["code_interpreter_call", ["in_progress", "interpreting", "completed"]],
    ["image_generation_call", ["in_progress", "generating", "completed"]],
    ["mcp_call", ["in_progress", "completed", "failed"]]
  ] as const).flatMap(([kind, statuses]) => statuses.map((status) => [`response.${kind}.${status}`, [kind, status]] as const))
)

/** Fields that deltas add to, by event type: the item type they concern and the field. */
const textFields: ReadonlyMap<string, readonly [string, string, "delta" | "done"]> = new Map([
  ["response.function_call_arguments.delta", ["function_call", "arguments", "delta"]],
  ["response.function_call_arguments.done", ["function_call", "arguments", "done"]],
  ["response.custom_tool_call_input.delta", ["custom_tool_call", "input", "delta"]],
  ["response.custom_tool_call_input.done", ["custom_tool_call", "input", "done"]],
  ["response.mcp_call_arguments.delta", ["mcp_call", "arguments", "delta"]],
  ["response.mcp_call_arguments.done", ["mcp_call", "arguments", "done"]],
  ["response.code_interpreter_call_code.delta", ["code_interpreter_call", "code", "delta"]],
  ["response.code_interpreter_call_code.done", ["code_interpreter_call", "code", "done"]]
])

/** The field a `.done` event carries its whole value in. */
const doneValue = (event: Mutable, field: string): unknown =>
  field === "arguments" ? event.arguments : field === "input" ? event.input : event.code

/** The response a stream of events adds up to; see the module's header. */
export class ResponseAccumulator {
  /** Why the events cannot add up to a response; events after it are ignored. */
  failure: OpenAIError.StreamError | undefined = undefined
  /** Events taken so far, and the type of the last. */
  events = 0
  lastType: string | undefined = undefined
  /** The latest response a lifecycle event carried. */
  private base: Mutable | undefined = undefined
  /** The terminal event's response. */
  private terminal: Mutable | undefined = undefined
  private readonly items = new Indexed<ItemState>()

  /** Whether a terminal event has come. */
  get finished(): boolean {
    return this.terminal !== undefined
  }

  /**
   * Takes an event. For a text delta (`output_text`, `refusal`, function-call arguments, custom-tool input, MCP
   * arguments, interpreter code, reasoning text and summaries) returns the text accumulated so far, delta
   * included; `undefined` otherwise.
   */
  push(event: Event): string | undefined {
    if (this.failure !== undefined || !isObject(event)) return undefined
    const type = event.type as unknown
    if (typeof type !== "string") return undefined
    this.events++
    this.lastType = type
    const e = event as Mutable
    switch (type) {
      case "response.created":
      case "response.in_progress":
      case "response.queued": {
        if (isObject(e.response)) this.base = e.response
        return undefined
      }
      case "response.completed":
      case "response.incomplete":
      case "response.failed": {
        if (isObject(e.response)) this.base = this.terminal = e.response
        return undefined
      }
      case "response.output_item.added":
      case "response.output_item.done": {
        if (isIndex(e.output_index) && isObject(e.item)) this.items.set(e.output_index, new ItemState(e.item))
        return undefined
      }
      case "response.content_part.added":
      case "response.content_part.done": {
        const parts = this.item(e)?.parts
        if (parts !== undefined && isIndex(e.content_index) && isObject(e.part)) parts.set(e.content_index, { ...e.part })
        return undefined
      }
      case "response.output_text.delta":
        return this.addText(e, "output_text", "text")
      case "response.output_text.done":
        return this.setText(e, "output_text", "text", e.text)
      case "response.refusal.delta":
        return this.addText(e, "refusal", "refusal")
      case "response.refusal.done":
        return this.setText(e, "refusal", "refusal", e.refusal)
      case "response.reasoning_text.delta":
        return this.addText(e, "reasoning_text", "text")
      case "response.reasoning_text.done":
        return this.setText(e, "reasoning_text", "text", e.text)
      case "response.output_text.annotation.added": {
        const part = this.part(e, "output_text", false)
        if (part !== undefined && isObject(e.annotation)) {
          const annotations = Array.isArray(part.annotations) ? [...part.annotations] : []
          const at = e.annotation_index
          if (isIndex(at) && at < annotations.length) annotations[at] = e.annotation
          else annotations.push(e.annotation)
          part.annotations = annotations
        }
        return undefined
      }
      case "response.reasoning_summary_part.added":
      case "response.reasoning_summary_part.done": {
        const summary = this.item(e)?.summary
        if (summary !== undefined && isIndex(e.summary_index) && isObject(e.part)) summary.set(e.summary_index, { ...e.part })
        return undefined
      }
      case "response.reasoning_summary_text.delta":
      case "response.reasoning_summary_text.done": {
        const summary = this.item(e)?.summary
        if (summary === undefined || !isIndex(e.summary_index)) return undefined
        let part = summary.get(e.summary_index)
        if (part === undefined) summary.set(e.summary_index, part = { type: "summary_text", text: "" })
        if (type === "response.reasoning_summary_text.done") {
          if (typeof e.text === "string") part.text = e.text
          return undefined
        }
        if (typeof e.delta === "string") part.text = textOf(part.text) + e.delta
        return textOf(part.text)
      }
      case "error": {
        const inner = isObject(e.error) ? e.error : e
        const message = typeof inner.message === "string" ? inner.message : "an error event"
        const code = typeof inner.code === "string" ? inner.code : undefined
        this.failure = new OpenAIError.StreamError({
          message: `stream error${code === undefined ? "" : ` ${code}`}: ${message}`,
          code,
          type: typeof inner.type === "string" && inner.type !== "error" ? inner.type : undefined,
          param: typeof inner.param === "string" ? inner.param : undefined,
          requestId: undefined,
          event
        })
        return undefined
      }
    }
    const field = textFields.get(type)
    if (field !== undefined) {
      const state = this.item(e)
      if (state === undefined || state.item.type !== field[0]) return undefined
      if (field[2] === "done") {
        const value = doneValue(e, field[1])
        if (typeof value === "string") state.item[field[1]] = value
        return undefined
      }
      const text = textOf(state.item[field[1]]) + textOf(e.delta)
      state.item[field[1]] = text
      return text
    }
    const status = statusEvents.get(type)
    if (status !== undefined) {
      const state = this.item(e)
      if (state !== undefined && state.item.type === status[0]) state.item.status = status[1]
    }
    return undefined
  }

  private item(event: Mutable): ItemState | undefined {
    return isIndex(event.output_index) ? this.items.get(event.output_index) : undefined
  }

  /** The content part an event is about, created as an empty part of `kind` when a delta comes first. */
  private part(event: Mutable, kind: "output_text" | "refusal" | "reasoning_text", create: boolean): Mutable | undefined {
    const parts = this.item(event)?.parts
    if (parts === undefined || !isIndex(event.content_index)) return undefined
    const part = parts.get(event.content_index)
    if (part !== undefined) return part.type === kind ? part : undefined
    if (!create) return undefined
    const fresh: Mutable = kind === "output_text"
      ? { type: kind, text: "", annotations: [], logprobs: [] }
      : kind === "refusal"
      ? { type: kind, refusal: "" }
      : { type: kind, text: "" }
    parts.set(event.content_index, fresh)
    return fresh
  }

  private addText(event: Mutable, kind: "output_text" | "refusal" | "reasoning_text", field: "text" | "refusal"): string | undefined {
    const part = this.part(event, kind, true)
    if (part === undefined) return undefined
    const text = textOf(part[field]) + textOf(event.delta)
    part[field] = text
    if (kind === "output_text" && Array.isArray(event.logprobs) && event.logprobs.length > 0) {
      part.logprobs = Array.isArray(part.logprobs) ? part.logprobs.concat(event.logprobs) : [...event.logprobs]
    }
    return text
  }

  private setText(
    event: Mutable,
    kind: "output_text" | "refusal" | "reasoning_text",
    field: "text" | "refusal",
    value: unknown
  ): undefined {
    const part = this.part(event, kind, true)
    if (part !== undefined && typeof value === "string") part[field] = value
    return undefined
  }

  private output(): Array<Mutable> {
    return this.items.mapped((state) => state.build())
  }

  /**
   * The response as far as it has come (a new object each call), with its output and `output_text`: the latest
   * lifecycle event's response with the accumulated output. `undefined` before any event about the response.
   */
  snapshot(): Response | undefined {
    if (this.base === undefined && this.items.size === 0) return undefined
    const output = this.output()
    return { ...this.base, output, output_text: outputTextOf(output) } as unknown as Response
  }

  /**
   * The final response, once the stream has ended: the terminal event's, with the accumulated output if it carried
   * none; `StreamTruncatedError` without a terminal event.
   */
  result(): Either.Either<Response, OpenAIError.StreamError | OpenAIError.StreamTruncatedError> {
    if (this.failure !== undefined) return Either.left(this.failure)
    const terminal = this.terminal
    if (terminal === undefined) {
      return Either.left(
        new OpenAIError.StreamTruncatedError({
          message: `the stream ended after ${this.events} events without response.completed, response.incomplete or response.failed`,
          requestId: undefined,
          eventsReceived: this.events,
          lastEventType: this.lastType
        })
      )
    }
    const output = Array.isArray(terminal.output) ? terminal.output as ReadonlyArray<unknown> : this.output()
    return Either.right({ ...terminal, output, output_text: outputTextOf(output) } as unknown as Response)
  }
}
