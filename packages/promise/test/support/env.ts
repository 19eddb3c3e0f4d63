/**
 * Temporary changes to the process: the client's environment variables and browser globals, restored however
 * the test ends.
 */

export const ENV_NAMES = [
  "OPENAI_API_KEY",
  "OPENAI_ADMIN_KEY",
  "OPENAI_BASE_URL",
  "OPENAI_ORG_ID",
  "OPENAI_PROJECT_ID",
  "OPENAI_WEBHOOK_SECRET",
  "OPENAI_LOG"
] as const

export type EnvName = (typeof ENV_NAMES)[number]

/** Runs `f` with exactly `vars` among the client's variables (the others unset), then puts everything back. */
export const withEnv = async <A>(vars: Partial<Record<EnvName, string>>, f: () => A | Promise<A>): Promise<A> => {
  const saved = ENV_NAMES.map((name) => [name, process.env[name]] as const)
  for (const name of ENV_NAMES) delete process.env[name]
  Object.assign(process.env, vars)
  try {
    return await f()
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  }
}

/** Runs `f` with `window`, `document` and `navigator` defined as in a browser, then restores the globals. */
export const asBrowser = async <A>(f: () => A | Promise<A>): Promise<A> => {
  const names = ["window", "document", "navigator"] as const
  const saved = names.map((name) => [name, Object.getOwnPropertyDescriptor(globalThis, name)] as const)
  const document = {}
  const define = (name: string, value: unknown) =>
    Object.defineProperty(globalThis, name, { value, configurable: true, writable: true, enumerable: true })
  define("document", document)
  define("window", { document })
  define("navigator", { userAgent: "Mozilla/5.0 (test browser)" })
  try {
    return await f()
  } finally {
    for (const [name, descriptor] of saved) {
      if (descriptor === undefined) delete (globalThis as Record<string, unknown>)[name]
      else Object.defineProperty(globalThis, name, descriptor)
    }
  }
}
