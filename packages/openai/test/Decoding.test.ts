import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Stream } from "effect"
import * as OpenAIConfig from "../src/OpenAIConfig.js"
import * as OpenAITest from "../src/OpenAITest.js"
import { Chat, Files, Models, Responses } from "../src/index.js"

const completion = {
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 1,
  model: "gpt-4o-mini",
  choices: [{ index: 0, finish_reason: "stop", logprobs: null, message: { role: "assistant", content: "Hi", refusal: null } }]
}
const chatParams = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content: "Hi" }] }
const decoding = { decodeResponses: true } as const

describe("DecodeResponses", () => {
  it.effect("is off by default: a body of the wrong shape passes through untouched", () =>
    Effect.gen(function*() {
      const c = yield* Chat.Completions.create(chatParams)
      assert.strictEqual((c as unknown as { created: unknown }).created, "yesterday")
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /chat/completions": OpenAITest.unchecked({ ...completion, created: "yesterday" })
    }))))

  it.effect("on: a present field of the wrong type is ResponseDecodeError naming the operation", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Chat.Completions.create(chatParams))
      assert.strictEqual(error._tag, "ResponseDecodeError")
      assert.include(error.message, "chat.completions.create does not match the spec")
      assert.include(error.message, "created")
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /chat/completions": OpenAITest.unchecked({ ...completion, created: "yesterday" })
    }, decoding))))

  it.effect("on: unknown fields are kept, new enum values accepted, null and absent stay distinct", () =>
    Effect.gen(function*() {
      const c = yield* Chat.Completions.create(chatParams)
      const raw = c as unknown as Record<string, unknown>
      assert.strictEqual(raw.brand_new_field, 42)
      assert.strictEqual(c.choices[0]!.finish_reason, "a_reason_added_later")
      assert.strictEqual(c.choices[0]!.message.refusal, null)
      assert.isFalse("usage" in c)
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /chat/completions": OpenAITest.unchecked({
        ...completion,
        brand_new_field: 42,
        choices: [{ ...completion.choices[0], finish_reason: "a_reason_added_later" }]
      })
    }, decoding))))

  it.effect("on: a union member of an unknown type passes, a known one is checked", () =>
    Effect.gen(function*() {
      const ok = yield* Responses.retrieve("resp_new")
      assert.strictEqual((ok.output[0] as { type: string }).type, "holographic_call")
      const error = yield* Effect.flip(Responses.retrieve("resp_bad"))
      assert.strictEqual(error._tag, "ResponseDecodeError")
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /responses/:id": (request) =>
        OpenAITest.unchecked({
          id: request.params.id,
          object: "response",
          created_at: 1,
          model: "m",
          status: "completed",
          output: request.params.id === "resp_new"
            ? [{ type: "holographic_call", id: "h1" }]
            : [{ type: "message", id: "m1", role: "assistant", status: "completed", content: "not an array" }]
        })
    }, decoding))))

  it.effect("on: stream events are checked, unknown event types pass", () =>
    Effect.gen(function*() {
      const ok = yield* Responses.createStream({ model: "m", input: "x" }).pipe(Stream.runCollect)
      assert.deepStrictEqual(Chunk.toReadonlyArray(ok).map((e) => e.type), ["response.something_new", "response.output_text.delta", "response.completed"])
      const error = yield* Effect.flip(Stream.runDrain(Responses.createStream({ model: "bad", input: "x" })))
      assert.strictEqual(error._tag, "ResponseDecodeError")
      assert.include(error.message, "stream event of responses.create")
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /responses": (request) =>
        (request.json as { model: string }).model === "bad"
          ? OpenAITest.sse([{ type: "response.output_text.delta", delta: 7, item_id: "i", output_index: 0, content_index: 0, sequence_number: 1 }])
          : OpenAITest.sse([
            { type: "response.something_new", sequence_number: 0 },
            { type: "response.output_text.delta", delta: "Hi", item_id: "i", output_index: 0, content_index: 0, sequence_number: 1, logprobs: [] },
            { type: "response.completed", sequence_number: 2, response: { id: "r", object: "response", created_at: 1, model: "m", output: [] } }
          ])
    }, decoding))))

  it.effect("on: every page of a list is checked", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Stream.runDrain(Files.listStream({ limit: 1 })))
      assert.strictEqual(error._tag, "ResponseDecodeError")
      assert.strictEqual((yield* OpenAITest.requests).length, 2)
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /files": (request) =>
        request.url.searchParams.get("after") === null
          ? OpenAITest.unchecked({ object: "list", data: [{ id: "f1", object: "file", bytes: 1, created_at: 1, filename: "a", purpose: "batch" }], has_more: true })
          : OpenAITest.unchecked({ object: "list", data: [{ id: "f2", object: "file", bytes: "many", created_at: 1, filename: "b", purpose: "batch" }], has_more: false })
    }, decoding))))

  it.effect("can be switched for a region with withConfigOverride", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Models.retrieve("m").pipe(OpenAIConfig.withConfigOverride({ decodeResponses: true })))
      assert.strictEqual(error._tag, "ResponseDecodeError")
      const model = yield* Models.retrieve("m")
      assert.strictEqual(model.id, 7 as unknown as string)
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /models/:id": OpenAITest.unchecked({ id: 7, object: "model", created: 1, owned_by: "x" })
    }))))
})
