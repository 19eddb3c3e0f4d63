/**
 * Runs a scratchpad program as `pnpm scratch` does (through `scratchpad/run.ts`, against the local mock server
 * unless the environment names an API), in a process of its own, for the tests that check what the README and the
 * guides promise their examples print.
 */
import { execFile } from "node:child_process"
import { root } from "./guides.js"

export interface ScratchRun {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

export interface ScratchOptions {
  /** Added to the environment, from which the caller's own `OPENAI_*` variables are removed. */
  readonly env?: Readonly<Record<string, string>> | undefined
  /** Resolve the workspace packages to their sources (default); `false` for programs importing built packages. */
  readonly sources?: boolean | undefined
  /** Through `scratchpad/run.ts` (default), or the file alone (the demo starts its own mock server). */
  readonly runner?: boolean | undefined
}

export const runScratch = (file: string, options: ScratchOptions = {}): Promise<ScratchRun> => {
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("OPENAI_"))),
    ...options.env
  }
  const args = [
    "--import",
    "tsx",
    ...(options.sources === false ? [] : ["--conditions=@effect-openai/source"]),
    ...(options.runner === false ? [] : ["scratchpad/run.ts"]),
    file
  ]
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: root, env, timeout: 25_000 }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr }))
  })
}
