/**
 * The shared part of a benchmark client process: scenarios, measurement, and output. A client file supplies an
 * adapter for its library and calls `main`; only that library is loaded in the process.
 */
import { chunkEvent } from "../fixtures.js"

export interface Adapter {
  sequential(n: number): Promise<void>
  concurrent(n: number, concurrency: number): Promise<void>
  stream(events: number, write: string): Promise<number>
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

/** Realistic chat chunk events as one byte buffer. */
const sseBuffer = (events: number): Uint8Array => {
  const parts: Array<string> = []
  for (let i = 0; i < events; i++) parts.push(chunkEvent(i))
  return new TextEncoder().encode(parts.join(""))
}

const split = (bytes: Uint8Array, size: number): Array<Uint8Array> => {
  const out: Array<Uint8Array> = []
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size))
  return out
}

const scenarios = (a: Adapter): Record<string, () => Promise<Result>> => {
  const s: Record<string, () => Promise<Result>> = {
    async sequential() {
      await a.sequential(200)
      return measure(2000, () => a.sequential(2000))
    },
    async concurrent() {
      await a.concurrent(500, 64)
      return measure(4000, () => a.concurrent(4000, 64))
    },
    async pages() {
      await a.pages(1000)
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
      return measure(1_000_000, async () => ({ events: await a.stream(1_000_000, "16384") }))
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
