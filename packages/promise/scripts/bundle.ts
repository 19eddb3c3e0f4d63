/**
 * The published build of `@effect-openai/promise`: its sources, the Effect core, `effect` and `@effect/platform`
 * bundled into a few ES modules (one per entry point, with the code they share split into chunks), so that
 * importing the package loads a handful of files instead of several hundred modules. Built twice: for Node (the
 * undici transport, loaded on first request) and for every other runtime (the fetch transport).
 *
 *   tsx packages/promise/scripts/bundle.ts
 *
 * Types come from `tsc -b` (dist/*.d.ts); this writes dist/bundle/{node,web}/.
 *
 * The wildcard subpaths (`./core/*`, `./resources/*`: over a hundred modules) are not entry points of their own:
 * esbuild splits code by the set of entry points that reach it, so a hundred entries would cut the main entry into
 * a hundred chunks (measured: ~50 ms more to import). They are re-exported instead by one internal entry that
 * reaches all of them, and each subpath is a small module re-exporting its names from it. Every entry point thus
 * shares one copy of each class (`instanceof` holds across entries).
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as Esbuild from "esbuild"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const manifest = JSON.parse(Fs.readFileSync(Path.join(root, "package.json"), "utf8")) as {
  readonly exports: Record<string, Record<string, string>>
}

interface Entry {
  /** The source file. */
  readonly in: string
  /** Where it lands in the build, without extension: `index`, `streaming`, `resources/chat/completions`. */
  readonly out: string
}

const walk = (dir: string): Array<string> =>
  Fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(Path.join(dir, e.name)) : [Path.join(dir, e.name)]
  )

const sourceOf = (conditions: Record<string, string>): string => conditions["@effect-openai/source"]!

/** The entry points named exactly by the exports. */
const fixed: Array<Entry> = Object.entries(manifest.exports)
  .filter(([subpath]) => !subpath.includes("*"))
  .map(([subpath, conditions]) => ({
    in: Path.join(root, sourceOf(conditions)),
    out: subpath === "." ? "index" : subpath.slice(2)
  }))

/** Every module a wildcard export matches (`*` may span directories, as in Node's resolution). */
const matched: Array<Entry> = Object.entries(manifest.exports)
  .filter(([subpath]) => subpath.includes("*"))
  .flatMap(([subpath, conditions]) => {
    const [prefix, suffix] = sourceOf(conditions).split("*") as [string, string]
    const dir = Path.join(root, prefix)
    return walk(dir)
      .filter((file) => file.endsWith(suffix))
      .map((file) => ({
        in: file,
        out: subpath.slice(2).replace("*", Path.relative(dir, file).slice(0, -suffix.length).split(Path.sep).join("/"))
      }))
  })

const common: Esbuild.BuildOptions = {
  bundle: true,
  splitting: true,
  format: "esm",
  mainFields: ["module", "main"],
  logLevel: "warning"
}

/** The names each matched module exports at run time (types are erased), from a quick pass with packages external. */
const exportsOf = async (): Promise<Map<string, ReadonlyArray<string>>> => {
  const result = await Esbuild.build({
    ...common,
    entryPoints: matched.map((e) => e.in),
    platform: "neutral",
    conditions: ["@effect-openai/source"],
    packages: "external",
    outdir: "/",
    write: false,
    metafile: true,
    absWorkingDir: root
  })
  const names = new Map<string, ReadonlyArray<string>>()
  for (const output of Object.values(result.metafile!.outputs)) {
    if (output.entryPoint !== undefined) names.set(Path.resolve(root, output.entryPoint), output.exports)
  }
  return names
}

const alias = (index: number, name: string) => `m${index}$${name}`

const MODULES = "internal/modules"

const build = async (target: "node" | "web", names: Map<string, ReadonlyArray<string>>) => {
  const outdir = Path.join(root, "dist/bundle", target)
  const aggregate = matched
    .map((e, i) => {
      const list = names.get(e.in) ?? []
      return list.length === 0 ? "" : `export { ${list.map((n) => `${n} as ${alias(i, n)}`).join(", ")} } from ${JSON.stringify(e.in)}\n`
    })
    .join("")
  await Esbuild.build({
    ...common,
    entryPoints: [...fixed, { in: "effect-openai:modules", out: MODULES }],
    platform: target === "node" ? "node" : "neutral",
    // the workspace packages resolve to their sources
    conditions: target === "node" ? ["@effect-openai/source", "node"] : ["@effect-openai/source", "browser"],
    // undici is a dependency of its own, loaded only when the Node transport is built; zod and ws are the user's
    // (optional peers, for helpers/zod and realtime/ws), and a subpath such as `zod/v4/core` is external with it.
    // Node's built-ins stay imports: the web build reaches them only behind a dynamic `import()` on a Node-only path
    // (the Kubernetes token file's default reader).
    external: ["undici", "ws", "zod", "node:*"],
    minifySyntax: true,
    minifyWhitespace: true,
    outdir,
    outExtension: { ".js": ".mjs" },
    chunkNames: "chunks/[name]-[hash]",
    plugins: [{
      name: "modules",
      setup(b) {
        b.onResolve({ filter: /^effect-openai:modules$/ }, () => ({ path: "modules", namespace: "effect-openai" }))
        b.onLoad({ filter: /.*/, namespace: "effect-openai" }, () => ({ contents: aggregate, resolveDir: root, loader: "js" }))
      }
    }]
  })
  for (const [i, e] of matched.entries()) {
    const file = Path.join(outdir, `${e.out}.mjs`)
    const from = Path.relative(Path.dirname(file), Path.join(outdir, `${MODULES}.mjs`)).split(Path.sep).join("/")
    const list = names.get(e.in) ?? []
    Fs.mkdirSync(Path.dirname(file), { recursive: true })
    Fs.writeFileSync(
      file,
      list.length === 0
        ? "export {}\n"
        : `export { ${list.map((n) => `${alias(i, n)} as ${n}`).join(", ")} } from ${JSON.stringify(from.startsWith(".") ? from : `./${from}`)}\n`
    )
  }
}

Fs.rmSync(Path.join(root, "dist/bundle"), { recursive: true, force: true })
const names = await exportsOf()
await Promise.all([build("node", names), build("web", names)])
