import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { Chat, OpenAITest } from "../src/index.js"

describe("smoke", () => {
  it.effect("chat create", () =>
    Effect.gen(function*() {
      const c = yield* Chat.Completions.create({ model: "m", messages: [{ role: "user", content: "hi" }] })
      assert.strictEqual(c.id, "c1")
      const chunks = yield* Chat.Completions.createStream({ model: "m", messages: [] }).pipe(Stream.runCollect)
      assert.strictEqual(chunks.length, 2)
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /chat/completions": (req) =>
        (req.json as any).stream ? OpenAITest.sse([{ id: "a" }, { id: "b" }], { done: true }) : OpenAITest.json({ id: "c1" })
    }))))
})
