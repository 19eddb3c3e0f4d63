// bench/clients/ours.ts
import { Chat, Embeddings, Files, OpenAI } from "@effect-openai/openai";
import { decodeStream } from "@effect-openai/openai/internal/sse";
import { Chunk, Effect, ManagedRuntime, Stream } from "effect";

// bench/clients/harness.ts
var chatParams = { model: "gpt-4o-mini", messages: [{ role: "user", content: "Say something." }] };
var measure = async (ops, work) => {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const extra = await work();
  const wallMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return {
    ops,
    wallMs,
    cpuUs: used.user + used.system,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    ...extra ? { extra } : {}
  };
};
var sseBuffer = (events) => {
  const parts = [];
  for (let i = 0; i < events; i++) {
    parts.push(`data: ${JSON.stringify({
      id: "chatcmpl-bench-stream",
      object: "chat.completion.chunk",
      created: 1741569952,
      model: "gpt-4o-mini-2024-07-18",
      system_fingerprint: "fp_06737a9306",
      choices: [{ index: 0, delta: { content: ` tok${i % 1e3}` }, logprobs: null, finish_reason: null }]
    })}

`);
  }
  return new TextEncoder().encode(parts.join(""));
};
var split = (bytes, size) => {
  const out = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
};
var scenarios = (a) => {
  const s = {
    async sequential() {
      await a.sequential(200);
      return measure(2e3, () => a.sequential(2e3));
    },
    async concurrent() {
      await a.concurrent(500, 64);
      return measure(4e3, () => a.concurrent(4e3, 64));
    },
    async pages() {
      await a.pages(1e3);
      return measure(1e5, async () => ({ items: await a.pages(1e5) }));
    },
    async embeddings() {
      for (let i = 0; i < 3; i++) await a.embeddings();
      let sample;
      const result = await measure(20, async () => {
        for (let i = 0; i < 20; i++) sample = (await a.embeddings()).data[0]?.embedding;
      });
      return { ...result, extra: { numberArray: Array.isArray(sample) && typeof sample[0] === "number", dims: sample?.length } };
    },
    async "big-50"() {
      return measure(25e4, async () => ({ events: await a.stream(25e4, "16384") }));
    },
    async "big-200"() {
      return measure(1e6, async () => ({ events: await a.stream(1e6, "16384") }));
    }
  };
  for (const write of ["64", "16384", "event"]) {
    s[`sse-${write}`] = async () => {
      for (let i = 0; i < 2; i++) await a.stream(2e4, write);
      return measure(1e5, async () => {
        let events = 0;
        for (let i = 0; i < 5; i++) events += await a.stream(2e4, write);
        return { events };
      });
    };
  }
  for (const size of [1, 64, 16384]) {
    s[`decode-${size}`] = async () => {
      const chunks = split(sseBuffer(2e4), size);
      const rounds = size === 1 ? 1 : 5;
      if (size === 1) await a.decode(split(sseBuffer(2e3), 1));
      else for (let i = 0; i < 2; i++) await a.decode(chunks);
      return measure(2e4 * rounds, async () => {
        let events = 0;
        for (let i = 0; i < rounds; i++) events += await a.decode(chunks);
        return { events };
      });
    };
  }
  return s;
};
var main = (makeAdapter) => {
  const [scenario, port] = process.argv.slice(2);
  const adapter = makeAdapter(`http://127.0.0.1:${port}/v1`);
  const run = scenarios(adapter)[scenario];
  if (!run) {
    console.error(`unknown scenario ${scenario}`);
    process.exit(2);
  }
  run().then(
    async (result) => {
      process.stdout.write(JSON.stringify(result) + "\n");
      await adapter.dispose?.();
      process.exit(0);
    },
    (error) => {
      console.error(error);
      process.exit(1);
    }
  );
};

// bench/clients/ours.ts
main((baseURL) => {
  const runtime = ManagedRuntime.make(OpenAI.layer({ apiKey: "sk-bench", baseURL }));
  const run = (effect) => runtime.runPromise(effect);
  return {
    sequential: (n) => run(Effect.gen(function* () {
      for (let i = 0; i < n; i++) yield* Chat.Completions.create(chatParams);
    })),
    concurrent: (n, concurrency) => run(Effect.forEach(Array.from({ length: n }), () => Chat.Completions.create(chatParams), { concurrency, discard: true })),
    stream: (events, write) => run(Stream.runCount(Chat.Completions.createStream(chatParams, {
      headers: { "x-bench-events": String(events), "x-bench-write": write }
    }))),
    pages: (items) => run(Stream.runCount(Files.listStream({ limit: 100 }, { headers: { "x-bench-items": String(items) } }))),
    embeddings: () => run(Embeddings.create({ model: "text-embedding-3-small", input: "x" })),
    decode: (chunks) => Effect.runPromise(
      decodeStream(Stream.fromChunk(Chunk.unsafeFromArray([...chunks])), Number.POSITIVE_INFINITY, () => "too large").pipe(
        Stream.filter((item) => item._tag === "Event"),
        Stream.map((item) => JSON.parse(item.data)),
        Stream.runCount
      )
    ),
    dispose: () => runtime.dispose()
  };
});
