/** Benchmark client: @effect-openai/openai, Effect API, default transport (undici). */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { Chat, Embeddings, Files, Models, OpenAI } from "@effect-openai/openai"
import { JsonEvents } from "@effect-openai/openai/internal/events"
import { decodeBytes } from "@effect-openai/openai/internal/stream"
import { Chunk, Effect, Layer, ManagedRuntime, Stream } from "effect"
import { type Adapter, chatParams, main, webBody } from "./harness.js"

main((baseURL): Adapter => {
  const runtime = ManagedRuntime.make(OpenAI.layer({ apiKey: "sk-bench", baseURL }))
  let served: ReadonlyArray<Uint8Array> = []
  // The platform's web responses as the transport: the body is served from memory.
  const memory = ManagedRuntime.make(OpenAI.layer({
    apiKey: "sk-bench",
    baseURL: "https://api.openai.test/v1",
    httpClient: Layer.succeed(
      HttpClient.HttpClient,
      HttpClient.make((request) =>
        Effect.sync(() =>
          HttpClientResponse.fromWeb(
            request,
            new Response(webBody(served), { headers: { "content-type": "text/event-stream" } })
          )
        )
      )
    )
  }))
  const run = <A, E>(effect: Effect.Effect<A, E, any>): Promise<A> => runtime.runPromise(effect as Effect.Effect<A, E, never>)
  return {
    sequential: (n) =>
      run(Effect.gen(function*() {
        for (let i = 0; i < n; i++) yield* Chat.Completions.create(chatParams)
      })),
    concurrent: (n, concurrency) =>
      run(Effect.forEach(Array.from({ length: n }), () => Chat.Completions.create(chatParams), { concurrency, discard: true })),
    stream: (events, write) =>
      run(Stream.runCount(Chat.Completions.createStream(chatParams, {
        headers: { "x-bench-events": String(events), "x-bench-write": write }
      }))),
    memoryStream: (chunks) => {
      served = chunks
      return memory.runPromise(Stream.runCount(Chat.Completions.createStream(chatParams)))
    },
    bigError: () =>
      run(Effect.flip(Models.retrieve("big-error", { maxRetries: 0 }))).then((error) => {
        if (error._tag !== "InternalServerError") throw new Error(`expected a 500, got ${error._tag}`)
      }),
    pages: (items) => run(Stream.runCount(Files.listStream({ limit: 100 }, { headers: { "x-bench-items": String(items) } }))),
    embeddings: () => run(Embeddings.create({ model: "text-embedding-3-small", input: "x" })),
    decode: (chunks) =>
      Effect.runPromise(
        Stream.runCount(decodeBytes(
          Stream.fromChunk(Chunk.unsafeFromArray([...chunks])),
          () => new JsonEvents("eof", { status: 200, requestId: undefined, redact: (t) => t }, Number.POSITIVE_INFINITY)
        ))
      ),
    dispose: () => Promise.all([runtime.dispose(), memory.dispose()]).then(() => {})
  }
})
