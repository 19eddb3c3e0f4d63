import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Option, Stream } from "effect"
import * as OpenAIStream from "../src/OpenAIStream.js"

const encoder = new TextEncoder()
const sse = (events: ReadonlyArray<unknown>, done = false) =>
  events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join("") + (done ? "data: [DONE]\n\n" : "")
/** A web body of `text` in chunks of `size` bytes. */
const webBody = (text: string, size = 7) => {
  const bytes = encoder.encode(text)
  let i = 0
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < bytes.length) controller.enqueue(bytes.slice(i, (i += size)))
      else controller.close()
    }
  })
}
const collect = <A, E>(stream: Stream.Stream<A, E>) => Effect.map(Stream.runCollect(stream), Chunk.toReadonlyArray)

const chunk = (content: string) => ({ id: "c", object: "chat.completion.chunk", choices: [{ index: 0, delta: { content } }] })
const delta = (text: string, n: number) => ({ type: "response.output_text.delta", delta: text, item_id: "i", output_index: 0, content_index: 0, sequence_number: n })
const completed = { type: "response.completed", sequence_number: 9, response: { id: "r", object: "response", status: "completed", output: [] } }

describe("OpenAIStream", () => {
  it.effect("decodes a chat stream from a web Response, a ReadableStream and a byte Stream alike", () =>
    Effect.gen(function*() {
      const text = sse([chunk("Hel"), chunk("lo")], true)
      const contents = (chunks: ReadonlyArray<{ choices: ReadonlyArray<{ delta: { content?: string | null } }> }>) =>
        chunks.map((c) => c.choices[0]!.delta.content)
      assert.deepStrictEqual(contents(yield* collect(OpenAIStream.chatCompletions(new Response(webBody(text))))), ["Hel", "lo"])
      assert.deepStrictEqual(contents(yield* collect(OpenAIStream.chatCompletions(webBody(text, 1)))), ["Hel", "lo"])
      const bytes = Stream.fromIterable(Array.from(encoder.encode(text), (b) => Uint8Array.of(b)))
      assert.deepStrictEqual(contents(yield* collect(OpenAIStream.chatCompletions(bytes))), ["Hel", "lo"])
    }))

  it.effect("applies the stream rules: a missing terminal event is StreamTruncatedError after the events", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const error = yield* OpenAIStream.responses(webBody(sse([delta("a", 1), delta("b", 2)]))).pipe(
        Stream.runForEach((e) => Effect.sync(() => seen.push(e.type))),
        Effect.flip
      )
      assert.strictEqual(error._tag, "StreamTruncatedError")
      assert.deepStrictEqual(seen, ["response.output_text.delta", "response.output_text.delta"])
    }))

  it.effect("an error event is StreamError; a failing byte stream's error passes through", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(collect(OpenAIStream.responses(webBody(sse([{ type: "error", code: "server_error", message: "boom" }])))))
      assert.strictEqual(error._tag, "StreamError")
      const failing = Stream.concat(Stream.make(encoder.encode(sse([delta("a", 1)]))), Stream.fail("upstream down" as const))
      const upstream = yield* Effect.flip(collect(OpenAIStream.responses(failing)))
      assert.strictEqual(upstream, "upstream down")
    }))

  it.effect("events narrow on type, and unknown events pass through and are recognised", () =>
    Effect.gen(function*() {
      const body = sse([delta("Hi", 1), { type: "response.brand_new_thing", sequence_number: 2 }, delta("!", 3), completed])
      const events = yield* collect(OpenAIStream.responses(webBody(body)))
      const text = events.map((e) => (e.type === "response.output_text.delta" ? e.delta : "")).join("")
      assert.strictEqual(text, "Hi!")
      const unknown = events.filter(OpenAIStream.isUnknownEvent)
      assert.deepStrictEqual(unknown.map((e) => e.type as string), ["response.brand_new_thing"])
      const deltas = yield* collect(OpenAIStream.responses(webBody(body)).pipe(
        Stream.filterMap((e) => e.type === "response.output_text.delta" ? Option.some(e.delta) : Option.none())
      ))
      assert.deepStrictEqual(deltas, ["Hi", "!"])
    }))

  it.effect("raw events and JSON events with a custom terminal", () =>
    Effect.gen(function*() {
      const raw = yield* collect(OpenAIStream.sse(webBody("event: a\ndata: 1\n\n: keepalive\n\ndata: 2\n\n")))
      assert.deepStrictEqual(raw.map((e) => [e.event, e.data]), [["a", "1"], [undefined, "2"]])
      const values = yield* collect(OpenAIStream.json<{ readonly n: number }>(webBody(sse([{ n: 1 }, { n: 2 }])), "eof"))
      assert.deepStrictEqual(values.map((v) => v.n), [1, 2])
    }))
})
