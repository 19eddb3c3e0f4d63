import { defineProject } from "vitest/config"

// The package is resolved to its sources (the same condition as the demo), so a test run after an edit tests
// the edit, not a stale build.
const conditions = ["@effect-openai/source"]

export default defineProject({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: { name: "integration", include: ["**/*.test.ts"], exclude: ["**/node_modules/**"], testTimeout: 30_000 }
})
