/**
 * The Promise facade's re-export modules: the official package's `resources/**` modules that only pass on other
 * modules' names (`resources/chat` re-exports `resources/chat/index`, which names `Chat`, `Completions`,
 * `ChatCompletionMessageParam`, ...; `resources/index` gathers every resource), at the same paths, so that an
 * import path of the official package reaches the same names in the facade. A name whose module the facade does
 * not have is left out, and a module left with no names is not generated.
 */
import * as Path from "node:path"
import type { ReexportFacts, Surface } from "./facadeModel.js"
import { header } from "./shared.js"

const Posix = Path.posix

type Kind = "value" | "type"
type Exports = ReadonlyMap<string, Kind>

/** The names a generated module declares at its top level: classes are values, the rest types. */
const declaredExports = (text: string): Exports => {
  const out = new Map<string, Kind>()
  for (const m of text.matchAll(/^export (class|type|interface|declare namespace|namespace) (\w+)/gm)) {
    const [, what, name] = m as unknown as [string, string, string]
    if (what === "class") out.set(name, "value")
    else if (!out.has(name)) out.set(name, "type")
  }
  return out
}

/**
 * Every re-export module the facade can have, by path relative to `src/generated` (`resources/chat/index.ts`).
 * `modules` are the facade's declaring modules, by the same kind of path.
 */
export const emitReexports = (surface: Surface, modules: ReadonlyMap<string, string>): Map<string, string> => {
  const memo = new Map<string, Exports>()
  /** What a module exports in the facade, following `export *` as TypeScript does (a name two stars give is neither's). */
  const exportsOf = (module: string): Exports => {
    const seen = memo.get(module)
    if (seen) return seen
    memo.set(module, new Map())
    const text = modules.get(`${module}.ts`)
    const statements = surface.reexports[module]
    let out: Exports = new Map()
    if (text !== undefined && statements !== undefined) throw new Error(`${module} is both a facade module and a re-export module`)
    if (text !== undefined) out = declaredExports(text)
    else if (statements !== undefined) out = resolve(statements)
    memo.set(module, out)
    return out
  }
  const resolve = (statements: ReadonlyArray<ReexportFacts>): Exports => {
    const named = new Map<string, Kind>()
    const starred = new Map<string, Kind | "ambiguous">()
    for (const s of statements) {
      const from = exportsOf(s.from)
      if (s.names === undefined) {
        for (const [name, kind] of from) starred.set(name, starred.has(name) ? "ambiguous" : kind)
      } else {
        for (const name of s.names) {
          const kind = from.get(name)
          if (kind !== undefined) named.set(name, kind)
        }
      }
    }
    for (const [name, kind] of starred) if (kind !== "ambiguous" && !named.has(name)) named.set(name, kind)
    return named
  }

  const files = new Map<string, string>()
  for (const [module, statements] of Object.entries(surface.reexports)) {
    if (exportsOf(module).size === 0) continue
    const lines: Array<string> = []
    for (const s of statements) {
      const from = exportsOf(s.from)
      if (from.size === 0) continue
      const rel = Posix.relative(Posix.dirname(module), s.from)
      const specifier = `${rel.startsWith(".") ? rel : `./${rel}`}.js`
      if (s.names === undefined) {
        lines.push(`export * from "${specifier}"`)
        continue
      }
      const names = s.names.filter((name) => from.has(name))
      if (names.length === 0) continue
      const allTypes = names.every((name) => from.get(name) === "type")
      const parts = names.map((name) => (!allTypes && from.get(name) === "type" ? `type ${name}` : name))
      const open = `export ${allTypes ? "type " : ""}{`
      const close = `} from "${specifier}"`
      const one = `${open} ${parts.join(", ")} ${close}`
      lines.push(one.length <= 120 ? one : `${open}\n  ${parts.join(",\n  ")}\n${close}`)
    }
    const head = header(`The official SDK's \`${module}\` module: the facade's names it passes on (from packages/codegen/data).`)
    files.set(`${module}.ts`, `${head}\n${lines.join("\n")}\n`)
  }
  return files
}
