import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as OpenAITest from "../src/OpenAITest.js"
import * as ResponseItems from "../src/helpers/ResponseItems.js"
import { Responses, type Types } from "../src/index.js"

const output = [
  {
    type: "reasoning",
    id: "rs_1",
    summary: [{ type: "summary_text", text: "Thinking." }],
    encrypted_content: "gAAAA-encrypted"
  },
  {
    type: "message",
    id: "msg_1",
    role: "assistant",
    status: "completed",
    content: [{ type: "output_text", text: "{\"a\":1}", annotations: [], logprobs: [], parsed: { a: 1 } }]
  },
  {
    type: "function_call",
    id: "fc_1",
    call_id: "call_1",
    name: "weather",
    arguments: "{}",
    status: "completed",
    parsed_arguments: {},
    created_by: "model"
  },
  { type: "web_search_call", id: "ws_1", status: "completed", action: { type: "search", query: "q" } },
  { type: "custom_tool_call_output", id: "ctco_1", call_id: "c2", output: "done", status: "completed", created_by: "user" },
  { type: "custom_tool_call_output", id: "ctco_2", call_id: "c3", output: "half", status: "incomplete" },
  { type: "computer_call_output", id: "cco_1", call_id: "c4", output: { type: "computer_screenshot" }, status: "failed" },
  { type: "additional_tools", id: "at_1", role: "system", tools: [] },
  { type: "additional_tools", id: "at_2", role: "developer", tools: [], created_by: "x" },
  {
    type: "shell_call_output",
    id: "sco_1",
    call_id: "c5",
    status: "completed",
    max_output_length: null,
    output: [{ stdout: "hi", stderr: "", outcome: { type: "exit", exit_code: 0 }, created_by: "runtime" }]
  },
  { type: "brand_new_item", id: "new_1", payload: { x: 1 }, created_by: "model" }
] as const

describe("ResponseItems.toResponseInputItems", () => {
  it("keeps the replayable items in order, without the fields only responses carry", () => {
    const before = JSON.stringify(output)
    const items = ResponseItems.toResponseInputItems(output as unknown as ReadonlyArray<ResponseItems.Item>)
    assert.deepStrictEqual(items as unknown, [
      output[0],
      { ...output[1], content: [{ type: "output_text", text: "{\"a\":1}", annotations: [], logprobs: [] }] },
      { type: "function_call", id: "fc_1", call_id: "call_1", name: "weather", arguments: "{}", status: "completed" },
      output[3],
      { type: "custom_tool_call_output", id: "ctco_1", call_id: "c2", output: "done" },
      { type: "additional_tools", id: "at_2", role: "developer", tools: [] },
      { ...output[9], output: [{ stdout: "hi", stderr: "", outcome: { type: "exit", exit_code: 0 } }] },
      { type: "brand_new_item", id: "new_1", payload: { x: 1 } }
    ])
    // the reasoning item keeps its encrypted content, as the next request needs it
    assert.strictEqual((items[0] as Types.ReasoningItem).encrypted_content, "gAAAA-encrypted")
    // the given items are not changed; an item that needs no change is passed as it is
    assert.strictEqual(JSON.stringify(output), before)
    assert.strictEqual(items[0], output[0] as unknown)
  })

  it("takes a response (its output) as well as any iterable of items", () => {
    const response = { id: "r", object: "response", output: [output[0], output[3]] } as unknown as Types.Response
    assert.deepStrictEqual(ResponseItems.toResponseInputItems(response) as unknown, [output[0], output[3]])
    function* gen() {
      yield output[3] as unknown as ResponseItems.Item
    }
    assert.deepStrictEqual(ResponseItems.toResponseInputItems(gen()) as unknown, [output[3]])
    assert.strictEqual(ResponseItems.toResponseInputItem(output[6] as unknown as ResponseItems.Item), undefined)
  })

  it("a __proto__ key in an item stays a plain field of the copy", () => {
    const item = JSON.parse(`{"type":"function_call","call_id":"c","name":"f","arguments":"{}","created_by":"m","__proto__":{"polluted":1}}`)
    const input = ResponseItems.toResponseInputItem(item)!
    assert.strictEqual(Object.getPrototypeOf(input), Object.prototype)
    assert.strictEqual(({} as Record<string, unknown>).polluted, undefined)
    assert.strictEqual((input as { polluted?: unknown }).polluted, undefined)
    assert.isFalse(Object.hasOwn(input, "created_by"))
  })

  it.effect("a streamed response's items go into the next request as its input", () =>
    Effect.gen(function*() {
      const first = yield* Responses.create({ model: "m", input: "Weather in Paris?" })
      yield* Responses.create({
        model: "m",
        input: [
          { role: "user", content: "Weather in Paris?" },
          ...ResponseItems.toResponseInputItems(first),
          { type: "function_call_output", call_id: "call_1", output: "sunny" }
        ]
      })
      const [, second] = yield* OpenAITest.requests
      assert.deepStrictEqual((second!.json as { input: unknown }).input, [
        { role: "user", content: "Weather in Paris?" },
        output[0],
        { type: "function_call", id: "fc_1", call_id: "call_1", name: "weather", arguments: "{}", status: "completed" },
        { type: "function_call_output", call_id: "call_1", output: "sunny" }
      ])
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /responses": OpenAITest.unchecked({ id: "r", object: "response", status: "completed", output: [output[0], output[2]] })
    }))))
})
