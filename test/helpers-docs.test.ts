/**
 * docs/helpers.md: every TypeScript block of the guide is (up to indentation) a part of `scratchpad/helpers.ts`,
 * which `tsc -b` checks; and that file runs through the documented command (`pnpm scratch`) against the local mock
 * server, printing what each helper gave on both surfaces.
 */
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import { assertBlocksIn } from "./support/guides.js"
import { runScratch } from "./support/scratch.js"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const programFile = Path.join(root, "scratchpad/helpers.ts")


const streamed = "A stream hands you each word as soon as it exists, so you can show an answer while it is being written."
const weather = "The tool answered: {\"city\":\"Lisbon\",\"sky\":\"clear\",\"celsius\":21}"

describe("docs/helpers.md", () => {
  it("every TypeScript block is part of scratchpad/helpers.ts", () => assertBlocksIn("docs/helpers.md", [programFile], 6))

  it("scratchpad/helpers.ts runs every helper on both surfaces against the mock server", async () => {
    const { code, stdout, stderr } = await runScratch(programFile)
    assert.strictEqual(code, 0, stderr)
    assert.deepStrictEqual(stdout.trim().split("\n"), [
      `effect stream: several deltas; final: ${streamed}`,
      "effect structured: {\"name\":\"Lisbon\",\"country\":\"Portugal\",\"population\":545000,\"nickname\":\"the city of seven hills\"}",
      `effect tool loop: ${weather}`,
      "effect steps: Request Answer ToolCallStarted ToolCallFinished ToolResults Request Answer Final",
      "effect follow-up: The local mock server got \"And its country?\" and has no real answer; set OPENAI_API_KEY to ask a real model.",
      `promise stream: several deltas; final: ${streamed}`,
      "promise parsed: {\"name\":\"Lisbon\",\"country\":\"Portugal\",\"population\":545000}",
      `promise runTools: ${weather}`
    ])
  })
})
