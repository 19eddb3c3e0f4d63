import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Either, Stream } from "effect"
import * as OpenAITest from "../src/OpenAITest.js"
import * as ChatCompletionStream from "../src/helpers/ChatCompletionStream.js"
import { Chat } from "../src/index.js"

const params = { model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] } as const

/** A chunk of completion `chatcmpl-1` with the given choices. */
const chunk = (choices: ReadonlyArray<Record<string, unknown>>, extra: Record<string, unknown> = {}) => ({
  id: "chatcmpl-1",
  object: "chat.completion.chunk",
  created: 1,
  model: "gpt-4o-mini",
  choices,
  ...extra
})
const delta = (d: Record<string, unknown>, finish: string | null = null, index = 0) => ({ index, delta: d, finish_reason: finish })
const logprob = (token: string) => ({ token, logprob: -0.5, bytes: null, top_logprobs: [] })
const toolDelta = (index: number, fn: Record<string, unknown>, head: Record<string, unknown> = {}) => ({ index, ...head, function: fn })

const streamed = (events: ReadonlyArray<OpenAITest.SseInput>, done = true) =>
  OpenAITest.layer({ "POST /chat/completions": OpenAITest.sse(events, { done }) })

const final = Effect.suspend(() => ChatCompletionStream.finalCompletion(Chat.Completions.createStream(params)))

/** The accumulator over chunks given as JSON text (for keys a JS object literal cannot hold, such as `__proto__`). */
const fromText = (texts: ReadonlyArray<string>) => {
  const acc = ChatCompletionStream.makeAccumulator()
  for (const text of texts) acc.push(JSON.parse(text))
  return acc
}

