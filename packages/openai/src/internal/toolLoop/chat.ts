/**
 * The Chat Completions side of a tool loop: the tools as `ChatCompletionTool`s, the calls of an answer's first
 * choice, the assistant and tool messages appended to the conversation.
 */
import * as Effect from "effect/Effect"
import * as OpenAIError from "../../OpenAIError.js"
import * as ChatCompletions from "../../generated/resources/chat/completions.js"
import type * as Types from "../../generated/Types.js"
import type { ChatOptions, ChatParams, ChatResult, ChatRound, Tool, ToolCall } from "../../helpers/ToolLoop.js"
import { type Protocol, run } from "./run.js"
import { registryOf, schemaOf } from "./tools.js"

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

/** Runs a Chat Completions loop: one choice (`n` of 1 at most), the tools checked before anything is sent. */
export const chatLoop = (params: ChatParams, tools: ReadonlyArray<Tool.Any>, options: ChatOptions<any, any>): Effect.Effect<ChatResult, unknown, unknown> =>
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
