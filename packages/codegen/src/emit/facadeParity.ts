/**
 * The facade's parity checks against the official SDK, for the `test` package:
 *
 * - `test/parity/official-types.ts`: type-level assertions, checked by `tsc -b`. For every aligned official name,
 *   the official type is assignable to ours where users pass values (`in`), and ours to the official one where
 *   the API returns them (`out`). Names that fail are listed, commented out, with the compiler's reason (measured
 *   by `scripts/official-surface.ts --parity` into `data/official-parity.json`).
 * - `test/parity/official-methods.ts`: the official methods as facts for the runtime test: those our spec
 *   serves with their argument layout, those out of scope with their endpoint, and the helpers.
 */
import type { Facade } from "./facade.js"
import type { Alignment, Parity, Surface } from "./facadeModel.js"

const moduleAlias = (i: number, side: "O" | "E"): string => `${side}${i}`

/** The type arguments a check instantiates a generic name with: `unknown` for parameters without a default. */
const typeArgs = (params: string | undefined): string => {
  if (params === undefined) return ""
  const entries: Array<string> = []
  let depth = 0
  let start = 1
  for (let i = 1; i < params.length; i++) {
    const c = params[i]
    if (c === "<" || c === "{" || c === "(") depth++
    else if ((c === ">" || c === "}" || c === ")") && depth > 0) depth--
    else if ((c === "," && depth === 0) || i === params.length - 1) {
      entries.push(params.slice(start, i))
      start = i + 1
    }
  }
  if (entries.every((e) => e.includes("="))) return ""
  return `<${entries.map(() => "unknown").join(", ")}>`
}

/** Every check of the type assertions, in file order: official name, direction, and the two type texts. */
export interface TypeCheck {
  readonly key: string
  readonly dir: "in" | "out"
  readonly official: string
  readonly ours: string
  /** The module aliases the check uses. */
  readonly modules: readonly [string, string]
}

/** The checks, and the imports of the modules of the checks that `keep` (all by default). */
export const typeChecks = (surface: Surface, alignment: Alignment, keep: (c: TypeCheck) => boolean = () => true): { imports: Array<string>; checks: Array<TypeCheck> } => {
  const checks: Array<TypeCheck> = []
  const modules = new Map<string, string>()
  alignment.resources.forEach((path, i) => {
    const facts = surface.resources[path]!
    const o = moduleAlias(i, "O")
    const e = moduleAlias(i, "E")
    modules.set(o, `import type * as ${o} from "openai/${facts.module}"`)
    modules.set(e, `import type * as ${e} from "../../packages/promise/src/generated/${facts.module}.js"`)
    for (const [name, a] of Object.entries(alignment.types[path] ?? {})) {
      // Fallbacks have nothing to check; names the official module keeps private cannot be imported.
      if (a.how === "fallback" || a.dirs === "" || facts.private.includes(name)) continue
      const args = typeArgs(a.params)
      for (const dir of a.dirs.split(",") as Array<"in" | "out">) {
        checks.push({ key: `${path}#${name}`, dir, official: `${o}.${name}${args}`, ours: `${e}.${name}${args}`, modules: [o, e] })
      }
    }
  })
  const used = new Set(checks.filter(keep).flatMap((c) => c.modules))
  return { imports: [...modules].filter(([alias]) => used.has(alias)).map(([, line]) => line), checks }
}

/**
 * The helper types of the checks. `Loose` undoes, for the `out` checks, the differences our types make on
 * purpose (house style), which no result of ours can hide from an official annotation: arrays are readonly,
 * response enums are open (`"a" | "b" | (string & {})`), and event unions end with `UnknownStreamEvent`. The
 * report counts the checks that hold without it too.
 */
export const prelude = [
  `import type { UnknownStreamEvent } from "@effect-openai/openai/generated/Types"`,
  "",
  "type Assignable<A, B> = [A] extends [B] ? true : false",
  "type Expect<T extends true> = T",
  "type Same<A, B> = (<G>() => G extends A ? 1 : 2) extends (<G>() => G extends B ? 1 : 2) ? true : false",
  "type Loose<T> = T extends UnknownStreamEvent ? never",
  "  : T extends ReadonlyArray<infer E> ? Array<Loose<E>>",
  "  : T extends string ? (Same<T, string & {}> extends true ? never : T)",
  "  : T extends Uint8Array | Blob ? T",
  "  : T extends object ? { -readonly [K in keyof T]: Loose<T[K]> }",
  "  : T"
]

/** A check as a type (`strict` leaves our results as they are). */
export const checkLine = (c: TypeCheck, strict = false): string =>
  c.dir === "in" ? `Expect<Assignable<${c.official}, ${c.ours}>>` : `Expect<Assignable<${strict ? c.ours : `Loose<${c.ours}>`}, ${c.official}>>`

/**
 * Every name the official `OpenAI` namespace reaches, by its path through the class namespaces
 * (`OpenAI.Beta.Threads.Runs.RunCreateParams`), for the names our facade has: the paths users write.
 */
