/**
 * `pnpm bench`: our Effect API (default transport) against the official `openai` package, side by side; then the
 * Promise facade (`@effect-openai/promise`, its published build) against the official package (section 8).
 *
 * Each scenario runs each client in its own process against the same loopback keep-alive server (also its own
 * process), alternating which goes first, `REPS` times (default 3); figures are medians. The last line is
 * `bench: K/N targets met`, N counting every row with a target. `BENCH_QUICK=1` runs one repetition of the fast
 * scenarios only (a smoke test).
 *
 * The facade is resolved as a user's project resolves it: by package name through node_modules, without the
 * source condition, so the figures are those of dist/bundle (built by `pnpm bench` before this runs). A smoke run
 * of that build (facade-smoke.ts) comes first.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as Zlib from "node:zlib"
import * as Esbuild from "esbuild"

const here = Path.dirname(fileURLToPath(import.meta.url))
const root = Path.resolve(here, "../..")
const out = Path.join(here, ".out")
const quick = process.env.BENCH_QUICK === "1"
const reps = quick ? 1 : Number(process.env.REPS ?? 3)

interface Result {
  readonly ops: number
  readonly wallMs: number
  readonly cpuUs: number
  readonly peakRssMiB: number
  readonly extra?: Record<string, unknown>
}

const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

const bundle = async (entry: string, file: string, alias?: Record<string, string>) =>
  Esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "esm",
    packages: "external",
    ...(alias ? { alias } : {}),
    outfile: Path.join(out, file),
    logLevel: "warning"
  })

const startServer = (): Promise<{ port: number; stop: () => void }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [Path.join(out, "server.mjs")], { stdio: ["ignore", "pipe", "inherit"] })
    child.stdout.once("data", (d: Buffer) => resolve({ port: Number(d.toString().trim()), stop: () => child.kill("SIGTERM") }))
    child.once("error", reject)
  })

type Who = "ours" | "official" | "facade"

const runClient = (who: Who, scenario: string, port: number): Result => {
  const r = spawnSync(process.execPath, [Path.join(out, `${who}.mjs`), scenario, String(port)], {
    cwd: here,
    encoding: "utf8",
    maxBuffer: 1 << 24,
    timeout: 600_000
  })
  if (r.status !== 0) throw new Error(`${who} ${scenario} failed (${r.status}):\n${r.stderr}`)
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Result
}

/** Results of one of our clients (`ours` = the Effect API, or the facade) and of the official client. */
type Pair = { readonly ours: ReadonlyArray<Result>; readonly official: ReadonlyArray<Result> }

const runPair = (scenario: string, port: number, who: "ours" | "facade" = "ours"): Pair => {
  const ours: Array<Result> = []
  const official: Array<Result> = []
  for (let i = 0; i < reps; i++) {
    process.stderr.write(`  ${who === "ours" ? "" : `${who} `}${scenario} ${i + 1}/${reps}\r`)
    if (i % 2 === 0) {
      ours.push(runClient(who, scenario, port))
      official.push(runClient("official", scenario, port))
    } else {
      official.push(runClient("official", scenario, port))
      ours.push(runClient(who, scenario, port))
    }
  }
  return { ours, official }
}

/**
 * Whole-process wall time of `node -e "await import(pkg)"` from this directory (the package resolved through
 * node_modules, no custom condition), median of runs, in ms; the two packages alternate.
 */
const coldStart = (ours: string, official: string): { ours: number; official: number } => {
  const time = (pkg: string) => {
    const start = performance.now()
    execFileSync(process.execPath, ["--input-type=module", "-e", `await import(${JSON.stringify(pkg)})`], { cwd: here })
    return performance.now() - start
  }
  const runs = { ours: [] as Array<number>, official: [] as Array<number> }
  for (let i = 0; i < (quick ? 3 : 15); i++) {
    if (i % 2 === 0) {
      runs.ours.push(time(ours))
      runs.official.push(time(official))
    } else {
      runs.official.push(time(official))
      runs.ours.push(time(ours))
    }
  }
  return { ours: median(runs.ours), official: median(runs.official) }
}

