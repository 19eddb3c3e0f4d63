/**
 * `scratchpad/workload-identity.ts` runs through the documented command (`pnpm scratch`) against its own local
 * stand-ins (a token file, a token endpoint, an API that accepts only exchanged tokens) and prints what both
 * surfaces got back; an OPENAI_API_KEY in the environment changes nothing.
 */
import { execFile } from "node:child_process"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const programFile = Path.join(root, "scratchpad/workload-identity.ts")

/** Runs `scratch <file>` as the root script does, with `openai` in place of the caller's OPENAI_* variables. */
const scratch = (file: string, openai: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> => {
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("OPENAI_"))), ...openai }
  const args = ["--import", "tsx", "--conditions=@effect-openai/source", "scratchpad/run.ts", file]
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: root, env, timeout: 25_000 }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr }))
  })
}

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
      scratch(programFile),
      scratch(programFile, { OPENAI_API_KEY: "sk-not-used", OPENAI_BASE_URL: "http://127.0.0.1:9/v1" })
    ])
    for (const { code, stdout, stderr } of runs) {
      assert.strictEqual(code, 0, stderr)
      assert.deepStrictEqual(stdout.trim().split("\n"), expected)
    }
  })
})
