/**
 * What the Promise facade is generated from: the official SDK's surface and the alignment of its type names to
 * our `Types` (both committed data, written by `scripts/official-surface.ts`), and the match of its methods to
 * our operations through the naming table.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import type { Model, Op } from "../model.js"
import { officialAliases, officialName } from "../naming.js"

const dataDir = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../../data")

/** A name a namespace exports: a resource class, a type, or a page class; `target` says where it is declared. */
export interface ExportFacts {
  readonly name: string
  readonly kind: "class" | "type" | "page"
  /** A resource path for classes; `resource#Qualified.Name` for types; `core/pagination#Name` for the runtime's. */
  readonly target: string
}

export interface ArgFacts {
  readonly name: string
  readonly optional: boolean
  /** `resource#Name`, `string` for a path argument, `options` for request options. */
  readonly type: string
  readonly typeArgs?: string
  readonly nullable?: true
  /** Literal fields intersected with the params type (`{ encoding_format: "base64"; }`). */
  readonly intersect?: string
}

export type ReturnFacts =
  | { readonly kind: "json"; readonly type: string }
  | { readonly kind: "stream"; readonly event: string }
  | { readonly kind: "either"; readonly event: string; readonly type: string }
  | { readonly kind: "page"; readonly page: string; readonly item: string }
  | { readonly kind: "binary" }
  | { readonly kind: "void" }
  | { readonly kind: "string" }
  | { readonly kind: "other"; readonly text: string }

export interface OverloadFacts {
  readonly args: ReadonlyArray<ArgFacts>
  readonly returns: ReturnFacts
}

export interface MethodFacts {
  readonly name: string
  readonly deprecated: boolean
  readonly endpoint: string | undefined
  readonly pathVars: ReadonlyArray<string>
  readonly overloads: ReadonlyArray<OverloadFacts>
}

export interface ResourceFacts {
  readonly path: string
  /** The official module, relative to the package root (`resources/chat/completions/completions`). */
  readonly module: string
  readonly className: string
  readonly children: Readonly<Record<string, string>>
  /** The names the module declares, nested ones qualified (`ChatCompletion.Choice`); page aliases excluded. */
  readonly types: ReadonlyArray<string>
  readonly exports: ReadonlyArray<ExportFacts>
  readonly pages: Readonly<Record<string, { readonly page: string; readonly item: string }>>
  readonly methods: ReadonlyArray<MethodFacts>
  /** Declared names the official module keeps to itself but its signatures use. */
  readonly private: ReadonlyArray<string>
}

/** One statement of a re-export module: `export * from` its source, or `export { ...names } from` it. */
export interface ReexportFacts {
  /** The source module, relative to the package root without extension (`resources/chat/completions/index`). */
  readonly from: string
  /** The names passed on; absent for `export *`. */
  readonly names?: ReadonlyArray<string>
}

export interface Surface {
  readonly package: string
  readonly client: { readonly children: Readonly<Record<string, string>>; readonly exports: ReadonlyArray<ExportFacts> }
  readonly resources: Readonly<Record<string, ResourceFacts>>
  /**
   * The official modules under `resources/` that only re-export other modules (`resources/chat`,
   * `resources/chat/index`, `resources/index`), by path relative to the package root without extension.
   */
  readonly reexports: Readonly<Record<string, ReadonlyArray<ReexportFacts>>>
}

/** One official name's alignment: a type expression over `T` and `{{resource#Name}}` references to facade names. */
export interface AlignedType {
  readonly type: string
  /** Type parameters, written out (`<ParsedT>`), for the official SDK's generic types. */
  readonly params?: string
  /** `in` (a value users pass), `out` (a value the API returns), both, or none for fallbacks. */
  readonly dirs: string
  /** How it was found: anchor, walk, name, list, helper, alias, literal, helper-shape, or fallback. */
  readonly how: string
  /** Why a fallback is one. */
  readonly reason?: string
}

export interface Alignment {
  readonly package: string
  /** The resources the facade has: those with our operations, their parents, `shared`, and type-only ones. */
  readonly resources: ReadonlyArray<string>
  readonly types: Readonly<Record<string, Readonly<Record<string, AlignedType>>>>
}

/**
 * The names that fail the parity check in the direction users rely on (official params into ours, our results
 * into official annotations), by `resource#Name` and direction, with the compiler's reason.
 */
export interface Parity {
  readonly package: string
  /** `N/M`: the `out` checks that hold without undoing readonly arrays, open enums and unknown events. */
  readonly strict?: string
  readonly excluded: Readonly<Record<string, { readonly dir: string; readonly reason: string }>>
}

const readJson = <A>(name: string, fallback?: A): A => {
  const file = Path.join(dataDir, name)
  if (!Fs.existsSync(file) && fallback !== undefined) return fallback
  return JSON.parse(Fs.readFileSync(file, "utf8")) as A
}

export const loadSurface = (): Surface => readJson<Surface>("official-surface.json")
export const loadAlignment = (): Alignment => readJson<Alignment>("official-types.json")
export const loadParity = (): Parity => readJson<Parity>("official-parity.json", { package: "", excluded: {} })

/** An official method and the operation of ours that serves it. */
export interface Match {
  readonly op: Op
  readonly resource: ResourceFacts
  readonly method: MethodFacts
  /** The official method answers one response where our operation pages (the deprecated second name). */
  readonly alias: boolean
}

/** `METHOD /path/{}/...?query`, as the official facts spell endpoints. */
export const endpointKey = (op: Op): string => {
  const query = Object.keys(op.fixedQuery).length ? "?" + new URLSearchParams(op.fixedQuery).toString() : ""
  return `${op.httpMethod} ${op.path.replace(/\{[^}]+\}/g, "{}")}${query}`
}

/** Every operation of ours with the official method(s) it serves; a name the official SDK lacks stops the generator. */
export const matchOfficial = (model: Model, surface: Surface): Array<Match> => {
  const out: Array<Match> = []
  for (const op of model.ops) {
    const names: Array<readonly [readonly [string, string], boolean]> = [[officialName(op.id), false]]
    const alias = officialAliases[op.id]
    if (alias) names.push([alias, true])
    for (const [[path, name], isAlias] of names) {
      const resource = surface.resources[path]
      const method = resource?.methods.find((m) => m.name === name)
      if (!resource || !method) throw new Error(`${op.id}: the official SDK has no ${path}.${name}; fix officialNames in naming.ts`)
      out.push({ op, resource, method, alias: isAlias })
    }
  }
  return out
}
