import { builtinModules } from "node:module"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import * as Esbuild from "esbuild"

const here = Path.dirname(fileURLToPath(import.meta.url))
const builtins = new Set(builtinModules)

/** An import that only Node can satisfy: a built-in, undici, or the platform's Node packages. */
const isNodeOnly = (path: string): boolean =>
  path.startsWith("node:") || builtins.has(path.split("/")[0]!) || path === "undici" || path.startsWith("undici/") ||
  path.startsWith("@effect/platform-node")

/** Bundles `source` for the browser, resolving packages by name, and lists every Node-only import met. */
const nodeImportsOf = async (
  source: string,
  conditions: Array<string>,
  { dynamicAllowed = false }: { readonly dynamicAllowed?: boolean } = {}
): Promise<Array<string>> => {
  const found: Array<string> = []
  await Esbuild.build({
    stdin: { contents: source, resolveDir: here, loader: "ts" },
    bundle: true,
    platform: "browser",
    format: "esm",
    write: false,
    logLevel: "silent",
    conditions,
    plugins: [{
      name: "node-only-imports",
      setup(build) {
        build.onResolve({ filter: /.*/ }, (args) => {
          if (!isNodeOnly(args.path)) return undefined
          // A dynamic import on a Node-only path (a default file reader) loads nothing elsewhere.
          if (!dynamicAllowed || args.kind !== "dynamic-import") found.push(`${args.path} (from ${Path.relative(here, args.importer)})`)
          return { path: args.path, external: true }
        })
      }
    }]
  })
  return found
}

const program = `
  import { Chat, OpenAI } from "@effect-openai/openai"
  import { Effect } from "effect"
  export const run = Effect.runPromise(
    Chat.Completions.create({ model: "m", messages: [] }).pipe(Effect.provide(OpenAI.layer({ apiKey: "k" })))
  )
`

describe("platforms", () => {
  it("the main entry bundles for browsers with no Node import, from sources and from the build", async () => {
    assert.deepStrictEqual(await nodeImportsOf(program, ["@effect-openai/source"]), [])
    assert.deepStrictEqual(await nodeImportsOf(`export * from "@effect-openai/openai"`, ["@effect-openai/source"]), [])
    assert.deepStrictEqual(await nodeImportsOf(program, []), [])
  })

  it("the Promise facade and its subpaths bundle for browsers with no static Node import", async () => {
    for (const entry of ["", "/auth", "/azure", "/streaming", "/helpers/zod", "/realtime/websocket", "/realtime/index"]) {
      assert.deepStrictEqual(await nodeImportsOf(`export * from "@effect-openai/promise${entry}"`, ["@effect-openai/source"], { dynamicAllowed: true }), [], entry)
    }
  })

  it("the check sees Node imports where there are some: the Node entry", async () => {
    const found = await nodeImportsOf(`export * from "@effect-openai/openai/node"`, ["@effect-openai/source"])
    assert.isTrue(found.some((line) => line.startsWith("undici")), found.join("\n"))
  })
})
