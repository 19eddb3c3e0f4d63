/** Benchmark client: the official `openai` package. */
import OpenAI from "openai"
import { Stream } from "openai/streaming"
import { type Adapter, chatParams, main } from "./harness.js"

main((baseURL): Adapter => {
  const client = new OpenAI({ apiKey: "sk-bench", baseURL })
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
    async pages(items) {
      let count = 0
      for await (const _ of client.files.list({ limit: 100 }, { headers: { "x-bench-items": String(items) } })) count++
      return count
    },
    embeddings: () => client.embeddings.create({ model: "text-embedding-3-small", input: "x" }),
    async decode(chunks) {
      let i = 0
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (i < chunks.length) controller.enqueue(chunks[i++]!)
          else controller.close()
        }
      })
      let count = 0
      for await (const _ of Stream.fromSSEResponse(new Response(body), new AbortController())) count++
      return count
    }
  }
})
