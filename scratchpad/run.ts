/**
 * Runs a TypeScript file against the package's sources: `npx -y pnpm@10 scratch scratchpad/mine.ts [args...]`.
 * Without OPENAI_API_KEY, the file talks to the built-in mock server: it is started here and named in
 * OPENAI_BASE_URL and OPENAI_API_KEY, which `OpenAI.layerConfig()` reads, so the file needs no changes to run
 * against the real API later. A failure that reaches `Effect.runPromise` unhandled is printed as `Tag: message`.
 */
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import { Cause, Option, Runtime } from "effect"
import { hasProperty } from "effect/Predicate"
import { startMockServer } from "./mock-server.js"

const [file, ...args] = process.argv.slice(2)
if (file === undefined) {
  console.error("usage: npx -y pnpm@10 scratch <file.ts> [args...]")
  process.exit(2)
}

// pnpm runs scripts from the repository root; INIT_CWD is where the command was typed.
const path = Path.resolve(process.env.INIT_CWD ?? process.cwd(), file)

if ((process.env.OPENAI_API_KEY ?? "") === "") {
  const mock = await startMockServer({ unref: true })
  process.env.OPENAI_BASE_URL = mock.url
  process.env.OPENAI_API_KEY = "sk-mock"
  console.error(`(no OPENAI_API_KEY: using the local mock server at ${mock.url})`)
}

// Node would print the FiberFailure whole, Effect's internals included; the tag and message say what went wrong.
process.on("unhandledRejection", (reason) => {
  process.exitCode = 1
  if (!Runtime.isFiberFailure(reason)) return console.error(reason)
  const cause = reason[Runtime.FiberFailureCauseId]
  const error = Option.getOrUndefined(Cause.failureOption(cause))
  console.error(hasProperty(error, "_tag") && hasProperty(error, "message") ? `${error._tag}: ${error.message}` : Cause.pretty(cause))
})

// The file sees itself as the script, with its own arguments.
process.argv = [process.argv[0], path, ...args]
await import(pathToFileURL(path).href)
