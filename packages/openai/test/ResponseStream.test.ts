import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Either, Stream } from "effect"
import * as OpenAITest from "../src/OpenAITest.js"
import * as ResponseStream from "../src/helpers/ResponseStream.js"
import { Responses } from "../src/index.js"

const params = { model: "gpt-4o-mini", input: "Hi" } as const

const response = (status: string, extra: Record<string, unknown> = {}) => ({
  id: "resp_1",
  object: "response",
  created_at: 1,
  status,
  model: "gpt-4o-mini",
  output: [],
  ...extra
})

let seq = 0
/** An event with its sequence number. */
const ev = (type: string, fields: Record<string, unknown> = {}) => ({ type, sequence_number: seq++, ...fields })

const message = (text: string, status = "completed") => ({
  id: "msg_1",
  type: "message",
  role: "assistant",
  status,
  content: [{ type: "output_text", text, annotations: [], logprobs: [] }]
})

/** A message streamed as the API streams it: item, part, text deltas, and their `.done` events. */
const messageEvents = (index: number, deltas: ReadonlyArray<string>) => {
  const text = deltas.join("")
  const where = { item_id: "msg_1", output_index: index, content_index: 0 }
  return [
    ev("response.output_item.added", { output_index: index, item: { ...message("", "in_progress"), content: [] } }),
    ev("response.content_part.added", { ...where, part: { type: "output_text", text: "", annotations: [], logprobs: [] } }),
    ...deltas.map((delta) => ev("response.output_text.delta", { ...where, delta, logprobs: [] })),
    ev("response.output_text.done", { ...where, text, logprobs: [] }),
    ev("response.content_part.done", { ...where, part: { type: "output_text", text, annotations: [], logprobs: [] } }),
    ev("response.output_item.done", { output_index: index, item: message(text) })
  ]
}

const callEvents = (index: number, deltas: ReadonlyArray<string>) => {
  const args = deltas.join("")
  const item = { type: "function_call", id: "fc_1", call_id: "call_1", name: "weather", arguments: "", status: "in_progress" }
  return [
    ev("response.output_item.added", { output_index: index, item }),
    ...deltas.map((delta) => ev("response.function_call_arguments.delta", { item_id: "fc_1", output_index: index, delta })),
    ev("response.function_call_arguments.done", { item_id: "fc_1", output_index: index, name: "weather", arguments: args }),
    ev("response.output_item.done", { output_index: index, item: { ...item, arguments: args, status: "completed" } })
  ]
}

const streamed = (events: ReadonlyArray<OpenAITest.SseInput>) => OpenAITest.layer({ "POST /responses": OpenAITest.sse(events) })
const final = Effect.suspend(() => ResponseStream.finalResponse(Responses.createStream(params)))

