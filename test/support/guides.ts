/**
 * The check every guide's test makes: each TypeScript block of `docs/<guide>.md` is, up to indentation and blank
 * lines, a part of one of the given files, which `tsc -b` typechecks (and the tests run). A guide whose examples
 * drift from the code they show fails here.
 */
import { readFileSync } from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { assert } from "@effect/vitest"

export const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../..")

/** The lines of a text without their indentation, blank lines left out. */
const lines = (text: string): Array<string> => text.split("\n").map((line) => line.trim()).filter((line) => line !== "")

const contains = (haystack: ReadonlyArray<string>, needle: ReadonlyArray<string>): boolean =>
  haystack.some((_, start) => needle.every((line, i) => haystack[start + i] === line))

/**
 * Asserts that every ```ts block of `guide` (a path from the repository root) is part of one of `files` (paths from
 * the root, or absolute), and that the guide has at least `atLeast` of them.
 */
export const assertBlocksIn = (guide: string, files: ReadonlyArray<string>, atLeast: number): void => {
  const text = readFileSync(Path.resolve(root, guide), "utf8")
  const blocks = [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!)
  assert.isAtLeast(blocks.length, atLeast, `${guide} has fewer examples than expected`)
  const sources = files.map((file) => lines(readFileSync(Path.resolve(root, file), "utf8")))
  for (const block of blocks) {
    assert.isTrue(sources.some((source) => contains(source, lines(block))), `not in ${files.join(" or ")}:\n${block}`)
  }
}
