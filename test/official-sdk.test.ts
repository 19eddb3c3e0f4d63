/**
 * `scratchpad/official-sdk.ts` is a program written for the official `openai` package with only its import line
 * changed. It runs against the demo's mock server through the documented command (`pnpm scratch`), and the same
 * text with `from "openai"` runs against the same server with the official package: both print the same lines,
 * except where the facade differs on purpose.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import { runScratch } from "./support/scratch.js"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const programFile = Path.join(root, "scratchpad/official-sdk.ts")
const ourImport = `from "@effect-openai/promise"`


describe("a program written for the official SDK", () => {
  const program = readFileSync(programFile, "utf8")

  it("differs from an official-SDK program only in its import line", () => {
    const importLines = program.split("\n").filter((line) => line.startsWith("import "))
    assert.deepStrictEqual(importLines, [`import OpenAI, { toFile } ${ourImport}`])
    assert.notInclude(program.replace(importLines[0]!, ""), "@effect-openai")
  })

  it("runs against the mock server with the facade, and prints what the official package prints", async () => {
    // The official package resolves from test/, so its copy of the program lives there for the run.
    const officialFile = Path.join(root, "test/.official-sdk.tmp.ts")
    writeFileSync(officialFile, program.replace(ourImport, `from "openai"`))
    try {
      const [ours, official] = await Promise.all([runScratch(programFile), runScratch(officialFile, { sources: false })])
      assert.strictEqual(ours.code, 0, ours.stderr)
      assert.strictEqual(official.code, 0, official.stderr)
      const lines = ours.stdout.trim().split("\n")
      assert.deepStrictEqual(lines, [
        "chat: Hello! This is the local mock server; set OPENAI_API_KEY to talk to a real model.",
        "chat request id present: true",
        "responses: Effect makes every failure a value you can see in the type.",
        "chat stream: A stream hands you each word as soon as it exists, so you can show an answer while it is being written.",
        "responses stream events before break: response.created, response.in_progress, response.output_item.added, " +
        "response.content_part.added, response.output_text.delta",
        "first page: 5 files, more: true",
        "all files: 23",
        "uploaded: input.jsonl 17 bytes",
        "uploaded: notes.txt 14 bytes",
        "model: gpt-4o-mini status: 200 request id present: true",
        "raw content-type: application/json",
        "error: NotFoundError 404 model_not_found request id present: true",
        "error: 400 400 you must provide a model parameter model"
      ])
      // On purpose: our errors print their class name; the official package's print `Error`.
      const officialLines = official.stdout.trim().split("\n")
      assert.deepStrictEqual(
        officialLines,
        lines.map((line) => line.replace("error: NotFoundError", "error: Error"))
      )
    } finally {
      rmSync(officialFile, { force: true })
    }
  })
})