describe("ResponseStream.finalResponse", () => {
  it.effect("is the terminal event's response, with output_text as Responses.create gives it", () =>
    Effect.gen(function*() {
      const result = yield* final
      assert.strictEqual(result.status, "completed")
      assert.strictEqual(result.output_text, "Hello world")
      assert.deepStrictEqual(result.output as unknown, [message("Hello world")])
      assert.deepStrictEqual(result.usage, { input_tokens: 1, output_tokens: 2, total_tokens: 3 } as never)
    }).pipe(Effect.provide(streamed([
      ev("response.created", { response: response("in_progress") }),
      ...messageEvents(0, ["Hello", " world"]),
      ev("response.completed", {
        response: response("completed", { output: [message("Hello world")], usage: { input_tokens: 1, output_tokens: 2, total_tokens: 3 } })
      })
    ]))))

  it.effect("takes the accumulated output when the terminal event carries none: text, function call arguments, reasoning", () =>
    Effect.gen(function*() {
      const result = yield* final
      assert.strictEqual(result.output_text, "Sunny")
      assert.deepStrictEqual(result.output.map((item) => item.type), ["reasoning", "function_call", "message"])
      assert.deepStrictEqual(result.output[0], {
        type: "reasoning",
        id: "rs_1",
        encrypted_content: "enc",
        summary: [{ type: "summary_text", text: "Think first." }, { type: "summary_text", text: "Then act." }]
      })
      assert.deepStrictEqual(result.output[1], {
        type: "function_call",
        id: "fc_1",
        call_id: "call_1",
        name: "weather",
        arguments: "{\"city\":\"Paris\"}",
        status: "in_progress" // its output_item.done never came
      })
    }).pipe(Effect.provide(streamed([
      ev("response.created", { response: response("in_progress") }),
      ev("response.output_item.added", { output_index: 0, item: { type: "reasoning", id: "rs_1", summary: [], encrypted_content: "enc" } }),
      ev("response.reasoning_summary_part.added", { item_id: "rs_1", output_index: 0, summary_index: 0, part: { type: "summary_text", text: "" } }),
      ev("response.reasoning_summary_text.delta", { item_id: "rs_1", output_index: 0, summary_index: 0, delta: "Think " }),
      ev("response.reasoning_summary_text.delta", { item_id: "rs_1", output_index: 0, summary_index: 0, delta: "first." }),
      ev("response.reasoning_summary_part.added", { item_id: "rs_1", output_index: 0, summary_index: 1, part: { type: "summary_text", text: "" } }),
      ev("response.reasoning_summary_text.delta", { item_id: "rs_1", output_index: 0, summary_index: 1, delta: "Then act." }),
      ...callEvents(1, ["{\"city\":", "\"Paris\"}"]).slice(0, 3),
      ev("response.output_item.added", { output_index: 2, item: { ...message("", "in_progress"), content: [] } }),
      ev("response.output_text.delta", { item_id: "msg_1", output_index: 2, content_index: 0, delta: "Sun", logprobs: [] }),
      ev("response.output_text.delta", { item_id: "msg_1", output_index: 2, content_index: 0, delta: "ny", logprobs: [] }),
      // no output: JSON leaves the undefined field out
      ev("response.completed", { response: { ...response("completed"), output: undefined } })
    ]))))

  it.effect("response.incomplete and response.failed end it too: the response says how, in its status", () =>
    Effect.gen(function*() {
      for (const status of ["incomplete", "failed"]) {
        const result = yield* ResponseStream.finalResponse(Responses.createStream({ ...params, model: status }))
        assert.strictEqual(result.status, status)
        assert.strictEqual(result.output_text, "Part")
      }
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /responses": (request) => {
        const status = (request.json as { model: string }).model
        return OpenAITest.sse([
          ev("response.created", { response: response("in_progress") }),
          ...messageEvents(0, ["Part"]).slice(0, 3),
          ev(`response.${status}`, { response: { ...response(status), output: null } })
        ])
      }
    }))))

  it.effect("a stream without a terminal event fails with StreamTruncatedError, never the partial response", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(final)
      assert.strictEqual(error._tag, "StreamTruncatedError")
    }).pipe(Effect.provide(streamed([ev("response.created", { response: response("in_progress") }), ...messageEvents(0, ["Hi"])]))))

  it.effect("passes over keepalives and events it does not know", () =>
    Effect.gen(function*() {
      const result = yield* final
      assert.strictEqual(result.output_text, "ok")
    }).pipe(Effect.provide(streamed([
      ev("response.created", { response: response("in_progress") }),
      ev("keepalive"),
      ": ping\n\n",
      ev("response.brand_new_event", { output_index: 0, item: { type: "message" }, delta: "NOT THIS" }),
      ...messageEvents(0, ["o", "k"]).slice(0, 4),
      ev("response.completed", { response: { ...response("completed"), output: null } })
    ]))))

  it.effect("an error event fails with StreamError", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(final)
      assert.strictEqual(error._tag, "StreamError")
    }).pipe(Effect.provide(streamed([
      ev("response.created", { response: response("in_progress") }),
      ev("error", { code: "server_error", message: "boom", param: null })
    ]))))
})

