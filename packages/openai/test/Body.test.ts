import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Stream } from "effect"
import { type ByteSource, byteSource, EffectSource, readCapped, WebSource } from "../src/internal/body.js"

const encoder = new TextEncoder()
const request = HttpClientRequest.get("https://api.openai.test/v1/x")

/** A web body of these chunks that records whether it was cancelled. */
const webBody = (chunks: ReadonlyArray<string>) => {
  let i = 0
  const state = { cancelled: false }
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(encoder.encode(chunks[i++]!))
      else controller.close()
    },
    cancel() {
      state.cancelled = true
    }
  })
  return { body, state }
}

/** Reads a source to its end through `read`/`wait`. */
const drain = (source: ByteSource): Effect.Effect<string> =>
  Effect.async<string>((resume) => {
    let text = ""
    const decoder = new TextDecoder()
    const step = (): void => {
      for (;;) {
        const bytes = source.read()
        if (bytes === undefined) return source.wait(step)
        if (bytes === null) return resume(Effect.succeed(text + decoder.decode()))
        text += decoder.decode(bytes, { stream: true })
      }
    }
    step()
  })

describe("body sources (the shapes of platform responses they rely on)", () => {
  it.effect("a fromWeb response keeps its web Response: its body is read directly", () =>
    Effect.gen(function*() {
      const { body } = webBody(["a", "b", "c"])
      const response = HttpClientResponse.fromWeb(request, new Response(body))
      const source = byteSource(response, yield* Effect.runtime<never>())
      assert.instanceOf(source, WebSource)
      assert.strictEqual(yield* drain(source), "abc")
    }))

  it.effect("a client made with HttpClient.make wraps its responses with their abort controller", () =>
    Effect.gen(function*() {
      const { body, state } = webBody(["a", "b", "c"])
      let signal: AbortSignal | undefined
      const client = HttpClient.make((req, _url, abort) =>
        Effect.sync(() => {
          signal = abort
          return HttpClientResponse.fromWeb(req, new Response(body))
        })
      )
      const response = yield* client.execute(request)
      const source = byteSource(response, yield* Effect.runtime<never>())
      assert.instanceOf(source, WebSource, "the wrapper is looked through")
      assert.strictEqual(source.read(), undefined)
      source.cancel()
      yield* Effect.yieldNow()
      assert.isTrue(state.cancelled, "the web body is cancelled")
      assert.isTrue(signal!.aborted, "the request is aborted")
    }))

  it.effect("any other response is read through its stream, by one fiber", () =>
    Effect.gen(function*() {
      const inner = HttpClientResponse.fromWeb(request, new Response("unused"))
      const other: HttpClientResponse.HttpClientResponse = Object.create(inner, {
        source: { value: undefined },
        stream: { value: Stream.make(encoder.encode("x"), encoder.encode("y"), encoder.encode("z")) }
      })
      const source = byteSource(other, yield* Effect.runtime<never>())
      assert.instanceOf(source, EffectSource)
      assert.strictEqual(yield* drain(source), "xyz")
    }))

  it.effect("readCapped stops at the cap and cancels the body", () =>
    Effect.gen(function*() {
      const { body, state } = webBody(Array.from({ length: 100 }, () => "x".repeat(1000)))
      const bytes = yield* readCapped(new WebSource(body), 2500)
      assert.strictEqual(bytes.length, 2500)
      yield* Effect.yieldNow()
      assert.isTrue(state.cancelled)
    }))

  it.effect("an EffectSource reads chunks of a user stream, with its failure kept", () =>
    Effect.gen(function*() {
      const source = new EffectSource(
        Stream.concat(Stream.fromChunk(Chunk.make(encoder.encode("ok"))), Stream.fail("boom")),
        yield* Effect.runtime<never>()
      )
      const seen = yield* Effect.async<{ text: string; failure: unknown }>((resume) => {
        let text = ""
        const step = (): void => {
          for (;;) {
            const bytes = source.read()
            if (bytes === undefined) {
              if (source.failure !== undefined) return resume(Effect.succeed({ text, failure: source.failure }))
              return source.wait(step)
            }
            if (bytes === null) return resume(Effect.succeed({ text, failure: undefined }))
            text += new TextDecoder().decode(bytes)
          }
        }
        step()
      })
      assert.deepStrictEqual(seen, { text: "ok", failure: "boom" })
    }))
})
