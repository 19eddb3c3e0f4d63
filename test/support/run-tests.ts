/**
 * The test command's vitest step: every project on the Node that runs this script (Node 20 in CI), then again on
 * Node 24, whose binary comes from the npm package `node-linux-<arch>`, installed by `pnpm install` as an
 * optional dependency of `test/node24`. Each run closes with `nodeNN: N passed, N failed`; the last line is the
 * total over both runs, and the exit code is non-zero when either run failed. Arguments are passed on to vitest.
 */
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { formatCounts, type Summary } from "./summary-reporter.js"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../..")
const vitest = Path.join(root, "node_modules/vitest/vitest.mjs")
const args = ["run", "--reporter=default", "--reporter=./test/support/summary-reporter.ts", ...process.argv.slice(2)]

/** The Node 24 binary, or why there is none to run: a platform without the package, or a missing install. */
const node24 = (): { readonly path: string } | { readonly skipped: string } | { readonly missing: string } => {
  const platform = `${process.platform}-${process.arch}`
  if (platform !== "linux-x64" && platform !== "linux-arm64") {
    return { skipped: `skipped, the npm registry has no Node 24 package for ${platform}` }
  }
  const name = `node-${platform}`
  try {
    const pkg = createRequire(Path.join(root, "test/node24/package.json")).resolve(`${name}/package.json`)
    return { path: Path.join(Path.dirname(pkg), "bin/node") }
  } catch {
    return { missing: `${name} is not installed in test/node24 (\`npx -y pnpm@10 install\` installs it)` }
  }
}

interface Run {
  readonly label: string
  readonly summary: Summary | undefined
  readonly status: number | null
}

const run = (node: string): Run => {
  const version = spawnSync(node, ["--version"], { encoding: "utf8" }).stdout.trim()
  const label = `node${version.replace(/^v/, "").split(".")[0]}`
  const shown = Path.relative(root, node).startsWith("..") ? node : Path.relative(root, node)
  process.stdout.write(`\n${label}: vitest on Node ${version} (${shown})\n`)
  const dir = mkdtempSync(Path.join(tmpdir(), "effect-openai-summary-"))
  const file = Path.join(dir, "summary.json")
  try {
    const result = spawnSync(node, [vitest, ...args], {
      cwd: root,
      stdio: "inherit",
      env: { ...process.env, EFFECT_OPENAI_SUMMARY_FILE: file }
    })
    const summary = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) as Summary : undefined
    return { label, summary, status: result.status }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const runs: Array<Run> = [run(process.execPath)]
const other = node24()
if ("path" in other) runs.push(run(other.path))
else if ("skipped" in other) process.stdout.write(`\nnode24: ${other.skipped}\n`)
else process.stdout.write(`\nnode24: ${other.missing}\n`)

// A Node 24 binary that should be there and is not counts as one failure.
const total = { passed: 0, failed: "missing" in other ? 1 : 0, skipped: 0 }
for (const { label, status, summary } of runs) {
  total.passed += summary?.passed ?? 0
  total.skipped += summary?.skipped ?? 0
  total.failed += summary?.failed ?? 0
  // A run that failed outside any test (no report, an unhandled error) counts as one failure, so that the
  // closing line never reads `0 failed` under a failing exit code.
  if (status !== 0 && (summary?.failed ?? 0) === 0) {
    total.failed++
    process.stdout.write(
      `${label}: vitest exited with ${status ?? "a signal"}` +
        (summary ? `, ${summary.errors} error(s) outside tests\n` : " before reporting its counts\n")
    )
  }
}
process.stdout.write(`${formatCounts(total)}\n`)
process.exitCode = total.failed === 0 && runs.every((r) => r.status === 0) ? 0 : 1
