/**
 * The published build of `@effect-openai/promise`: its sources, the Effect core, `effect` and `@effect/platform`
 * bundled into a few ES modules (one per entry point, with the code they share split into chunks), so that
 * importing the package loads a handful of files instead of several hundred modules. Built twice: for Node (the
 * undici transport, loaded on first request) and for every other runtime (the fetch transport).
 *
 *   tsx packages/promise/scripts/bundle.ts
 *
 * Types come from `tsc -b` (dist/*.d.ts); this writes dist/bundle/{node,web}/.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as Esbuild from "esbuild"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const manifest = JSON.parse(Fs.readFileSync(Path.join(root, "package.json"), "utf8")) as {
  readonly exports: Record<string, Record<string, string>>
}

/** Every entry point of the package, from the source paths its exports name. */
const entryPoints = Object.entries(manifest.exports)
  .filter(([subpath]) => !subpath.includes("*"))
  .map(([subpath, conditions]) => ({
    in: Path.join(root, conditions["@effect-openai/source"]!),
    out: subpath === "." ? "index" : subpath.slice(2)
  }))

const build = (target: "node" | "web") =>
  Esbuild.build({
    entryPoints,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: target === "node" ? "node" : "neutral",
    mainFields: ["module", "main"],
    // the workspace packages resolve to their sources
    conditions: target === "node" ? ["@effect-openai/source", "node"] : ["@effect-openai/source", "browser"],
    // undici is a dependency of its own, loaded only when the Node transport is built
    external: ["undici"],
    minifySyntax: true,
    minifyWhitespace: true,
    outdir: Path.join(root, "dist/bundle", target),
    outExtension: { ".js": ".mjs" },
    chunkNames: "chunks/[name]-[hash]",
    logLevel: "warning"
  })

Fs.rmSync(Path.join(root, "dist/bundle"), { recursive: true, force: true })
await Promise.all([build("node"), build("web")])