describe("ResponseStream accumulator: server data is data", () => {
  const push = (texts: ReadonlyArray<string>) => {
    const acc = ResponseStream.makeAccumulator()
    for (const text of texts) acc.push(JSON.parse(text))
    return acc
  }

  it("a __proto__, constructor or prototype key in an event pollutes nothing and stays a plain field", () => {
    const acc = push([
      `{"type":"response.created","sequence_number":0,"response":{"id":"r","object":"response","status":"in_progress","output":[],"__proto__":{"polluted":1}}}`,
      `{"type":"response.output_item.added","sequence_number":1,"output_index":0,"__proto__":{"polluted":2},"item":{"type":"function_call","id":"fc","call_id":"c","name":"f","arguments":"","__proto__":{"polluted":3},"constructor":{"prototype":{"polluted":4}}}}`,
      `{"type":"response.function_call_arguments.delta","sequence_number":2,"output_index":0,"item_id":"fc","delta":"{\\"__proto__\\":{\\"polluted\\":5}}"}`,
      `{"type":"response.output_item.added","sequence_number":3,"output_index":1,"item":{"type":"message","id":"m","role":"assistant","status":"in_progress","content":[{"type":"output_text","text":"","__proto__":{"polluted":6}}]}}`,
      `{"type":"response.output_text.delta","sequence_number":4,"output_index":1,"content_index":0,"item_id":"m","delta":"hi","prototype":{"polluted":7}}`,
      `{"type":"response.completed","sequence_number":5,"response":{"id":"r","object":"response","status":"completed","__proto__":{"polluted":8}}}`
    ])
    const result = Either.getOrThrow(acc.result())
    assert.strictEqual(({} as Record<string, unknown>).polluted, undefined)
    assert.strictEqual(Object.getPrototypeOf(result), Object.prototype)
    for (const item of result.output) assert.strictEqual(Object.getPrototypeOf(item), Object.prototype)
    const call = result.output[0] as { arguments: string; polluted?: unknown }
    assert.strictEqual(call.arguments, "{\"__proto__\":{\"polluted\":5}}")
    assert.strictEqual(call.polluted, undefined)
    assert.strictEqual(result.output_text, "hi")
    assert.strictEqual((result as { polluted?: unknown }).polluted, undefined)
  })

  it("an output_index of 10^9 is one entry, not an array of 10^9", () => {
    const started = performance.now()
    const acc = ResponseStream.makeAccumulator()
    acc.push(ev("response.created", { response: response("in_progress") }) as never)
    acc.push(ev("response.output_item.added", { output_index: 1e9, item: { ...message(""), content: [] } }) as never)
    const text = acc.push(ev("response.output_text.delta", { output_index: 1e9, content_index: 1e9, item_id: "msg_1", delta: "far" }) as never)
    acc.push(ev("response.completed", { response: { ...response("completed"), output: null } }) as never)
    const result = Either.getOrThrow(acc.result())
    assert.isBelow(performance.now() - started, 50)
    assert.strictEqual(text, "far")
    assert.strictEqual(result.output.length, 1)
    assert.strictEqual(result.output_text, "far")
  })

  it("a text delta gives back its part's text so far; snapshots are new objects each time", () => {
    const acc = ResponseStream.makeAccumulator()
    const events = [ev("response.created", { response: response("in_progress") }), ...messageEvents(0, ["a", "b", "c"]), ...callEvents(1, ["{", "}"])]
    const returned: Array<string | undefined> = []
    const snapshots: Array<string | null | undefined> = []
    for (const event of events) {
      returned.push(acc.push(event as never))
      snapshots.push(acc.snapshot()?.output_text)
    }
    assert.deepStrictEqual(returned.filter((r) => r !== undefined), ["a", "ab", "abc", "{", "{}"])
    assert.deepStrictEqual(snapshots.slice(0, 6), ["", "", "", "a", "ab", "abc"])
    assert.isFalse(acc.finished)
    assert.strictEqual(Either.getLeft(acc.result()).pipe((e) => e._tag === "Some" && e.value._tag), "StreamTruncatedError")
    assert.notStrictEqual(acc.snapshot(), acc.snapshot())
  })
})

describe("ResponseStream.text, accumulate and ofType", () => {
  const layer = streamed([
    ev("response.created", { response: response("in_progress") }),
    ...messageEvents(0, ["Hel", "", "lo"]),
    ...callEvents(1, ["{}"]),
    ev("response.completed", { response: response("completed", { output: [message("Hello")] }) })
  ])

  it.effect("text gives the output text deltas", () =>
    Effect.gen(function*() {
      const deltas = yield* Stream.runCollect(ResponseStream.text(Responses.createStream(params)))
      assert.deepStrictEqual(Chunk.toReadonlyArray(deltas), ["Hel", "lo"])
    }).pipe(Effect.provide(layer)))

  it.effect("accumulate gives each event with the response so far", () =>
    Effect.gen(function*() {
      const all = Chunk.toReadonlyArray(yield* Stream.runCollect(ResponseStream.accumulate(Responses.createStream(params))))
      const texts = all.filter((a) => a.event.type === "response.output_text.delta").map((a) => a.snapshot?.output_text)
      assert.deepStrictEqual(texts, ["Hel", "Hel", "Hello"])
      assert.strictEqual(all[all.length - 1]!.snapshot?.status, "completed")
    }).pipe(Effect.provide(layer)))

  it.effect("ofType keeps the events of the given types, narrowed", () =>
    Effect.gen(function*() {
      const done = yield* Responses.createStream(params).pipe(
        ResponseStream.ofType("response.output_item.done", "response.function_call_arguments.done"),
        Stream.map((e) => e.type === "response.output_item.done" ? e.item.type : e.arguments),
        Stream.runCollect
      )
      assert.deepStrictEqual(Chunk.toReadonlyArray(done), ["message", "{}", "function_call"])
    }).pipe(Effect.provide(layer)))
})
