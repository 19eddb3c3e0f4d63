import { defineProject } from "vitest/config"

const conditions = ["@effect-openai/source"]

export default defineProject({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: { name: "promise", include: ["test/**/*.test.ts"] }
})