export const namespacePaths = (surface: Surface, alignment: Alignment): Array<string> => {
  const facade = new Set(alignment.resources)
  const out: Array<string> = []
  const argsOf = (target: string): string => {
    const hash = target.indexOf("#")
    return typeArgs(alignment.types[target.slice(0, hash)]?.[target.slice(hash + 1)]?.params)
  }
  const visit = (exports: Surface["client"]["exports"], prefix: string): void => {
    for (const e of exports) {
      if (e.kind === "class") {
        if (!facade.has(e.target)) continue
        out.push(`typeof ${prefix}.${e.name}`)
        visit(surface.resources[e.target]!.exports, `${prefix}.${e.name}`)
      } else if (e.kind === "type") {
        const resource = e.target.slice(0, e.target.indexOf("#"))
        if (facade.has(resource) || resource === "internal/request-options") out.push(`${prefix}.${e.name}${argsOf(e.target)}`)
        else if (resource === "core/pagination") out.push(`${prefix}.${e.name}${/Response$/.test(e.name) ? "<{ id: string }>" : ""}`)
      } else {
        out.push(`${prefix}.${e.name}<{ id: string }>`)
      }
    }
  }
  visit(surface.client.exports.filter((e) => e.name !== "DataResidency"), "OpenAI")
  return out
}

/** The assertions file; with `probe`, every check is live (the dev script compiles it to measure failures). */
export const emitParityTypes = (surface: Surface, alignment: Alignment, parity: Parity, probe = false): string => {
  const isExcluded = (c: TypeCheck) => !probe && parity.excluded[`${c.key} ${c.dir}`] !== undefined
  const { imports, checks } = typeChecks(surface, alignment, (c) => !isExcluded(c))
  const live: Array<string> = []
  const excluded: Array<string> = []
  for (const c of checks) {
    const ex = probe ? undefined : parity.excluded[`${c.key} ${c.dir}`]
    if (ex) excluded.push(`//   ${c.key} (${c.dir}): ${ex.reason}`)
    else live.push(`  ${checkLine(c)}`)
  }
  const total = checks.length
  return [
    `// Generated by packages/codegen: the facade's types against the official SDK's (${alignment.package}), checked by tsc.`,
    "// `in`: the official type is assignable to ours (values written for the official SDK are accepted);",
    "// `out`: ours is assignable to the official type (results fit the official SDK's annotations), with readonly",
    "// arrays, open enums and unknown stream events undone (`Loose`, the house style's deliberate differences).",
    `// ${total - excluded.length} of ${total} checks hold; the ${excluded.length} that do not are listed at the end with the compiler's reason.`,
    ...(parity.strict ? [`// Without \`Loose\`, ${parity.strict} \`out\` checks hold.`] : []),
    `import type OpenAI from "@effect-openai/promise"`,
    `import type Official from "openai"`,
    ...imports,
    ...prelude,
    "",
    "export type Checks = [",
    live.join(",\n"),
    "]",
    "",
    "// The names users write through the client's namespace exist, as in the official SDK (both sides are listed).",
    "export type Names = [",
    namespacePaths(surface, alignment).flatMap((p) => [`  ${p}`, `  ${p.replace(/\bOpenAI\./, "Official.")}`]).join(",\n"),
    "]",
    "",
    ...(excluded.length
      ? [
        "// Excluded (measured by `packages/codegen/scripts/official-surface.ts --parity`; the reason is the compiler's):",
        ...excluded
      ]
      : []),
    ""
  ].join("\n")
}

/** The official methods, as facts for the runtime parity test. */
export const emitParityMethods = (surface: Surface, facade: Facade): string => {
  const served = new Map<string, number>()
  for (const m of facade.matches) {
    const count = Math.max(...m.method.overloads.map((o) => o.args.length))
    served.set(`${m.resource.path}.${m.method.name}`, count)
  }
  const inScope: Array<string> = []
  const outOfScope: Array<string> = []
  const helpers: Array<string> = []
  for (const r of Object.values(surface.resources)) {
    for (const m of r.methods) {
      const id = `${r.path}.${m.name}`
      const count = served.get(id)
      if (count !== undefined) inScope.push(`  [${JSON.stringify(r.path)}, ${JSON.stringify(m.name)}, ${count}]`)
      else if (m.endpoint === undefined) helpers.push(`  [${JSON.stringify(r.path)}, ${JSON.stringify(m.name)}]`)
      else outOfScope.push(`  [${JSON.stringify(r.path)}, ${JSON.stringify(m.name)}, ${JSON.stringify(m.endpoint)}]`)
    }
  }
  return [
    `// Generated by packages/codegen from the official SDK's facts (${surface.package}): its methods, for the runtime parity test.`,
    "",
    "/** Methods our spec serves: resource path, method, and the number of arguments of the official layout. */",
    `export const inScope: ReadonlyArray<readonly [string, string, number]> = [\n${inScope.join(",\n")}\n]`,
    "",
    "/** Methods for endpoints our spec does not have: resource path, method, endpoint. */",
    `export const outOfScope: ReadonlyArray<readonly [string, string, string]> = [\n${outOfScope.join(",\n")}\n]`,
    "",
    "/** Helpers built on other methods (`createAndPoll`, `stream`, `parse`, ...): resource path, method. */",
    `export const helpers: ReadonlyArray<readonly [string, string]> = [\n${helpers.join(",\n")}\n]`,
    ""
  ].join("\n")
}
