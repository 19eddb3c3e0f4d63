/**
 * Prints one closing line, `N passed, N failed` (with `, N skipped` when any), after vitest's own report, so
 * that any harness that reads the plain closing line sees the real counts.
 */
import { writeSync } from "node:fs"
import type { Reporter, TestModule } from "vitest/node"

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
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
    const line = `${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}\n`
    // Written at exit, synchronously, so it is the last line whatever the other reporters print after us.
    process.once("exit", () => writeSync(1, line))
  }
}
