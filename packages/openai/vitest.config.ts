import { defineProject } from "vitest/config"

export default defineProject({
  resolve: { conditions: ["@effect-openai/source"] },
  test: { name: "openai", include: ["test/**/*.test.ts"] }
})
