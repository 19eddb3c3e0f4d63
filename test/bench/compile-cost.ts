/**
 * Compile-cost figures: a clean `tsc -b` of the repo (time, peak memory), the `.d.ts` size of
 * @effect-openai/openai, and the typecheck time of a small consumer program against the built package.
 *
 *   npx -y pnpm@10 bench:compile
 */
import { execFileSync, spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../..")
const tsc = Path.join(root, "node_modules/typescript/bin/tsc")
const runs = Number(process.env.RUNS ?? 3)

/** Runs a command under /usr/bin/time, returning wall seconds and peak RSS in MiB. */
const timed = (args: ReadonlyArray<string>, cwd: string): { seconds: number; peakMiB: number } => {
  const result = spawnSync("/usr/bin/time", ["-f", "%e %M", process.execPath, tsc, ...args], { cwd, encoding: "utf8" })
  if (result.status !== 0) throw new Error(`tsc ${args.join(" ")} failed:\n${result.stdout}\n${result.stderr}`)
  const last = result.stderr.trim().split("\n").pop()!.split(" ")
  return { seconds: Number(last[0]), peakMiB: Number(last[1]) / 1024 }
}

const clean = () => {
  for (const dir of ["packages/openai/dist", "packages/openai/.tsbuildinfo", "packages/codegen/.tsbuildinfo", ".tsbuildinfo"]) {
    Fs.rmSync(Path.join(root, dir), { recursive: true, force: true })
  }
}

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const dirSize = (dir: string, suffix: string): { bytes: number; files: number } => {
  let bytes = 0
  let files = 0
  for (const entry of Fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith(suffix)) {
      bytes += Fs.statSync(Path.join(entry.parentPath, entry.name)).size
      files++
    }
  }
  return { bytes, files }
}

const repo: Array<{ seconds: number; peakMiB: number }> = []
for (let i = 0; i < runs; i++) {
  clean()
  repo.push(timed(["-b"], root))
}
const dts = dirSize(Path.join(root, "packages/openai/dist"), ".d.ts")
const consumerDir = Path.join(root, "test/bench/consumer")
const consumer: Array<{ seconds: number; peakMiB: number }> = []
for (let i = 0; i < runs; i++) consumer.push(timed(["-p", "tsconfig.json"], consumerDir))
const version = execFileSync(process.execPath, [tsc, "--version"], { encoding: "utf8" }).trim()

console.log(`compiler: ${version}; node ${process.version}; ${runs} runs, medians`)
console.log(`repo tsc -b (clean):        ${median(repo.map((r) => r.seconds)).toFixed(2)} s, peak ${median(repo.map((r) => r.peakMiB)).toFixed(0)} MiB`)
console.log(`@effect-openai/openai .d.ts: ${(dts.bytes / 1024).toFixed(0)} KiB in ${dts.files} files`)
console.log(`consumer typecheck:          ${median(consumer.map((r) => r.seconds)).toFixed(2)} s, peak ${median(consumer.map((r) => r.peakMiB)).toFixed(0)} MiB`)
