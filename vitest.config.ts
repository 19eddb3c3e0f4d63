import { defineConfig } from "vitest/config"
import projects from "./vitest.workspace.js"

// The projects are listed in vitest.workspace.ts (the layout keeps that file); naming them in `test.projects`
// stops vitest 3.2 from loading the file itself, the deprecated path.
export default defineConfig({
  test: {
    projects,
    // Logs (the client's WARN lines on expected failures) are printed for failing tests only.
    silent: "passed-only"
  }
})
