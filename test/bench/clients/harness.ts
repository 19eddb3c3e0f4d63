/**
 * The shared part of a benchmark client process: scenarios, measurement, and output. A client file supplies an
 * adapter for its library and calls `main`; only that library is loaded in the process.
 */
import { chunkEvent } from "../fixtures.js"

export interface Adapter {
  sequential(n: number): Promise<void>
  concurrent(n: number, concurrency: number): Promise<void>
  stream(events: number, write: string): Promise<number>
  /** The streaming chat operation, as a user calls it, over a response served from memory in these chunks. */
  memoryStream(chunks: ReadonlyArray<Uint8Array>): Promise<number>
  /** `models.retrieve` of a model whose answer is a 500 with a 16 MB body; no retries. */
  bigError(): Promise<void>
  pages(items: number): Promise<number>
  embeddings(): Promise<unknown>
  decode(chunks: ReadonlyArray<Uint8Array>): Promise<number>
  dispose?(): Promise<void>
}

export interface Result {
  readonly ops: number
  readonly wallMs: number
  readonly cpuUs: number
  readonly peakRssMiB: number
  readonly extra?: Record<string, unknown>
}

/** A web body that hands over these chunks one per read, from memory. */
export const webBody = (chunks: ReadonlyArray<Uint8Array>): ReadableStream<Uint8Array> => {
  let i = 0
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]!)
      else controller.close()
    }
  })
}

export const chatParams = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content: "Say something." }] }

const measure = async (ops: number, work: () => Promise<Record<string, unknown> | void>): Promise<Result> => {
  const cpu = process.cpuUsage()
  const start = performance.now()
  const extra = await work()
  const wallMs = performance.now() - start
  const used = process.cpuUsage(cpu)
  return {
    ops,
    wallMs,
    cpuUs: used.user + used.system,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    ...(extra ? { extra } : {})
  }
}

/** Realistic chat chunk events as one byte buffer (with `[DONE]` when asked). */
const sseBuffer = (events: number, done = false): Uint8Array => {
  const parts: Array<string> = []
  for (let i = 0; i < events; i++) parts.push(chunkEvent(i))
  if (done) parts.push("data: [DONE]\n\n")
  return new TextEncoder().encode(parts.join(""))
}

/** A whole chat stream in chunks of `size` bytes, or one chunk per event (`0`). */
const memoryChunks = (events: number, size: number): Array<Uint8Array> => {
  if (size > 0) return split(sseBuffer(events, true), size)
  const encoder = new TextEncoder()
  const out = Array.from({ length: events }, (_, i) => encoder.encode(chunkEvent(i)))
  out.push(encoder.encode("data: [DONE]\n\n"))
  return out
}

/** RSS now and the process's peak so far, in MiB. */
const rssMiB = () => process.memoryUsage.rss() / 1024 / 1024
const peakMiB = () => process.resourceUsage().maxRSS / 1024

const split = (bytes: Uint8Array, size: number): Array<Uint8Array> => {
  const out: Array<Uint8Array> = []
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size))
  return out
}

const scenarios = (a: Adapter): Record<string, () => Promise<Result>> => {
  const s: Record<string, () => Promise<Result>> = {
    // Request scenarios warm up long enough for both clients' code to be optimised, as in a service that has
    // been running: short warm-ups measure the JIT more than the client.
    async sequential() {
      await a.sequential(2000)
      return measure(4000, () => a.sequential(4000))
    },
    async concurrent() {
      await a.concurrent(4000, 64)
      return measure(8000, () => a.concurrent(8000, 64))
    },
    async pages() {
      await a.pages(200_000)
      return measure(300_000, async () => ({ items: await a.pages(300_000) }))
    },
    // The facade's pagination figure (F3): 100,000 items, after as many of warm-up.
    async "pages-100k"() {
      await a.pages(100_000)
      return measure(100_000, async () => ({ items: await a.pages(100_000) }))
    },
    async embeddings() {
      for (let i = 0; i < 3; i++) await a.embeddings()
      let sample: any
      const result = await measure(20, async () => {
        for (let i = 0; i < 20; i++) sample = ((await a.embeddings()) as any).data[0]?.embedding
      })
      return { ...result, extra: { numberArray: Array.isArray(sample) && typeof sample[0] === "number", dims: sample?.length } }
    },
    async "big-50"() {
      return measure(250_000, async () => ({ events: await a.stream(250_000, "16384") }))
    },
    async "big-200"() {
      const before = rssMiB()
      const result = await measure(1_000_000, async () => ({ events: await a.stream(1_000_000, "16384") }))
      return { ...result, extra: { ...result.extra, growthMiB: peakMiB() - before } }
    },
    async "streams-1000"() {
      // one warm-up round of a few streams, then 1,000 concurrent streams of 50 events each
      await Promise.all(Array.from({ length: 8 }, () => a.stream(50, "event")))
      const before = rssMiB()
      const result = await measure(50_000, async () => {
        const counts = await Promise.all(Array.from({ length: 1000 }, () => a.stream(50, "event")))
        return { events: counts.reduce((x, y) => x + y, 0) }
      })
      return { ...result, extra: { ...result.extra, growthMiB: peakMiB() - before } }
    },
    async "error-16mb"() {
      await a.sequential(20)
      const before = rssMiB()
      const result = await measure(1, () => a.bigError())
      return { ...result, extra: { growthMiB: peakMiB() - before } }
    }
  }
  // Streams from memory through the whole operation: 10,000 events, three warm-up streams, ten measured.
  for (const [name, size] of [["mem-event", 0], ["mem-64", 64], ["mem-16384", 16384]] as const) {
    s[name] = async () => {
      const chunks = memoryChunks(10_000, size)
      for (let i = 0; i < 3; i++) await a.memoryStream(chunks)
      return measure(100_000, async () => {
        let events = 0
        for (let i = 0; i < 10; i++) events += await a.memoryStream(chunks)
        return { events }
      })
    }
  }
  // Streams: two whole streams of warm-up, then five measured (100,000 events).
  for (const write of ["64", "16384", "event"]) {
    s[`sse-${write}`] = async () => {
      for (let i = 0; i < 2; i++) await a.stream(20_000, write)
      return measure(100_000, async () => {
        let events = 0
        for (let i = 0; i < 5; i++) events += await a.stream(20_000, write)
        return { events }
      })
    }
  }
  for (const size of [1, 64, 16384]) {
    s[`decode-${size}`] = async () => {
      const chunks = split(sseBuffer(20_000), size)
      // 1-byte chunks are slow enough (for the official decoder, tens of seconds) that one stream is measured
      const rounds = size === 1 ? 1 : 5
      if (size === 1) await a.decode(split(sseBuffer(2000), 1))
      else for (let i = 0; i < 2; i++) await a.decode(chunks)
      return measure(20_000 * rounds, async () => {
        let events = 0
        for (let i = 0; i < rounds; i++) events += await a.decode(chunks)
        return { events }
      })
    }
  }
  return s
}

export const main = (makeAdapter: (baseURL: string) => Adapter): void => {
  const [scenario, port] = process.argv.slice(2) as [string, string]
  const adapter = makeAdapter(`http://127.0.0.1:${port}/v1`)
  const run = scenarios(adapter)[scenario]
  if (!run) {
    console.error(`unknown scenario ${scenario}`)
    process.exit(2)
  }
  run().then(
    async (result) => {
      process.stdout.write(JSON.stringify(result) + "\n")
      await adapter.dispose?.()
      process.exit(0)
    },
    (error) => {
      console.error(error)
      process.exit(1)
    }
  )
}