describe("ChatCompletionStream.finalCompletion", () => {
  it.effect("adds content up to the completion, with the header fields and the usage chunk", () =>
    Effect.gen(function*() {
      const completion = yield* final
      assert.deepStrictEqual(completion, {
        id: "chatcmpl-1",
        object: "chat.completion",
        created: 1,
        model: "gpt-4o-mini",
        system_fingerprint: "fp_1",
        service_tier: "default",
        usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
        choices: [{ index: 0, finish_reason: "stop", logprobs: null, message: { role: "assistant", content: "Hello", refusal: null } }]
      })
    }).pipe(Effect.provide(streamed([
      chunk([delta({ role: "assistant", content: "", refusal: null })], { system_fingerprint: "fp_1", service_tier: "default", usage: null }),
      chunk([delta({ content: "Hel" })], { usage: null }),
      chunk([delta({ content: "lo" })], { usage: null }),
      chunk([delta({}, "stop")], { usage: null }),
      chunk([], { usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } })
    ]))))

  it.effect("adds a refusal up, with content null", () =>
    Effect.gen(function*() {
      const completion = yield* final
      assert.deepStrictEqual(completion.choices[0]!.message, { role: "assistant", content: null, refusal: "I can't do that." })
    }).pipe(Effect.provide(streamed([
      chunk([delta({ role: "assistant", refusal: "" })]),
      chunk([delta({ refusal: "I can't " })]),
      chunk([delta({ refusal: "do that." })]),
      chunk([delta({}, "stop")])
    ]))))

  it.effect("joins parallel tool calls by index: id, type and name from their first delta, arguments concatenated", () =>
    Effect.gen(function*() {
      const completion = yield* final
      const choice = completion.choices[0]!
      assert.strictEqual(choice.finish_reason, "tool_calls")
      assert.deepStrictEqual(choice.message.tool_calls, [
        { id: "call_a", type: "function", function: { name: "weather", arguments: "{\"city\":\"Paris\"}" } },
        { id: "call_b", type: "function", function: { name: "time", arguments: "{\"tz\":\"CET\"}" } }
      ])
      assert.strictEqual(choice.message.content, null)
    }).pipe(Effect.provide(streamed([
      chunk([delta({ role: "assistant", content: null })]),
      chunk([delta({ tool_calls: [toolDelta(0, { name: "weather", arguments: "" }, { id: "call_a", type: "function" })] })]),
      chunk([delta({ tool_calls: [toolDelta(1, { name: "time", arguments: "{\"tz\"" }, { id: "call_b", type: "function" })] })]),
      chunk([delta({ tool_calls: [toolDelta(0, { arguments: "{\"city\":" })] })]),
      // a later delta does not rename a call, nor change its id
      chunk([delta({ tool_calls: [toolDelta(1, { name: "renamed", arguments: ":\"CET\"}" }, { id: "call_other" })] })]),
      chunk([delta({ tool_calls: [toolDelta(0, { arguments: "\"Paris\"}" })] })]),
      chunk([delta({}, "tool_calls")])
    ]))))

  it.effect("concatenates logprobs of content and refusal; the legacy function_call too", () =>
    Effect.gen(function*() {
      const completion = yield* final
      const choice = completion.choices[0]!
      assert.deepStrictEqual(choice.logprobs, {
        content: [logprob("a"), logprob("b"), logprob("c")],
        refusal: [logprob("r")]
      })
      assert.deepStrictEqual(choice.message.function_call, { name: "lookup", arguments: "{\"q\":1}" })
    }).pipe(Effect.provide(streamed([
      chunk([{ ...delta({ role: "assistant", content: "a" }), logprobs: { content: [logprob("a")], refusal: null } }]),
      chunk([{ ...delta({ content: "bc", function_call: { name: "lookup", arguments: "{\"q\"" } }), logprobs: { content: [logprob("b"), logprob("c")], refusal: [logprob("r")] } }]),
      chunk([{ ...delta({ function_call: { arguments: ":1}" } }), logprobs: null }]),
      chunk([delta({}, "function_call")])
    ]))))

  it.effect("keeps choices apart by index and gives them sorted", () =>
    Effect.gen(function*() {
      const completion = yield* final
      assert.deepStrictEqual(completion.choices.map((c) => [c.index, c.message.content, c.finish_reason]), [
        [0, "zero", "stop"],
        [1, "one", "length"]
      ])
    }).pipe(Effect.provide(streamed([
      chunk([delta({ role: "assistant", content: "o" }, null, 1)]),
      chunk([delta({ role: "assistant", content: "ze" }, null, 0)]),
      chunk([delta({ content: "ne" }, "length", 1), delta({ content: "ro" }, "stop", 0)])
    ]))))

  it.effect("takes Azure's chunks: an empty first chunk without id, choices without delta", () =>
    Effect.gen(function*() {
      const completion = yield* final
      assert.strictEqual(completion.id, "chatcmpl-1")
      assert.strictEqual(completion.model, "gpt-4o-mini")
      assert.deepStrictEqual(completion.choices[0]!.message, { role: "assistant", content: "Hi", refusal: null })
    }).pipe(Effect.provide(streamed([
      { id: "", object: "", created: 0, model: "", choices: [], prompt_filter_results: [{ prompt_index: 0 }] },
      chunk([delta({ role: "assistant", content: "Hi" })]),
      chunk([{ index: 0, finish_reason: null, content_filter_results: { hate: { filtered: false } } }]),
      chunk([{ index: 0, delta: {}, finish_reason: "stop" }]),
      { id: "", object: "", created: 0, model: "", choices: [{ index: 0, finish_reason: null, content_filter_offsets: {} }] }
    ]))))

  it.effect("passes over keepalive comments and events it does not know", () =>
    Effect.gen(function*() {
      const completion = yield* final
      assert.strictEqual(completion.choices[0]!.message.content, "ab")
      assert.strictEqual(completion.id, "chatcmpl-1")
    }).pipe(Effect.provide(streamed([
      chunk([delta({ role: "assistant", content: "a" })]),
      ": keepalive\n\n",
      { type: "keepalive", sequence_number: 3 },
      { object: "chat.completion.chunk.brand_new", something: { nested: true } },
      chunk([delta({ content: "b" }, "stop")])
    ]))))

  it.effect("a stream cut before [DONE] fails with StreamTruncatedError, never the partial completion", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(final)
      assert.strictEqual(error._tag, "StreamTruncatedError")
    }).pipe(Effect.provide(streamed([chunk([delta({ role: "assistant", content: "Hel" }, "stop")])], false))))

  it.effect("a choice without finish_reason at [DONE] is StreamTruncatedError", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(final)
      assert.strictEqual(error._tag, "StreamTruncatedError")
      assert.include(error.message, "choice 1")
    }).pipe(Effect.provide(streamed([
      chunk([delta({ role: "assistant", content: "a" }, "stop", 0), delta({ role: "assistant", content: "b" }, null, 1)])
    ]))))

  it.effect("[DONE] without any chunk is StreamTruncatedError", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(final)
      assert.strictEqual(error._tag, "StreamTruncatedError")
    }).pipe(Effect.provide(streamed([]))))

  it.effect("an audio answer may end with an expiry-only chunk instead of a finish_reason", () =>
    Effect.gen(function*() {
      const completion = yield* final
      assert.strictEqual(completion.choices[0]!.finish_reason, "stop")
      assert.deepStrictEqual(completion.choices[0]!.message.audio, { id: "audio_1", data: "AAAB", transcript: "Hi there", expires_at: 99 })
    }).pipe(Effect.provide(streamed([
      chunk([delta({ role: "assistant", audio: { id: "audio_1", data: "AA", transcript: "Hi " } })]),
      chunk([delta({ audio: { data: "AB", transcript: "there" } })]),
      chunk([delta({ audio: { expires_at: 99 } })])
    ]))))
})

