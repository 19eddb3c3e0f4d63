/** Benchmark client: the official `openai` package; run.ts also bundles it against `@effect-openai/promise`. */
import OpenAI from "openai"
import { Stream } from "openai/streaming"
import { type Adapter, chatParams, main, webBody } from "./harness.js"

main((baseURL): Adapter => {
  const client = new OpenAI({ apiKey: "sk-bench", baseURL })
  let served: ReadonlyArray<Uint8Array> = []
  const memory = new OpenAI({
    apiKey: "sk-bench",
    baseURL: "https://api.openai.test/v1",
    fetch: async () => new Response(webBody(served), { headers: { "content-type": "text/event-stream" } })
  })
  return {
    async sequential(n) {
      for (let i = 0; i < n; i++) await client.chat.completions.create(chatParams)
    },
    async concurrent(n, concurrency) {
      let next = 0
      await Promise.all(Array.from({ length: concurrency }, async () => {
        while (next++ < n) await client.chat.completions.create(chatParams)
      }))
    },
    async stream(events, write) {
      const stream = await client.chat.completions.create({ ...chatParams, stream: true }, {
        headers: { "x-bench-events": String(events), "x-bench-write": write }
      })
      let count = 0
      for await (const _ of stream) count++
      return count
    },
    async memoryStream(chunks) {
      served = chunks
      const stream = await memory.chat.completions.create({ ...chatParams, stream: true })
      let count = 0
      for await (const _ of stream) count++
      return count
    },
    async bigError() {
      await client.models.retrieve("big-error", { maxRetries: 0 }).then(
        () => {
          throw new Error("expected a 500")
        },
        (error: { status?: number }) => {
          if (error.status !== 500) throw error
        }
      )
    },
    async pages(items) {
      let count = 0
      for await (const _ of client.files.list({ limit: 100 }, { headers: { "x-bench-items": String(items) } })) count++
      return count
    },
    embeddings: () => client.embeddings.create({ model: "text-embedding-3-small", input: "x" }),
    async decode(chunks) {
      let count = 0
      for await (const _ of Stream.fromSSEResponse(new Response(webBody(chunks)), new AbortController())) count++
      return count
    }
  }
})
