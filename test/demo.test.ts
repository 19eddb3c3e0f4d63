/**
 * The README's demo (`pnpm demo`) runs against its built-in mock server and shows each thing it promises: a
 * completion, a stream, a listing, a typed error, a structured output decoded by a Schema, and a tool call.
 */
import { execFile } from "node:child_process"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")

const demo = (): Promise<{ code: number; stdout: string; stderr: string }> => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("OPENAI_")))
  const args = ["--import", "tsx", "--conditions=@effect-openai/source", "scratchpad/demo.ts"]
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: root, env, timeout: 25_000 }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr }))
  })
}

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
