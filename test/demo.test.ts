/**
 * The README's demo (`pnpm demo`) runs against its built-in mock server and shows each thing it promises: a
 * completion, a stream, a listing, a typed error, a structured output decoded by a Schema, and a tool call.
 */
import { assert, describe, it } from "@effect/vitest"
import { runScratch } from "./support/scratch.js"

const demo = () => runScratch("scratchpad/demo.ts", { runner: false })

describe("pnpm demo", () => {
  it("runs every section against the mock server", async () => {
    const { code, stdout, stderr } = await demo()
    assert.strictEqual(code, 0, stderr)
    assert.strictEqual(stderr, "")
    const out = stdout.split("\n").map((line) => line.trim())
    for (
      const heading of ["1. Completion", "2. Streamed:", "3. Listing", "4. Typed error", "5. Structured output", "6. A tool call"]
    ) assert.isTrue(out.some((line) => line.startsWith(heading)), `no section "${heading}" in:\n${stdout}`)
    assert.include(stdout, "NotFoundError: 404 The model 'no-such-model' does not exist")
    assert.include(stdout, "{\"name\":\"Lisbon\",\"country\":\"Portugal\",\"population\":545000,\"nickname\":\"the city of seven hills\"}")
    assert.include(stdout, "6. A tool call (get_weather({\"city\":\"Lisbon\"})), then the answer:")
    assert.include(stdout, "The tool answered: {\"city\":\"Lisbon\",\"sky\":\"clear\",\"celsius\":21}")
  })
})