/** Runs the smoke check of the facade's build against the bench server; fails the bench when it fails. */
const facadeSmoke = (port: number): void => {
  const r = spawnSync(process.execPath, [Path.join(out, "facade-smoke.mjs"), String(port)], { cwd: here, encoding: "utf8", timeout: 60_000 })
  if (r.status !== 0) throw new Error(`the facade's build failed its smoke run (${r.status}):\n${r.stdout}${r.stderr}`)
  process.stderr.write(r.stdout)
}

/**
 * Minified + gzipped size of a bundled program that only creates a chat completion. Modules behind a dynamic
 * `import()` (ours: the response schemas, loaded only when responses are checked) stay out, for both packages:
 * bundlers put them in chunks of their own, which this program never loads.
 */
const bundleSize = async (entry: string, conditions?: Array<string>): Promise<number> => {
  const result = await Esbuild.build({
    entryPoints: [entry],
    ...(conditions ? { conditions } : {}),
    bundle: true,
    minify: true,
    platform: "browser",
    format: "esm",
    write: false,
    logLevel: "error",
    // Node built-ins stay external: a module that only the Node transport imports is dropped by tree-shaking
    // (the package is `sideEffects: false`), but the bundler still has to resolve its imports.
    external: ["node:*"],
    plugins: [{
      name: "dynamic-imports-apart",
      setup(build) {
        build.onResolve({ filter: /.*/ }, (args) => (args.kind === "dynamic-import" ? { path: args.path, external: true } : undefined))
      }
    }]
  })
  return Zlib.gzipSync(result.outputFiles[0]!.contents, { level: 9 }).length
}

/** Typecheck time of two consumer programs, median of runs, in ms; the two alternate. */
const typecheck = (ours: string, official: string): { ours: number; official: number } => {
  const tsc = Path.join(root, "node_modules/typescript/bin/tsc")
  const time = (dir: string) => {
    const start = performance.now()
    const r = spawnSync(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: dir, encoding: "utf8" })
    if (r.status !== 0) throw new Error(`typecheck of ${dir} failed:\n${r.stdout}${r.stderr}`)
    return performance.now() - start
  }
  const runs = { ours: [] as Array<number>, official: [] as Array<number> }
  for (let i = 0; i < (quick ? 1 : 5); i++) {
    if (i % 2 === 0) {
      runs.ours.push(time(ours))
      runs.official.push(time(official))
    } else {
      runs.official.push(time(official))
      runs.ours.push(time(ours))
    }
  }
  return { ours: median(runs.ours), official: median(runs.official) }
}

interface Row {
  readonly name: string
  readonly unit: string
  readonly ours: number
  readonly official: number
  readonly target?: { readonly id: string; readonly text: string; readonly met: boolean }
}

const fmt = (n: number): string =>
  n >= 100_000 ? n.toFixed(0) : n >= 1000 ? n.toFixed(0) : n >= 100 ? n.toFixed(1) : n >= 10 ? n.toFixed(2) : n.toFixed(3)

