/**
 * `scratchpad/workload-identity.ts` runs through the documented command (`pnpm scratch`) against its own local
 * stand-ins (a token file, a token endpoint, an API that accepts only exchanged tokens) and prints what both
 * surfaces got back; an OPENAI_API_KEY in the environment changes nothing.
 */
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import { runScratch } from "./support/scratch.js"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const programFile = Path.join(root, "scratchpad/workload-identity.ts")


const hello = "Hello! This is the local mock server; set OPENAI_API_KEY to talk to a real model."
const expected = [
  `effect: ${hello}`,
  `promise: ${hello}`,
  "promise stream: A stream hands you each word as soon as it exists, so you can show an answer while it is being written.",
  `promise after revocation: ${hello}`,
  // one exchange per client, one more after the revocation; the refused request was replayed once
  "token exchanges: 3, API requests let through: 4, refused: 1"
]

describe("scratchpad/workload-identity.ts", () => {
  it("runs a chat completion with workload identity on both surfaces, against local stand-ins, with or without OPENAI_API_KEY", async () => {
    const runs = await Promise.all([
      runScratch(programFile),
      runScratch(programFile, { env: { OPENAI_API_KEY: "sk-not-used", OPENAI_BASE_URL: "http://127.0.0.1:9/v1" } })
    ])
    for (const { code, stdout, stderr } of runs) {
      assert.strictEqual(code, 0, stderr)
      assert.deepStrictEqual(stdout.trim().split("\n"), expected)
    }
  })
})