describe("ChatCompletionStream accumulator: server data is data", () => {
  it("a __proto__, constructor or prototype key in a chunk pollutes nothing and is not taken", () => {
    const acc = fromText([
      `{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":2}},"choices":[{"index":0,"__proto__":{"polluted":3},"delta":{"role":"assistant","content":"","__proto__":{"content":"evil","polluted":4},"prototype":{"polluted":5}},"finish_reason":null}]}`,
      `{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","__proto__":{"polluted":6},"function":{"__proto__":{"polluted":7},"constructor":{"polluted":8},"name":"f","arguments":"{\\"__proto__\\":{\\"polluted\\":9}}"}}]},"finish_reason":"tool_calls"}]}`
    ])
    const result = Either.getOrThrow(acc.result())
    assert.strictEqual(({} as Record<string, unknown>).polluted, undefined)
    assert.strictEqual(Object.getPrototypeOf(result), Object.prototype)
    const message = result.choices[0]!.message
    assert.strictEqual(Object.getPrototypeOf(message), Object.prototype)
    assert.strictEqual(message.content, "")
    const call = message.tool_calls![0]!
    assert.strictEqual(Object.getPrototypeOf(call), Object.prototype)
    assert.deepStrictEqual(call, { id: "call_1", type: "function", function: { name: "f", arguments: "{\"__proto__\":{\"polluted\":9}}" } })
    assert.strictEqual(Object.getPrototypeOf(call.type === "function" ? call.function : {}), Object.prototype)
    assert.strictEqual(JSON.stringify(result).includes("polluted\":"), false)
  })

  it("a choice or tool-call index of 10^9 is one entry, not an array of 10^9", () => {
    const started = performance.now()
    const acc = ChatCompletionStream.makeAccumulator()
    acc.push(chunk([delta({ role: "assistant", content: "x", tool_calls: [toolDelta(1e9, { name: "f", arguments: "{}" }, { id: "c1" })] }, "tool_calls", 1e9)]) as never)
    const result = Either.getOrThrow(acc.result())
    assert.isBelow(performance.now() - started, 50)
    assert.strictEqual(result.choices.length, 1)
    assert.strictEqual(result.choices[0]!.index, 1e9)
    assert.strictEqual(result.choices[0]!.message.tool_calls!.length, 1)
  })

  it("more distinct indexes than the limits, or an index that is not a non-negative integer, is ResponseDecodeError", () => {
    const calls = Array.from({ length: ChatCompletionStream.limits.toolCalls + 1 }, (_, i) => toolDelta(i * 1000, { name: "f", arguments: "" }))
    const tooManyCalls = ChatCompletionStream.makeAccumulator()
    tooManyCalls.push(chunk([delta({ tool_calls: calls })]) as never)
    assert.strictEqual(tooManyCalls.failure?._tag, "ResponseDecodeError")
    assert.strictEqual(Either.getLeft(tooManyCalls.result()).pipe((e) => e._tag === "Some" && e.value._tag), "ResponseDecodeError")

    const tooManyChoices = ChatCompletionStream.makeAccumulator()
    for (let i = 0; i <= ChatCompletionStream.limits.choices; i++) tooManyChoices.push(chunk([delta({ content: "x" }, "stop", i)]) as never)
    assert.strictEqual(tooManyChoices.failure?._tag, "ResponseDecodeError")

    for (const index of [-1, 1.5, "0", null, Number.MAX_VALUE]) {
      const acc = ChatCompletionStream.makeAccumulator()
      acc.push(chunk([delta({ content: "x" }, "stop", index as number)]) as never)
      assert.strictEqual(acc.failure?._tag, "ResponseDecodeError", String(index))
      const tool = ChatCompletionStream.makeAccumulator()
      tool.push(chunk([delta({ tool_calls: [toolDelta(index as number, { name: "f" })] }, "stop")]) as never)
      assert.strictEqual(tool.failure?._tag, "ResponseDecodeError", String(index))
    }
  })

  it.effect("the limit fails the stream's final value with ResponseDecodeError", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(final)
      assert.strictEqual(error._tag, "ResponseDecodeError")
    }).pipe(Effect.provide(streamed([chunk([delta({ content: "x" }, "stop", -1)])]))))

  it("tool calls without an id get one, as the official SDK gives them", () => {
    const acc = ChatCompletionStream.makeAccumulator()
    acc.push(chunk([delta({ role: "assistant", tool_calls: [toolDelta(0, { name: "f", arguments: "{}" })] }, "tool_calls")]) as never)
    const call = Either.getOrThrow(acc.result()).choices[0]!.message.tool_calls![0]!
    assert.match(call.id, /^call_[0-9a-f-]{32,36}$/)
  })
})