const main = async () => {
  Fs.mkdirSync(out, { recursive: true })
  await Promise.all([
    bundle(Path.join(here, "server.ts"), "server.mjs"),
    bundle(Path.join(here, "clients/ours.ts"), "ours.mjs"),
    bundle(Path.join(here, "clients/official.ts"), "official.mjs"),
    // The facade runs the official client's text itself: only the package it imports differs.
    bundle(Path.join(here, "clients/official.ts"), "facade.mjs", { openai: "@effect-openai/promise" }),
    bundle(Path.join(here, "facade-smoke.ts"), "facade-smoke.mjs")
  ])
  const server = await startServer()
  const rows: Array<Row> = []
  let facade: { readonly seq: Pair; readonly mem: Pair; readonly pages: Pair } | undefined
  const perOp = (p: Pair, f: (r: Result) => number) => ({ ours: median(p.ours.map(f)), official: median(p.official.map(f)) })
  const rate = (r: Result) => r.ops / (r.wallMs / 1000)
  const cpuPerOp = (r: Result) => r.cpuUs / r.ops
  const add = (name: string, unit: string, v: { ours: number; official: number }, target?: { id: string; text: string; met: (ratio: number, v: { ours: number; official: number }) => boolean }) => {
    const ratio = v.ours / v.official
    rows.push({ name, unit, ...v, ...(target ? { target: { id: target.id, text: target.text, met: target.met(ratio, v) } } : {}) })
  }
  try {
    facadeSmoke(server.port)
    const seq = runPair("sequential", server.port)
    add("1. sequential create: requests/s", "req/s", perOp(seq, rate))
    add("1. sequential create: client CPU per request", "µs", perOp(seq, cpuPerOp), { id: "T1", text: "<= 0.5x", met: (r) => r <= 0.5 })
    const conc = runPair("concurrent", server.port)
    add("1. concurrency 64: requests/s", "req/s", perOp(conc, rate), { id: "T2", text: ">= 2x", met: (r) => r >= 2 })
    add("1. concurrency 64: client CPU per request", "µs", perOp(conc, cpuPerOp))
    for (const [name, label, id] of [["mem-event", "one chunk per event", "S1"], ["mem-64", "64-byte chunks", "S2"], ["mem-16384", "16 KiB chunks", "S3"]] as const) {
      if (quick && name !== "mem-event") continue
      const p = runPair(name, server.port)
      add(`2. stream from memory, ${label}: CPU per event`, "µs", perOp(p, cpuPerOp), { id, text: "<= 0.6x", met: (r) => r <= 0.6 })
    }
    for (const [write, label] of [["64", "64-byte writes"], ["16384", "16 KiB writes"], ["event", "one write per event"]] as const) {
      if (quick && write !== "16384") continue
      const p = runPair(`sse-${write}`, server.port)
      add(`2. SSE over loopback, ${label}: events/s`, "ev/s", perOp(p, rate), write === "16384" ? { id: "T3", text: ">= 2x", met: (r) => r >= 2 } : undefined)
      add(`2. SSE over loopback, ${label}: CPU per event`, "µs", perOp(p, cpuPerOp), { id: "S6", text: "<= 0.7x", met: (r) => r <= 0.7 })
    }
    for (const size of quick ? [64] : [1, 64, 16384]) {
      const p = runPair(`decode-${size}`, server.port)
      add(`2. SSE decoder alone, ${size === 16384 ? "16 KiB" : `${size}-byte`} chunks: events/s`, "ev/s", perOp(p, rate), size === 64 ? { id: "T4", text: ">= 2x", met: (r) => r >= 2 } : undefined)
    }
    if (!quick) {
      const many = runPair("streams-1000", server.port)
      add("2. 1,000 concurrent streams x 50 events: wall time", "ms", perOp(many, (r) => r.wallMs), { id: "S4", text: "<= 1x", met: (r) => r <= 1 })
      add("2. 1,000 concurrent streams x 50 events: peak RSS growth", "MiB", perOp(many, (r) => Number(r.extra?.growthMiB)), { id: "S4", text: "<= 1x", met: (r) => r <= 1 })
    }
    const err = runPair("error-16mb", server.port)
    add("2. a 16 MB error body: peak RSS growth", "MiB", perOp(err, (r) => Number(r.extra?.growthMiB)), { id: "S5", text: "<= 16 MiB", met: (_r, v) => v.ours <= 16 })
    const pages = runPair("pages", server.port)
    add("3. pagination, 300,000 items: items/s", "items/s", perOp(pages, rate), { id: "T5", text: ">= 2x", met: (r) => r >= 2 })
    add("3. pagination: peak RSS", "MiB", perOp(pages, (r) => r.peakRssMiB))
    const emb = runPair("embeddings", server.port)
    const numbers = emb.ours.every((r) => r.extra?.numberArray === true)
    add("4. embeddings 512 x 1536 base64: ms per call", "ms", perOp(emb, (r) => r.wallMs / r.ops), { id: "T6", text: "<= 0.5x, number[]", met: (r) => r <= 0.5 && numbers })
    if (!quick) {
      const big50 = runPair("big-50", server.port)
      const big200 = runPair("big-200", server.port)
      add("5. 50 MB SSE stream: peak RSS", "MiB", perOp(big50, (r) => r.peakRssMiB))
      add("5. 200 MB SSE stream: peak RSS", "MiB", perOp(big200, (r) => r.peakRssMiB), { id: "T7", text: "<= 1x", met: (r) => r <= 1 })
      add("5. 200 MB SSE stream: RSS growth over the stream", "MiB", perOp(big200, (r) => Number(r.extra?.growthMiB)), { id: "T7", text: "<= 1x", met: (r) => r <= 1 })
    }
    // 8. The facade against the official client (the same client text, only the import changed); its rows are
    // added after section 7.
    facade = {
      seq: runPair("sequential", server.port, "facade"),
      mem: runPair("mem-event", server.port, "facade"),
      pages: runPair("pages-100k", server.port, "facade")
    }
  } finally {
    server.stop()
  }
  add("6. cold start: import the package", "ms", coldStart("@effect-openai/openai", "openai"), { id: "T8", text: "<= 1x", met: (r) => r <= 1 })
  add("6. chat-only bundle, minified + gzip", "KiB", {
    ours: (await bundleSize(Path.join(here, "bundle/ours.ts"))) / 1024,
    official: (await bundleSize(Path.join(here, "bundle/official.ts"))) / 1024
  }, { id: "T9", text: "<= 1x", met: (r) => r <= 1 })
  add("7. consumer typecheck", "ms", typecheck(Path.join(here, "consumer"), Path.join(here, "consumer-official")), { id: "T10", text: "<= 1.5x", met: (r) => r <= 1.5 })

  const { seq: fSeq, mem: fMem, pages: fPages } = facade!
  add("8. facade: sequential create: requests/s", "req/s", perOp(fSeq, rate))
  add("8. facade: sequential create: client CPU per request", "µs", perOp(fSeq, cpuPerOp), { id: "F1", text: "<= 0.5x", met: (r) => r <= 0.5 })
  add("8. facade: stream from memory, one chunk per event: CPU per event", "µs", perOp(fMem, cpuPerOp), { id: "F2", text: "<= 0.6x", met: (r) => r <= 0.6 })
  add("8. facade: pagination, 100,000 items: items/s", "items/s", perOp(fPages, rate), { id: "F3", text: ">= 2x", met: (r) => r >= 2 })
  add("8. facade: pagination: client CPU per item", "µs", perOp(fPages, cpuPerOp))
  add("8. facade: cold start: import the package (its build)", "ms", coldStart("@effect-openai/promise", "openai"), { id: "F4", text: "<= 1x", met: (r) => r <= 1 })
  const officialBundle = (await bundleSize(Path.join(here, "bundle/official.ts"))) / 1024
  // What a bundler gets by default: the prebundled web build (the `default` condition); then the sources, as a
  // bundler that asks for the workspace's source condition sees them (the facade's and the core's .ts files).
  add("8. facade: chat-only bundle (its web build), min + gzip", "KiB", {
    ours: (await bundleSize(Path.join(here, "bundle/facade.ts"))) / 1024,
    official: officialBundle
  }, { id: "F5", text: "<= 1x", met: (r) => r <= 1 })
  add("8. facade: chat-only bundle (from sources), min + gzip", "KiB", {
    ours: (await bundleSize(Path.join(here, "bundle/facade.ts"), ["@effect-openai/source"])) / 1024,
    official: officialBundle
  })
  add("8. facade: consumer typecheck (official program, import changed)", "ms", typecheck(Path.join(here, "consumer-facade"), Path.join(here, "consumer-official")), { id: "F6", text: "<= 1.5x", met: (r) => r <= 1.5 })

  const version = JSON.parse(Fs.readFileSync(Path.join(here, "../node_modules/openai/package.json"), "utf8")).version
  console.log(`\neffect-openai vs openai ${version}; node ${process.version}; ${reps} repetition(s), medians${quick ? " (quick)" : ""}\n`)
  const w = Math.max(...rows.map((r) => r.name.length))
  console.log(`${"scenario".padEnd(w)}  ${"unit".padEnd(7)} ${"ours".padStart(10)} ${"official".padStart(10)} ${"ratio".padStart(7)}  target`)
  for (const r of rows) {
    const target = r.target ? `${r.target.id} ${r.target.text}: ${r.target.met ? "met" : "MISSED"}` : ""
    console.log(`${r.name.padEnd(w)}  ${r.unit.padEnd(7)} ${fmt(r.ours).padStart(10)} ${fmt(r.official).padStart(10)} ${(r.ours / r.official).toFixed(2).padStart(6)}x  ${target}`)
  }
  const targets = rows.filter((r) => r.target)
  const met = targets.filter((r) => r.target!.met).length
  console.log(`\nbench: ${met}/${targets.length} targets met`)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
