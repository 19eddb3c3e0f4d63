/**
 * Prints one closing line, `N passed, N failed` (with `, N skipped` when any), after vitest's own report, so
 * that any harness that reads the plain closing line sees the real counts.
 *
 * Under `run-tests.ts`, which runs the suite once per Node version, `EFFECT_OPENAI_SUMMARY_FILE` is set: the
 * line is then labelled with the Node version (`node24: N passed, N failed`) and the counts are also written to
 * that file, for the runner's closing line over both runs.
 */
import { writeFileSync, writeSync } from "node:fs"
import type { Reporter, SerializedError, TestModule } from "vitest/node"

/** The counts of one run, as written to `EFFECT_OPENAI_SUMMARY_FILE`. */
export interface Summary {
  readonly node: string
  readonly passed: number
  readonly failed: number
  readonly skipped: number
  /** Errors outside any test (unhandled rejections, a crashed worker): vitest fails the run for them. */
  readonly errors: number
}

export const formatCounts = (s: { passed: number; failed: number; skipped: number }): string =>
  `${s.passed} passed, ${s.failed} failed${s.skipped > 0 ? `, ${s.skipped} skipped` : ""}`

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, errors: ReadonlyArray<SerializedError>): void {
    let passed = 0
    let failed = 0
    let skipped = 0
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state
        if (state === "passed") passed++
        else if (state === "failed") failed++
        else skipped++
      }
      if (module.state() === "failed" && module.children.size === 0) failed++
    }
    const file = process.env.EFFECT_OPENAI_SUMMARY_FILE
    const summary: Summary = { node: process.versions.node, passed, failed, skipped, errors: errors.length }
    if (file) writeFileSync(file, JSON.stringify(summary))
    const label = file ? `node${process.versions.node.split(".")[0]}: ` : ""
    const line = `${label}${formatCounts(summary)}\n`
    // Written at exit, synchronously, so it is the last line whatever the other reporters print after us.
    process.once("exit", () => writeSync(1, line))
  }
}
