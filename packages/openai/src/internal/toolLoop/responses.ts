/**
 * The Responses side of a tool loop: the tools as `FunctionTool`s, the `function_call` items of an answer, the
 * conversation kept on the client (every item in `input`) or on the server (`previous_response_id`, `conversation`).
 */
import * as Effect from "effect/Effect"
import * as Responses from "../../generated/resources/responses.js"
import type * as Types from "../../generated/Types.js"
import type { ResponsesOptions, ResponsesParams, ResponsesResult, ResponsesRound, Tool, ToolCall } from "../../helpers/ToolLoop.js"
import { type Protocol, run } from "./run.js"
import { registryOf, schemaOf } from "./tools.js"

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

/** Runs a Responses loop, the conversation kept as `options.history` says (on the client by default). */
export const responsesLoop = (
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