describe("ChatCompletionStream.content and accumulate", () => {
  const layer = streamed([
    chunk([delta({ role: "assistant", content: "" }, null, 0), delta({ role: "assistant", content: "" }, null, 1)]),
    chunk([delta({ content: "He" }, null, 0), delta({ content: "Wo" }, null, 1)]),
    chunk([delta({ content: "llo" }, "stop", 0)]),
    chunk([delta({ content: "rld" }, "stop", 1)])
  ])

  it.effect("content gives one choice's deltas, the first unless told", () =>
    Effect.gen(function*() {
      const first = yield* Stream.runCollect(ChatCompletionStream.content(Chat.Completions.createStream(params)))
      assert.deepStrictEqual(Chunk.toReadonlyArray(first), ["He", "llo"])
      const second = yield* Stream.mkString(ChatCompletionStream.content(Chat.Completions.createStream(params), { choice: 1 }))
      assert.strictEqual(second, "World")
    }).pipe(Effect.provide(layer)))

  it.effect("accumulate gives each chunk with its own snapshot, earlier snapshots unchanged by later chunks", () =>
    Effect.gen(function*() {
      const all = Chunk.toReadonlyArray(yield* Stream.runCollect(ChatCompletionStream.accumulate(Chat.Completions.createStream(params))))
      assert.strictEqual(all.length, 4)
      assert.deepStrictEqual(all.map((a) => a.snapshot.choices.map((c) => c.message.content)), [
        ["", ""],
        ["He", "Wo"],
        ["Hello", "Wo"],
        ["Hello", "World"]
      ])
      assert.strictEqual(all[1]!.snapshot.choices[0]!.finish_reason, null)
      assert.strictEqual(all[3]!.snapshot.choices[1]!.finish_reason, "stop")
      assert.strictEqual(all[2]!.chunk.choices[0]!.delta.content, "llo")
    }).pipe(Effect.provide(layer)))

  it.effect("a stream cut short still fails content at its end, after the deltas it had", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const error = yield* ChatCompletionStream.content(Chat.Completions.createStream(params)).pipe(
        Stream.runForEach((text) => Effect.sync(() => seen.push(text))),
        Effect.flip
      )
      assert.strictEqual(error._tag, "StreamTruncatedError")
      assert.deepStrictEqual(seen, ["a"])
    }).pipe(Effect.provide(streamed([chunk([delta({ content: "a" })])], false))))

  it.effect("accumulate delivers the snapshots before an index that breaks the limits, then fails", () =>
    Effect.gen(function*() {
      const seen: Array<string | null> = []
      const error = yield* ChatCompletionStream.accumulate(Chat.Completions.createStream(params)).pipe(
        Stream.runForEach((a) => Effect.sync(() => seen.push(a.snapshot.choices[0]!.message.content))),
        Effect.flip
      )
      assert.strictEqual(error._tag, "ResponseDecodeError")
      assert.deepStrictEqual(seen, ["a"])
    }).pipe(Effect.provide(streamed([
      OpenAITest.encodeSseEvent(chunk([delta({ content: "a" })])) + OpenAITest.encodeSseEvent(chunk([delta({ content: "b" }, null, -3)]))
    ]))))
})
