/**
 * Dev script: reads the official `openai` package's declaration files and writes two data files the generator
 * works from, so that the generator itself never needs the official package.
 *
 *   npx tsx packages/codegen/scripts/official-surface.ts            # surface + alignment; then `pnpm codegen`
 *   npx tsx packages/codegen/scripts/official-surface.ts --parity   # the same, then regenerates, re-measures the
 *                                                                    # parity exclusions and regenerates again
 *
 * Run it after upgrading `openai` in `test/package.json` (the official package is read from `test/node_modules`)
 * or changing the spec or the naming table. Its output is deterministic.
 *
 * - `data/official-surface.json`: facts about the official surface: per resource namespace its class, its
 *   sub-resources, the types its module declares (with nested names such as `ChatCompletion.Choice`), the names
 *   its namespace re-exports, its page aliases and each method's overloads; the top `OpenAI` namespace likewise;
 *   and the modules under `resources/` that only re-export others (`resources/chat`, `resources/chat/index`,
 *   `resources/index`), with the names each passes on. Names and shapes only, no documentation text.
 * - `data/official-types.json`: for each official type name of the resources our spec covers, a type expression
 *   over our `Types` (`T.X`, `T.X["y"][number]`, `NonNullable<...>`), found by walking the official declarations
 *   and our types in parallel from the methods' params, responses, items and events.
 * - `data/official-parity.json` (with `--parity`): the names whose official and facade types are not assignable
 *   in the direction users rely on, with the compiler's reason. The generator writes them as the commented
 *   exclusion list of the parity assertions.
 *
 * TypeScript 7 has no JS API, so this script loads TypeScript 5 from `$TYPESCRIPT5` or installs it once into a
 * temporary folder (`npm install --prefix <tmp>/effect-openai-ts5 typescript@5`).
 */
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import { createRequire } from "node:module"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as Yaml from "yaml"
import { buildModel, type Model, type Op } from "../src/model.js"
import { endpointKey, type ExportFacts, type MethodFacts, type ReexportFacts, type ReturnFacts, matchOfficial,
  type Surface } from "../src/emit/facadeModel.js"
import { applyOverlay } from "../src/overlay.js"

type Json = any
type Node = any
type Type = any
type Symbol = any

const here = Path.dirname(fileURLToPath(import.meta.url))
const repoRoot = Path.resolve(here, "../../..")
const dataDir = Path.join(here, "../data")
const officialRoot = Path.join(repoRoot, "test/node_modules/openai")
const typesFile = Path.join(repoRoot, "packages/openai/src/generated/Types.ts")

const loadTypeScript = (): Json => {
  const explicit = process.env["TYPESCRIPT5"]
  const dir = Path.join(Os.tmpdir(), "effect-openai-ts5")
  const location = explicit ?? Path.join(dir, "node_modules/typescript")
  if (!Fs.existsSync(location)) {
    console.log(`installing typescript@5 into ${dir}`)
    execFileSync("npm", ["install", "--prefix", dir, "--no-save", "--silent", "typescript@5"], { stdio: "inherit" })
  }
  return createRequire(import.meta.url)(location)
}

const ts = loadTypeScript()
const officialVersion: string = JSON.parse(Fs.readFileSync(Path.join(officialRoot, "package.json"), "utf8")).version

// ---------------------------------------------------------------------------------------------------------------
// The program: the official declarations and our generated types, in one checker.
// ---------------------------------------------------------------------------------------------------------------

const program = ts.createProgram({
  rootNames: [Path.join(officialRoot, "client.d.ts"), Path.join(officialRoot, "resources/index.d.ts"), typesFile],
  options: {
    strict: true,
    exactOptionalPropertyTypes: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
    types: [],
    skipLibCheck: true,
    noEmit: true
  }
})
const checker = program.getTypeChecker()
const sourceOf = (file: string): Node => {
  const sf = program.getSourceFile(file)
  if (!sf) throw new Error(`not in the program: ${file}`)
  return sf
}

const resolveAlias = (symbol: Symbol): Symbol =>
  symbol && symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol

const symbolAt = (node: Node): Symbol | undefined => resolveAlias(checker.getSymbolAtLocation(node))

const isExported = (node: Node): boolean => (ts.getCombinedModifierFlags(node) & ts.ModifierFlags.Export) !== 0

const relativeModule = (file: string): string => Path.relative(officialRoot, file).replace(/\.d\.ts$/, "")

// ---------------------------------------------------------------------------------------------------------------
// Resources: the class tree from the client down; each class's file is its resource's module.
// ---------------------------------------------------------------------------------------------------------------

/** A resource's facts as they are collected (`ResourceFacts` of `facadeModel.ts`, filled in place). */
interface ResourceFacts {
  readonly path: string
  readonly module: string
  readonly className: string
  readonly children: Record<string, string>
  types: Array<string>
  exports: Array<ExportFacts>
  pages: Record<string, { readonly page: string; readonly item: string }>
  methods: Array<MethodFacts>
  /** Declared names the official module does not export but its signatures use. */
  private: Array<string>
}

const resources = new Map<string, ResourceFacts>()
const resourceByClassDecl = new Map<Node, string>()
const resourceByFile = new Map<string, string>()
resourceByFile.set(Path.join(officialRoot, "resources/shared.d.ts"), "shared")

const classDeclOf = (typeNode: Node): Node | undefined => {
  if (!typeNode || !ts.isTypeReferenceNode(typeNode)) return undefined
  const symbol = symbolAt(typeNode.typeName)
  const decl = symbol?.declarations?.find((d: Node) => ts.isClassDeclaration(d))
  if (!decl) return undefined
  const base = decl.heritageClauses?.[0]?.types?.[0]?.expression?.getText()
  return base === "APIResource" ? decl : undefined
}

const collectResource = (decl: Node, path: string): void => {
  const file = decl.getSourceFile().fileName
  const children: Record<string, string> = {}
  const facts: ResourceFacts = {
    path,
    module: relativeModule(file),
    className: decl.name.text,
    children,
    types: [],
    exports: [],
    pages: {},
    methods: [],
    private: []
  }
  resources.set(path, facts)
  resourceByClassDecl.set(decl, path)
  resourceByFile.set(file, path)
  for (const member of decl.members) {
    if (!ts.isPropertyDeclaration(member) || !ts.isIdentifier(member.name)) continue
    const child = classDeclOf(member.type)
    if (!child) continue
    const childPath = `${path}.${member.name.text}`
    children[member.name.text] = childPath
    collectResource(child, childPath)
  }
}

const clientFile = sourceOf(Path.join(officialRoot, "client.d.ts"))
const clientClass = clientFile.statements.find((s: Node) => ts.isClassDeclaration(s) && s.name?.text === "OpenAI")
const topChildren: Record<string, string> = {}
for (const member of clientClass.members) {
  if (!ts.isPropertyDeclaration(member) || !ts.isIdentifier(member.name)) continue
  const child = classDeclOf(member.type)
  if (!child) continue
  topChildren[member.name.text] = member.name.text
  collectResource(child, member.name.text)
}

// ---------------------------------------------------------------------------------------------------------------
// Declared types: interfaces, aliases and the namespaces that nest their sub-types.
// ---------------------------------------------------------------------------------------------------------------

/** `resourcePath#Qualified.Name` of a declaration in a resource module, or undefined elsewhere (core, lib). */
const declKey = (decl: Node): string | undefined => {
  const resource = resourceByFile.get(decl.getSourceFile().fileName)
  if (resource === undefined) return undefined
  const names: Array<string> = [decl.name.text]
  for (let p = decl.parent; p && !ts.isSourceFile(p); p = p.parent) {
    if (ts.isModuleDeclaration(p)) names.unshift(p.name.text)
  }
  return `${resource}#${names.join(".")}`
}

/** Every named type declaration of the official resources, by key. */
const declarations = new Map<string, Node>()

const isTypeDecl = (n: Node): boolean => ts.isInterfaceDeclaration(n) || ts.isTypeAliasDeclaration(n)

const collectDeclarations = (statements: ReadonlyArray<Node>, into: Array<string>, prefix: string, classNames: Set<string>): void => {
  for (const s of statements) {
    if (isTypeDecl(s)) {
      const key = declKey(s)!
      if (!declarations.has(key)) into.push(prefix + s.name.text)
      declarations.set(key, s)
    } else if (ts.isModuleDeclaration(s) && s.body && ts.isModuleBlock(s.body) && !classNames.has(s.name.text)) {
      collectDeclarations(s.body.statements, into, `${prefix}${s.name.text}.`, new Set())
    }
  }
}

const pageClasses = new Set(["Page", "CursorPage", "ConversationCursorPage", "NextCursorPage", "TokenPage"])

for (const [file, resource] of resourceByFile) {
  const sf = sourceOf(file)
  const facts = resources.get(resource)
  const classNames = new Set<string>(
    sf.statements.filter((s: Node) => ts.isClassDeclaration(s) && s.name).map((s: Node) => s.name.text)
  )
  const types: Array<string> = []
  collectDeclarations(sf.statements.filter(isExported), types, "", classNames)
  if (facts) facts.types = types
  else resources.set(resource, { path: resource, module: relativeModule(file), className: "", children: {}, types, exports: [], pages: {}, methods: [], private: [] })
  // Page aliases: `export type FileObjectsPage = CursorPage<FileObject>`.
  for (const s of sf.statements) {
    if (!ts.isTypeAliasDeclaration(s) || !ts.isTypeReferenceNode(s.type)) continue
    const target = s.type.typeName.getText()
    if (!pageClasses.has(target) || s.type.typeArguments?.length !== 1) continue
    const item = typeRef(s.type.typeArguments[0])
    resources.get(resource)!.pages[s.name.text] = { page: target, item }
  }
  const own = resources.get(resource)!
  own.types = own.types.filter((name) => !(name in own.pages))
}

/** `resourcePath#Name` for a type reference to an official declaration; primitives and others as written. */
function typeRef(node: Node): string {
  if (ts.isUnionTypeNode(node)) return node.types.map(typeRef).join(" | ")
  if (ts.isTypeReferenceNode(node)) {
    const symbol = symbolAt(node.typeName)
    const decl = symbol?.declarations?.[0]
    if (decl && (isTypeDecl(decl) || ts.isClassDeclaration(decl))) {
      const key = declKey(decl)
      if (key && isTypeDecl(decl) && !declarations.has(key)) {
        // A type the module keeps to itself (`Base64EmbeddingResponse`) but a signature uses: declared too.
        declarations.set(key, decl)
        const facts = resources.get(key.slice(0, key.indexOf("#")))!
        facts.types.push(key.slice(key.indexOf("#") + 1))
        facts.private.push(key.slice(key.indexOf("#") + 1))
      }
      if (key) return key
      const file = relativeModule(decl.getSourceFile().fileName)
      return `${file}#${decl.name.text}`
    }
  }
  return node.getText().replace(/\s+/g, " ")
}

// ---------------------------------------------------------------------------------------------------------------
// Namespace exports: `export declare namespace Completions { export { type ChatCompletion as ChatCompletion } }`.
// ---------------------------------------------------------------------------------------------------------------

const exportsOf = (ns: Node): Array<ExportFacts> => {
  const out: Array<ExportFacts> = []
  if (!ns?.body || !ts.isModuleBlock(ns.body)) return out
  for (const s of ns.body.statements) {
    if (ts.isExportDeclaration(s) && s.exportClause && ts.isNamedExports(s.exportClause)) {
      for (const el of s.exportClause.elements) {
        const local = el.propertyName ?? el.name
        const symbol = symbolAt(local)
        const decl = symbol?.declarations?.find((d: Node) => isTypeDecl(d) || ts.isClassDeclaration(d))
        if (!decl) throw new Error(`cannot resolve export ${el.name.text} in ${ns.getSourceFile().fileName}`)
        if (ts.isClassDeclaration(decl)) {
          const path = resourceByClassDecl.get(decl)
          // A page subclass (`class EnvironmentInfosPage extends CursorPage<EnvironmentInfo>`) counts as a page.
          if (path === undefined) out.push({ name: el.name.text, kind: "page", target: `${relativeModule(decl.getSourceFile().fileName)}#${decl.name.text}` })
          else out.push({ name: el.name.text, kind: "class", target: path })
        } else {
          out.push({ name: el.name.text, kind: "type", target: declKey(decl) ?? `${relativeModule(decl.getSourceFile().fileName)}#${decl.name.text}` })
        }
      }
    } else if (ts.isImportEqualsDeclaration(s)) {
      // `export import CursorPage = Pagination.CursorPage` (the client's namespace).
      out.push({ name: s.name.text, kind: "page", target: `core/pagination#${s.moduleReference.right.text}` })
    } else if (ts.isTypeAliasDeclaration(s)) {
      // `export type ChatModel = API.ChatModel` and `export type RequestOptions = Opts.RequestOptions`.
      out.push({ name: s.name.text, kind: "type", target: typeRef(s.type) })
    }
  }
  return out
}

for (const facts of resources.values()) {
  if (!facts.className) continue
  const sf = sourceOf(Path.join(officialRoot, facts.module + ".d.ts"))
  const ns = sf.statements.find((s: Node) => ts.isModuleDeclaration(s) && s.name.text === facts.className)
  facts.exports = exportsOf(ns)
}
const clientNamespace = clientFile.statements.find((s: Node) => ts.isModuleDeclaration(s) && s.name.text === "OpenAI")
const clientExports = exportsOf(clientNamespace)

// ---------------------------------------------------------------------------------------------------------------
// Methods: overloads from the declarations, endpoints from the implementation.
// ---------------------------------------------------------------------------------------------------------------

const jsSource = new Map<string, Node>()
const parseJs = (file: string): Node => {
  let sf = jsSource.get(file)
  if (!sf) {
    sf = ts.createSourceFile(file, Fs.readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS)
    jsSource.set(file, sf)
  }
  return sf
}

const verbs = new Set(["get", "post", "put", "patch", "delete", "getAPIList"])

/** The first `<client>.<verb>(path, ...)` call under a node: `this._client` in methods, a parameter in helpers. */
const findCall = (node: Node, isClient: (e: Node) => boolean): { verb: string; template: string; vars: Array<string> } | undefined => {
  let found: { verb: string; template: string; vars: Array<string> } | undefined
  const visit = (n: Node): void => {
    if (found) return
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && verbs.has(n.expression.name.text) && isClient(n.expression.expression)) {
      const arg = n.arguments[0]
      let template: string | undefined
      const vars: Array<string> = []
      if (arg && ts.isStringLiteral(arg)) template = arg.text
      else if (arg && ts.isTaggedTemplateExpression(arg)) {
        const t = arg.template
        if (ts.isNoSubstitutionTemplateLiteral(t)) template = t.text
        else {
          template = t.head.text
          for (const span of t.templateSpans) {
            vars.push(span.expression.getText())
            template += "{}" + span.literal.text
          }
        }
      }
      if (template !== undefined) {
        let verb = n.expression.name.text
        if (verb === "getAPIList") {
          const m = /method:\s*'(\w+)'/.exec(n.getText())
          verb = m ? m[1]! : "get"
        }
        found = { verb: verb.toUpperCase(), template, vars }
        return
      }
    }
    ts.forEachChild(n, visit)
  }
  visit(node)
  return found
}

const isThisClient = (e: Node): boolean => e.getText() === "this._client"

const endpointOf = (jsFile: string, className: string, method: string): { endpoint: string; vars: Array<string> } | undefined => {
  const sf = parseJs(jsFile)
  const cls = sf.statements.find((s: Node) => ts.isClassDeclaration(s) && s.name?.text === className)
  const m = cls?.members.find((x: Node) => ts.isMethodDeclaration(x) && x.name.getText() === method && x.body)
  if (!m) return undefined
  let call = findCall(m.body, isThisClient)
  if (!call) {
    // A helper called with `this._client` (embeddings): follow it into its module.
    let helper: string | undefined
    const visit = (n: Node): void => {
      if (helper) return
      if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.arguments.some(isThisClient)) helper = n.expression.text
      ts.forEachChild(n, visit)
    }
    visit(m.body)
    if (helper) {
      const imp = sf.statements.find((s: Node) =>
        ts.isImportDeclaration(s) && s.importClause?.namedBindings && ts.isNamedImports(s.importClause.namedBindings) &&
        s.importClause.namedBindings.elements.some((e: Node) => e.name.text === helper))
      if (imp) {
        const hf = parseJs(Path.resolve(Path.dirname(jsFile), imp.moduleSpecifier.text))
        const fn = hf.statements.find((s: Node) => ts.isFunctionDeclaration(s) && s.name?.text === helper)
        const param = fn?.parameters[0]?.name.getText()
        if (fn && param) call = findCall(fn.body, (e) => e.getText() === param)
      }
    }
  }
  if (!call) return undefined
  const endpoint = `${call.verb} ${call.template}`
  return { endpoint, vars: call.vars }
}

const isDeprecated = (node: Node): boolean => ts.getJSDocTags(node).some((t: Node) => t.tagName.text === "deprecated")

/** A parameter's type as the facts record it: the named type (ignoring the `{ [K in ...]?: never }` guard). */
const argType = (node: Node | undefined): { type: string; typeArgs?: string; nullable?: true; intersect?: string } => {
  if (!node) return { type: "unknown" }
  let n = node
  while (ts.isParenthesizedTypeNode(n)) n = n.type
  if (ts.isUnionTypeNode(n)) {
    const named = n.types.filter((t: Node) => !isNullish(t))
    const nullable = n.types.some((t: Node) => t.kind === ts.SyntaxKind.NullKeyword || (ts.isLiteralTypeNode(t) && t.literal.kind === ts.SyntaxKind.NullKeyword))
    if (named.length === 1) return { ...argType(named[0]), ...(nullable ? { nullable: true as const } : {}) }
  }
  if (ts.isIntersectionTypeNode(n)) {
    // `EmbeddingCreateParams & { encoding_format: 'base64' }`: the params and the literal fields that pick the overload.
    // The `{ [K in 'method' | ...]?: never }` guard that keeps request options out of params is not kept.
    const literals = n.types.slice(1).filter((t: Node) => ts.isTypeLiteralNode(t) && t.members.every((m: Node) => ts.isPropertySignature(m)))
    const rest = literals.map((t: Node) => t.getText().replace(/'/g, '"').replace(/\s+/g, " ")).join(" & ")
    return { ...argType(n.types[0]), ...(rest ? { intersect: rest } : {}) }
  }
  if (n.kind === ts.SyntaxKind.StringKeyword) return { type: "string" }
  if (ts.isTypeReferenceNode(n)) {
    const ref = typeRef(n)
    if (ref.endsWith("#RequestOptions")) return { type: "options" }
    return n.typeArguments ? { type: ref.replace(/<.*$/, ""), typeArgs: n.typeArguments.map((a: Node) => a.getText()).join(", ") } : { type: ref }
  }
  if (ts.isTypeLiteralNode(n) || ts.isMappedTypeNode(n)) return { type: "options" }
  return { type: n.getText() }
}

function isNullish(n: Node): boolean {
  return n.kind === ts.SyntaxKind.UndefinedKeyword || n.kind === ts.SyntaxKind.NullKeyword ||
    (ts.isLiteralTypeNode(n) && n.literal.kind === ts.SyntaxKind.NullKeyword)
}

const returnOf = (node: Node): ReturnFacts => {
  if (!ts.isTypeReferenceNode(node)) return { kind: "other", text: node.getText() }
  const name = node.typeName.getText()
  const args = node.typeArguments ?? []
  if (name === "PagePromise") return { kind: "page", page: typeRef(args[0]), item: typeRef(args[1]) }
  if (name !== "APIPromise") return { kind: "other", text: node.getText() }
  const inner = args[0]
  if (inner.kind === ts.SyntaxKind.VoidKeyword) return { kind: "void" }
  if (inner.kind === ts.SyntaxKind.StringKeyword) return { kind: "string" }
  const parts = ts.isUnionTypeNode(inner) ? inner.types : [inner]
  let event: string | undefined
  let type: string | undefined
  for (const p of parts) {
    if (ts.isTypeReferenceNode(p) && p.typeName.getText() === "Stream") event = typeRef(p.typeArguments[0])
    else if (ts.isTypeReferenceNode(p) && p.typeName.getText() === "Response" && !symbolAt(p.typeName)?.declarations?.some((d: Node) => declKey(d))) {
      type = "binary"
    } else type = type === undefined ? typeRef(p) : `${type} | ${typeRef(p)}`
  }
  if (type === "binary" && !event) return { kind: "binary" }
  if (event && type) return { kind: "either", event, type }
  if (event) return { kind: "stream", event }
  return { kind: "json", type: type! }
}

for (const facts of resources.values()) {
  if (!facts.className) continue
  const sf = sourceOf(Path.join(officialRoot, facts.module + ".d.ts"))
  const cls = sf.statements.find((s: Node) => ts.isClassDeclaration(s) && s.name?.text === facts.className)
  const byName = new Map<string, Array<Node>>()
  for (const m of cls.members) {
    if (!ts.isMethodDeclaration(m) || !ts.isIdentifier(m.name)) continue
    if (m.modifiers?.some((x: Node) => x.kind === ts.SyntaxKind.PrivateKeyword || x.kind === ts.SyntaxKind.ProtectedKeyword)) continue
    const list = byName.get(m.name.text) ?? []
    list.push(m)
    byName.set(m.name.text, list)
  }
  for (const [name, decls] of byName) {
    const found = endpointOf(Path.join(officialRoot, facts.module + ".mjs"), facts.className, name)
    const overloads = decls.map((d) => ({
      args: d.parameters.map((p: Node) => ({ name: p.name.getText(), optional: !!p.questionToken, ...argType(p.type) })),
      returns: returnOf(d.type)
    }))
    facts.methods.push({ name, deprecated: decls.every(isDeprecated), endpoint: found?.endpoint, pathVars: found?.vars ?? [], overloads })
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Surface facts out.
// ---------------------------------------------------------------------------------------------------------------

const sortedObject = <V>(o: Record<string, V>): Record<string, V> =>
  Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)))

// ---------------------------------------------------------------------------------------------------------------
// Re-export modules: the `resources/**` files that only pass on other modules' names (`resources/chat.d.ts`,
// `resources/chat/index.d.ts`, `resources/index.d.ts`), each statement's source module and names in order.
// ---------------------------------------------------------------------------------------------------------------

const declarationFiles = (dir: string): Array<string> =>
  Fs.readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => e.isDirectory() ? declarationFiles(Path.join(dir, e.name)) : e.name.endsWith(".d.ts") ? [Path.join(dir, e.name)] : [])

const reexportsOf = (file: string): Array<ReexportFacts> | undefined => {
  const sf = ts.createSourceFile(file, Fs.readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true)
  const out: Array<ReexportFacts> = []
  for (const statement of sf.statements) {
    if (!ts.isExportDeclaration(statement) || statement.moduleSpecifier === undefined) return undefined
    const specifier: string = statement.moduleSpecifier.text
    const from = Path.posix.join(Path.posix.dirname(relativeModule(file)), specifier.replace(/\.js$/, ""))
    const clause = statement.exportClause
    if (clause === undefined) out.push({ from })
    else if (ts.isNamedExports(clause)) {
      for (const element of clause.elements) {
        if (element.propertyName !== undefined) throw new Error(`${relativeModule(file)}: a renaming re-export (${element.getText()})`)
      }
      out.push({ from, names: clause.elements.map((element: Node) => element.name.text) })
    } else throw new Error(`${relativeModule(file)}: a namespace re-export (${statement.getText()})`)
  }
  return out.length > 0 ? out : undefined
}

const reexports: Record<string, ReadonlyArray<ReexportFacts>> = {}
for (const file of declarationFiles(Path.join(officialRoot, "resources")).sort()) {
  const statements = reexportsOf(file)
  if (statements) reexports[relativeModule(file)] = statements
}

const surface = {
  package: `openai@${officialVersion}`,
  client: { children: topChildren, exports: clientExports },
  resources: sortedObject(Object.fromEntries([...resources].map(([k, v]) => [k, v]))),
  reexports: sortedObject(reexports)
}

// The second half (alignment) needs the model; it is kept in this file so one run refreshes both.
const spec = Yaml.parse(Fs.readFileSync(Path.join(repoRoot, "../shared/openapi/openapi.yaml"), "utf8"), { maxAliasCount: -1 })
applyOverlay(spec)
const model: Model = buildModel(spec)

Fs.mkdirSync(dataDir, { recursive: true })
Fs.writeFileSync(Path.join(dataDir, "official-surface.json"), JSON.stringify(surface, null, 1) + "\n")
console.log(
  `official-surface: ${resources.size} resources, ${[...resources.values()].reduce((n, r) => n + r.methods.length, 0)} methods, ` +
    `${declarations.size} declared types`
)

// ---------------------------------------------------------------------------------------------------------------
// Official methods and our operations, matched by the naming table and checked by endpoint.
// ---------------------------------------------------------------------------------------------------------------

// The facts just collected are the surface the generator reads; matching is the generator's own.
const matches = matchOfficial(model, surface as Surface).map((m) => ({ ...m, resource: resources.get(m.resource.path)! }))
const endpointDifferences: Array<string> = []
const matchedMethods = new Set<MethodFacts>()
for (const { op, resource, method } of matches) {
  if (method.endpoint !== endpointKey(op)) endpointDifferences.push(`${resource.path}.${method.name}: ours ${endpointKey(op)}, official ${method.endpoint}`)
  matchedMethods.add(method)
}
const outOfScope: Array<string> = []
const helpers: Array<string> = []
for (const r of resources.values()) {
  for (const m of r.methods) {
    if (matchedMethods.has(m)) continue
    if (m.endpoint === undefined) helpers.push(`${r.path}.${m.name}`)
    else outOfScope.push(`${r.path}.${m.name} (${m.endpoint})`)
  }
}
console.log(`matched ${matches.length} methods; ${outOfScope.length} official methods out of scope, ${helpers.length} helpers`)
if (endpointDifferences.length) console.log(`endpoints that differ:\n  ${endpointDifferences.join("\n  ")}`)

const camel = (s: string): string => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())
// The official layout: the last path parameter is positional, the others travel in params by their spec names.
for (const { op, resource, method } of matches) {
  const last = op.pathParams[op.pathParams.length - 1]
  for (const o of method.overloads) {
    const strings = o.args.filter((a) => a.type === "string").map((a) => a.name.toLowerCase())
    if (strings.length !== (last ? 1 : 0) || (last && strings[0] !== camel(last).toLowerCase())) {
      throw new Error(`${resource.path}.${method.name}: official arguments ${o.args.map((a) => a.name).join(", ")} do not take ${last} first`)
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Alignment: official names to expressions over our `Types`, by walking both structures in parallel.
// ---------------------------------------------------------------------------------------------------------------

type Direction = "in" | "out"

/** Our side of a walk: a type expression over `T`, its type, and our syntax for it when known. */
interface Ours {
  readonly expr: string
  readonly type: Type
  readonly node?: Node
}

interface Alignment {
  expr: string
  readonly dirs: Set<Direction>
  /** How the name was found: `anchor` (a method's params, response, item or event), `walk`, `name`, `alias`. */
  readonly how: string
  ours: Ours | undefined
}

const typesSource = sourceOf(typesFile)
const aligned = new Map<string, Alignment>()

const nullish = (t: Type): boolean => (t.flags & (ts.TypeFlags.Null | ts.TypeFlags.Undefined | ts.TypeFlags.Void)) !== 0
const nonNull = (t: Type): Type => checker.getNonNullableType(t)
const membersOf = (t: Type): Array<Type> => (t.flags & ts.TypeFlags.Union ? t.types : [t]).filter((m: Type) => !nullish(m))
const unparen = (n: Node): Node => {
  while (n && ts.isParenthesizedTypeNode(n)) n = n.type
  return n
}
const paren = (expr: string): string => {
  let depth = 0
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i]
    if (c === "<" || c === "(" || c === "[" || c === "{") depth++
    else if (c === ">" || c === ")" || c === "]" || c === "}") depth--
    else if (depth === 0 && (c === "|" || c === "&")) return `(${expr})`
  }
  return expr
}

/** A top-level declaration of our `Types.ts` that a type node names, skipping `| null`. */
const namedOurs = (node: Node | undefined): Ours | undefined => {
  let n = unparen(node)
  if (n && ts.isUnionTypeNode(n)) {
    const rest = n.types.filter((m: Node) => !isNullish(m))
    if (rest.length !== 1) return undefined
    n = unparen(rest[0])
  }
  if (!n || !ts.isTypeReferenceNode(n) || n.typeArguments) return undefined
  const symbol = symbolAt(n.typeName)
  const decl = symbol?.declarations?.[0]
  if (!decl || decl.getSourceFile() !== typesSource || !ts.isSourceFile(decl.parent)) return undefined
  if (ts.isInterfaceDeclaration(decl)) return { expr: `T.${decl.name.text}`, type: checker.getTypeAtLocation(decl.name), node: n }
  const declared = checker.getTypeFromTypeNode(n)
  const type = nonNull(declared)
  return { expr: type === declared ? `T.${decl.name.text}` : `NonNullable<T.${decl.name.text}>`, type, node: n }
}

/** Our syntax with aliases followed: the node a union's members are read from. */
const ourSyntax = (node: Node | undefined): Node | undefined => {
  let n = unparen(node)
  for (let i = 0; i < 10 && n && ts.isTypeReferenceNode(n); i++) {
    const decl = symbolAt(n.typeName)?.declarations?.[0]
    if (!decl || !ts.isTypeAliasDeclaration(decl) || decl.getSourceFile() !== typesSource) return n
    n = unparen(decl.type)
  }
  return n
}

const ourTopType = (name: string): Ours => {
  const symbol = checker.getExportsOfModule(checker.getSymbolAtLocation(typesSource)).find((s: Symbol) => s.name === name)
  if (!symbol) throw new Error(`Types.ts declares no ${name}`)
  const decl = symbol.declarations[0]
  const type = checker.getTypeAtLocation(decl.name)
  return { expr: `T.${name}`, type, node: ts.isTypeAliasDeclaration(decl) ? decl.type : undefined }
}

const propertyOf = (ours: Ours, name: string): Ours | undefined => {
  const symbol = checker.getPropertyOfType(ours.type, name)
  if (!symbol) return undefined
  const declared = checker.getTypeOfSymbol(symbol)
  const stripped = nonNull(declared)
  const optional = (symbol.flags & ts.SymbolFlags.Optional) !== 0
  const base = `${paren(ours.expr)}[${JSON.stringify(name)}]`
  const typeNode = symbol.valueDeclaration?.type
  const named = namedOurs(typeNode)
  if (named) return named
  return { expr: optional || stripped !== declared ? `NonNullable<${base}>` : base, type: stripped, node: typeNode }
}

const isArrayish = (t: Type): boolean => checker.isArrayType(t) || checker.isTupleType(t)

const elementOf = (ours: Ours): Ours | undefined => {
  let expr = ours.expr
  let type = ours.type
  let node = ourSyntax(ours.node)
  if (!isArrayish(type)) {
    const arrays = membersOf(type).filter(isArrayish)
    if (arrays.length !== 1) return undefined
    type = arrays[0]
    expr = `Extract<${expr}, ReadonlyArray<unknown>>`
    node = node && ts.isUnionTypeNode(node) ? node.types.find((m: Node) => ts.isArrayTypeNode(unparen(m)) || (ts.isTypeReferenceNode(unparen(m)) && /Array$/.test(unparen(m).typeName.getText()))) : undefined
  }
  const element = checker.getTypeArguments(type)[0]
  if (!element) return undefined
  node = unparen(node)
  const elementNode = node && ts.isTypeReferenceNode(node) ? node.typeArguments?.[0] : node && ts.isArrayTypeNode(node) ? node.elementType : undefined
  const named = namedOurs(elementNode)
  if (named) return named
  const stripped = nonNull(element)
  const base = `${paren(expr)}[number]`
  return { expr: stripped !== element ? `NonNullable<${base}>` : base, type: stripped, node: elementNode }
}

/** The string literal values of a property, when all of its members are literals. */
const literalsOf = (t: Type | undefined): Set<string> | undefined => {
  if (!t) return undefined
  const out = new Set<string>()
  for (const m of membersOf(t)) {
    if (m.flags & ts.TypeFlags.StringLiteral) out.add(m.value)
    else return undefined
  }
  return out.size ? out : undefined
}

const propType = (t: Type, name: string): Type | undefined => {
  const symbol = checker.getPropertyOfType(t, name)
  return symbol ? checker.getTypeOfSymbol(symbol) : undefined
}

const isRequired = (t: Type, name: string): boolean => {
  const symbol = checker.getPropertyOfType(t, name)
  return !!symbol && (symbol.flags & ts.SymbolFlags.Optional) === 0
}

const isObjectish = (t: Type): boolean => {
  if (t.flags & ts.TypeFlags.Union) return membersOf(t).every(isObjectish)
  if (t.flags & ts.TypeFlags.Intersection) return t.types.every(isObjectish)
  return (t.flags & ts.TypeFlags.Object) !== 0 && !isArrayish(t)
}

/** An enum: literals, with `string` or `string & {}` when open. */
const isEnumLike = (t: Type): boolean => {
  const members = membersOf(t)
  return members.some((m) => m.flags & ts.TypeFlags.StringLiteral) &&
    members.every((m) => m.flags & (ts.TypeFlags.StringLiteral | ts.TypeFlags.String) || (m.flags & ts.TypeFlags.Intersection && m.types.some((x: Type) => x.flags & ts.TypeFlags.String)))
}

/** How well one of our union members fits an official member: discriminants first, then shared property names. */
const fitness = (official: Type, ours: Type): number => {
  const officialMembers = membersOf(official)
  const ourUnion = membersOf(ours)
  if (officialMembers.length > 1 && !literalsOf(official)) {
    // A named union inside a union: the best fit of any of its members.
    return Math.max(...officialMembers.map((m) => fitness(m, ours))) - 1
  }
  if (ourUnion.length > 1 && !literalsOf(ours) && !(ours.flags & ts.TypeFlags.Boolean)) {
    return Math.max(...ourUnion.map((m) => fitness(official, m))) - 1
  }
  if (isArrayish(official)) {
    if (!isArrayish(ours)) return -1000
    const a = checker.getTypeArguments(official)[0]
    const b = checker.getTypeArguments(ours)[0]
    return a && b ? 10 + fitness(a, b) / 100 : 10
  }
  const primitive = ts.TypeFlags.String | ts.TypeFlags.Number | ts.TypeFlags.Boolean
  if (official.flags & primitive && (official.flags & primitive) === (ours.flags & primitive)) return 10
  if (!isObjectish(official) || !isObjectish(ours)) {
    const a = literalsOf(official)
    const b = literalsOf(ours)
    if (a && b) return (10 * [...a].filter((x) => b.has(x)).length) / Math.max(a.size, 1)
    return -1000
  }
  let score = 0
  const officialProps = checker.getPropertiesOfType(official).map((p: Symbol) => p.name)
  const ourProps = new Set(checker.getPropertiesOfType(ours).map((p: Symbol) => p.name))
  for (const name of officialProps) {
    const lits = literalsOf(propType(official, name))
    if (!lits || lits.size !== 1 || !ourProps.has(name)) continue
    const theirs = literalsOf(propType(ours, name))
    if (!theirs) continue
    if ([...lits].every((l) => theirs.has(l))) score += 20
    else return -1000
  }
  const shared = officialProps.filter((n: string) => ourProps.has(n)).length
  const union = new Set([...officialProps, ...ourProps]).size
  return score + (union ? (10 * shared) / union : 0)
}

/** An expression for one member of our union, when its name or a property picks it out. */
const selectMember = (ours: Ours, members: ReadonlyArray<Type>, member: Type): string | undefined => {
  const named = nameOfType(member)
  if (named) return named
  if (isArrayish(member)) {
    const arrays = members.filter(isArrayish)
    if (arrays.length === 1) return `Extract<${ours.expr}, ReadonlyArray<unknown>>`
    const el = checker.getTypeArguments(member)[0]
    const kind = (m: Type) => (isObjectish(checker.getTypeArguments(m)[0]) ? "object" : "other")
    if (arrays.filter((m) => kind(m) === kind(member)).length !== 1) return undefined
    if (kind(member) === "object") return `Extract<${ours.expr}, ReadonlyArray<object>>`
    return el.flags & ts.TypeFlags.StringLike ? `Exclude<Extract<${ours.expr}, ReadonlyArray<unknown>>, ReadonlyArray<object>>` : undefined
  }
  if (!isObjectish(member)) return undefined
  const picks = (shape: (m: Type) => boolean): boolean => members.filter(shape).length === 1 && shape(member)
  for (const p of checker.getPropertiesOfType(member)) {
    const lits = literalsOf(propType(member, p.name))
    if (!lits || lits.size !== 1 || !isRequired(member, p.name)) continue
    const [lit] = [...lits]
    const fits = (m: Type) => isObjectish(m) && isRequired(m, p.name) && [...(literalsOf(propType(m, p.name)) ?? [])].every((x) => x === lit) && !!literalsOf(propType(m, p.name))
    if (picks(fits)) return `Extract<${ours.expr}, { readonly ${p.name}: ${JSON.stringify(lit)} }>`
  }
  for (const p of checker.getPropertiesOfType(member)) {
    if (!isRequired(member, p.name)) continue
    if (picks((m) => isObjectish(m) && isRequired(m, p.name))) return `Extract<${ours.expr}, { readonly ${p.name}: unknown }>`
  }
  if (picks(isObjectish)) return `Extract<${ours.expr}, object>`
  return undefined
}

/** `T.Name` for a type our `Types.ts` declares at the top, by its interface or alias symbol. */
const nameOfType = (t: Type): string | undefined => {
  const alias = t.aliasSymbol
  if (alias && !t.aliasTypeArguments) {
    const decl = alias.declarations?.[0]
    if (decl && decl.getSourceFile() === typesSource && ts.isSourceFile(decl.parent)) return `T.${alias.name}`
  }
  const symbol = t.symbol
  const decl = symbol?.declarations?.[0]
  if (decl && ts.isInterfaceDeclaration(decl) && decl.getSourceFile() === typesSource && ts.isSourceFile(decl.parent)) return `T.${symbol.name}`
  return undefined
}

/** Our union's members, named where our syntax names them. */
const ourMembers = (ours: Ours): Array<Ours> => {
  const out: Array<Ours> = []
  const syntax = ourSyntax(ours.node)
  if (syntax && ts.isUnionTypeNode(syntax)) {
    for (const m of syntax.types) {
      if (isNullish(m)) continue
      const named = namedOurs(m)
      if (named) {
        out.push(named)
        // A named union's own members are candidates too.
        const inner = ourSyntax(named.node)
        if (inner && ts.isUnionTypeNode(inner)) out.push(...ourMembers(named))
      }
    }
  }
  const types = membersOf(ours.type)
  for (const t of types) {
    if (out.some((o) => o.type === t)) continue
    const expr = selectMember(ours, types, t)
    if (expr) out.push({ expr, type: t })
  }
  return out
}

const queue: Array<() => void> = []

const record = (decl: Node, ours: Ours, dir: Direction, how: string, walk = true): void => {
  const key = declKey(decl)
  if (key === undefined) return
  const seen = aligned.get(key)
  if (seen) {
    if (seen.dirs.has(dir)) return
    seen.dirs.add(dir)
    if (seen.ours) queue.push(() => walkDecl(decl, seen.ours!, dir))
    return
  }
  aligned.set(key, { expr: ours.expr, dirs: new Set([dir]), how, ours: walk ? ours : undefined })
  if (walk) queue.push(() => walkDecl(decl, ours, dir))
}

const weak: Array<() => void> = []
const drain = (): void => {
  do {
    for (let i = 0; i < queue.length; i++) queue[i]!()
    queue.length = 0
    const deferred = weak.splice(0)
    for (const f of deferred) f()
  } while (queue.length > 0)
}

const walkDecl = (decl: Node, ours: Ours, dir: Direction): void => {
  if (ts.isInterfaceDeclaration(decl)) {
    // A base (`ChatCompletionStoreMessage extends ChatCompletionMessage`) takes the derived type of ours only if
    // nothing else aligns it: ours has the derived type's extra fields.
    for (const clause of decl.heritageClauses ?? []) {
      for (const h of clause.types) {
        const base = symbolAt(h.expression)?.declarations?.find(isTypeDecl)
        if (base) weak.push(() => record(base, ours, dir, "walk"))
      }
    }
    walkMembers(decl.members, ours, dir)
  } else if (ts.isTypeAliasDeclaration(decl)) {
    walkType(decl.type, ours, dir)
  }
}

const walkMembers = (members: ReadonlyArray<Node>, ours: Ours, dir: Direction): void => {
  for (const m of members) {
    if (!ts.isPropertySignature(m) || !m.type) continue
    const name = ts.isIdentifier(m.name) || ts.isStringLiteral(m.name) ? m.name.text : undefined
    if (name === undefined) continue
    const prop = propertyOf(ours, name)
    if (prop) walkType(m.type, prop, dir)
  }
}

const walkType = (node: Node, ours: Ours, dir: Direction): void => {
  const n = unparen(node)
  if (ts.isUnionTypeNode(n)) return walkUnion(n, ours, dir)
  if (ts.isIntersectionTypeNode(n)) {
    for (const m of n.types) walkType(m, ours, dir)
    return
  }
  if (ts.isArrayTypeNode(n)) {
    const el = elementOf(ours)
    if (el) walkType(n.elementType, el, dir)
    return
  }
  if (ts.isTypeLiteralNode(n)) return walkMembers(n.members, ours, dir)
  if (ts.isTypeReferenceNode(n)) {
    const name = n.typeName.getText()
    if ((name === "Array" || name === "ReadonlyArray") && n.typeArguments?.length === 1) {
      const el = elementOf(ours)
      if (el) walkType(n.typeArguments[0], el, dir)
      return
    }
    const decl = symbolAt(n.typeName)?.declarations?.find(isTypeDecl)
    if (decl && declKey(decl)) record(decl, ours, dir, "walk")
  }
}

/** A declaration's own type, for fitness: its interface or alias type. */
const officialType = (decl: Node): Type => checker.getTypeAtLocation(decl.name)

const bestFit = (official: Type, candidates: ReadonlyArray<Ours>): Ours | undefined => {
  let best: Ours | undefined
  let bestScore = 0.5
  for (const c of candidates) {
    const score = fitness(official, c.type)
    if (score > bestScore) {
      best = c
      bestScore = score
    }
  }
  return best
}

const walkUnion = (n: Node, ours: Ours, dir: Direction): void => {
  const members = n.types.filter((m: Node) => !isNullish(m))
  const meaningful = members.filter((m: Node) => {
    const u = unparen(m)
    return !(ts.isLiteralTypeNode(u) || u.kind === ts.SyntaxKind.StringKeyword || u.kind === ts.SyntaxKind.NumberKeyword ||
      u.kind === ts.SyntaxKind.BooleanKeyword || u.kind === ts.SyntaxKind.UnknownKeyword || ts.isIntersectionTypeNode(u))
  })
  if (meaningful.length === 0) return
  if (members.length === 1) return walkType(members[0], ours, dir)
  const candidates = ourMembers(ours)
  for (const m of meaningful) {
    const official = checker.getTypeFromTypeNode(m)
    if (literalsOf(official) && isEnumLike(ours.type)) {
      // An official enum among open-string members (`(string & {}) | ChatModel`) is our whole enum.
      walkType(m, ours, dir)
      continue
    }
    let best = bestFit(official, candidates)
    if (!best && meaningful.length === 1) {
      // `string | Foo` against our `string | Bar`: the one non-primitive member on each side.
      const rest = candidates.filter((c) => isObjectish(c.type) || isArrayish(c.type))
      if (rest.length === 1) best = rest[0]
    }
    if (best) walkType(m, best, dir)
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Anchors: each matched method's params, responses, items and events.
// ---------------------------------------------------------------------------------------------------------------

const declOf = (ref: string): Node | undefined => declarations.get(ref)

/** Our params for an official method: our params type and the path parameters the official SDK takes in params. */
const paramsOf = (op: Op): Ours | undefined => {
  const t = model.names.get(op.id)!
  const extra = op.pathParams.slice(0, -1)
  const path = extra.length ? `{ ${extra.map((n) => `readonly ${n}: string`).join("; ")} }` : undefined
  if (t.params === undefined) return path ? { expr: path, type: checker.getAnyType() } : undefined
  const own = ourTopType(t.params)
  return path ? { expr: `${own.expr} & ${path}`, type: own.type, node: own.node } : own
}

/**
 * A response anchor. When the official method declares several response types (transcriptions: one per
 * `response_format`), each one takes the member of our response union it fits best; a union of them takes all.
 */
const anchorResponse = (decl: Node, ours: Ours, method: MethodFacts): void => {
  // A private response type (`Base64EmbeddingResponse`) is the official shape over aligned names: translated later.
  if (isPrivate(decl)) return
  const distinct = new Set(method.overloads.flatMap((o) => (o.returns.kind === "json" || o.returns.kind === "either") ? o.returns.type.split(" | ").filter((p) => p.includes("#")) : []))
  if (distinct.size < 2 || ts.isTypeAliasDeclaration(decl)) return record(decl, ours, "out", "anchor")
  record(decl, bestFit(checker.getTypeAtLocation(decl.name), ourMembers(ours)) ?? ours, "out", "anchor")
}

/**
 * A variant's `stream` member as the official declaration writes it (`stream?: false | null` in a body,
 * `stream?: false` in a query, which cannot carry `null`).
 */
const streamMember = (decl: Node, fallback: string): string => {
  const member = (decl.members ?? []).find((m: Node) => m.name?.text === "stream")
  if (member?.type === undefined) return fallback
  return `{ readonly stream${member.questionToken ? "?" : ""}: ${member.type.getText()} }`
}

const withStream = (p: Ours, flag: string): Ours => ({ ...p, expr: `Omit<${paren(p.expr)}, "stream"> & ${flag}` })
const noParams: Array<string> = []

for (const { op, resource, method } of matches) {
  const t = model.names.get(op.id)!
  const params = paramsOf(op)
  for (const o of method.overloads) {
    for (const arg of o.args) {
      const decl = declOf(arg.type)
      if (!decl) continue
      if (!params) {
        noParams.push(`${resource.path}.${method.name}: ${arg.type}`)
        continue
      }
      const name: string = decl.name.text
      const m = /^(.*Params)(NonStreaming|Streaming|Base)$/.exec(name)
      if (!m) {
        record(decl, params, "in", "anchor")
        continue
      }
      const prefix = `${resource.path}#${m[1]}`
      const base = declOf(`${prefix}Base`)
      if (base) record(base, params, "in", "anchor")
      // The variants are the base with `stream` fixed, as the official SDK declares them; generic ones pass
      // their type parameters on (`TranscriptionCreateParamsNonStreaming<ResponseFormat>`).
      const variant = (decl: Node, flag: string): Ours => {
        if (!base) return withStream(params, flag)
        const args = decl.typeParameters ? `<${decl.typeParameters.map((p: Node) => p.name.text).join(", ")}>` : ""
        return { ...params, expr: `Omit<{{${prefix}Base}}${args}, "stream"> & ${flag}` }
      }
      const nonStreaming = declOf(`${prefix}NonStreaming`)
      if (nonStreaming) record(nonStreaming, variant(nonStreaming, streamMember(nonStreaming, "{ readonly stream?: false | null }")), "in", "anchor", false)
      const streaming = declOf(`${prefix}Streaming`)
      if (streaming) record(streaming, variant(streaming, streamMember(streaming, "{ readonly stream: true }")), "in", "anchor", false)
      const union = declOf(prefix)
      if (union && base && nonStreaming && streaming && ts.isTypeAliasDeclaration(union)) {
        const names = new Set<string>((union.typeParameters ?? []).map((p: Node) => p.name.text))
        record(union, { ...params, expr: translate(union.type, names) ?? params.expr }, "in", "anchor", false)
      } else if (union) record(union, params, "in", "anchor", base === undefined)
    }
    const r = o.returns
    if ((r.kind === "json" || r.kind === "either") && t.response !== "void") {
      const decl = declOf(r.type.split(" | ").find((p) => p.includes("#")) ?? "")
      if (decl) anchorResponse(decl, ourTopType(t.response), method)
    }
    if ((r.kind === "stream" || r.kind === "either") && t.event) {
      const decl = declOf(r.event)
      if (decl) record(decl, ourTopType(t.event), "out", "anchor")
    }
    if (r.kind === "page") {
      const data = propertyOf(ourTopType(t.response), "data")
      const item = data && elementOf(data)
      const refs = r.item.split(" | ")
      if (item && refs.length === 1 && declOf(refs[0]!)) record(declOf(refs[0]!), item, "out", "anchor")
      else if (item) {
        // An item union written out in the page alias: each member takes the member of ours it fits best.
        const candidates = ourMembers(item)
        for (const ref of refs) {
          const decl = declOf(ref)
          if (!decl) continue
          const best = bestFit(officialType(decl), candidates)
          if (best) record(decl, best, "out", "anchor")
        }
      }
    }
  }
}
// `webhooks.unwrap` serves no operation: it gives the events of the spec's `webhooks` section, our `WebhookEvent`,
// with the unknown-event member the core's `Webhooks.Event` has (as the stream events have theirs).
const unwrapEvent = declOf("webhooks#UnwrapWebhookEvent")
if (unwrapEvent) record(unwrapEvent, { ...ourTopType("WebhookEvent"), expr: "T.WebhookEvent | T.UnknownWebhookEvent" }, "out", "anchor")
drain()

// ---------------------------------------------------------------------------------------------------------------
// Names the walk did not reach: the same name in our types, aliases of aligned names, and fallbacks.
// ---------------------------------------------------------------------------------------------------------------

const ourTypeNames = new Set<string>(checker.getExportsOfModule(checker.getSymbolAtLocation(typesSource)).map((s: Symbol) => s.name))


const sameName = (): void => {
  for (const [key, decl] of declarations) {
    if (aligned.has(key)) continue
    const name: string = decl.name.text
    if (!ts.isSourceFile(decl.parent) || !ourTypeNames.has(name)) continue
    const ours = ourTopType(name)
    const official = officialType(decl)
    // A name shared by unrelated types (`Message` of threads and of conversations, the realtime and the Responses
    // `ResponseTextDoneEvent`) must also fit: ours has most of the official properties.
    if (membersOf(official).length < 2) {
      if (fitness(official, ours.type) <= 0.5) continue
      if (isObjectish(official)) {
        const names = checker.getPropertiesOfType(official).map((p: Symbol) => p.name)
        const has = names.filter((n: string) => checker.getPropertyOfType(ours.type, n)).length
        if (names.length > 0 && has / names.length < 0.8) continue
      }
    }
    record(decl, ours, dirsOfParent(key), "name")
  }
}

/** Names reached by nothing take the direction "out" (what the API returns), which the parity check tests. */
const dirsOfParent = (_key: string): Direction => "out"

/**
 * An alias the walk did not reach whose type is made of aligned names (`type ChatModel = Shared.ChatModel`,
 * `type ResponseContent = A | B | C`, `Array<X>`) and primitives: the same expression over our names.
 */
const compose = (node: Node): string | undefined => {
  const n = unparen(node)
  if (ts.isTypeReferenceNode(n)) {
    const name = n.typeName.getText()
    if ((name === "Array" || name === "ReadonlyArray") && n.typeArguments?.length === 1) {
      const el = compose(n.typeArguments[0])
      return el === undefined ? undefined : `ReadonlyArray<${el}>`
    }
    if (n.typeArguments) return undefined
    const decl = symbolAt(n.typeName)?.declarations?.find(isTypeDecl)
    const key = decl && declKey(decl)
    const a = key ? aligned.get(key) : undefined
    return a && a.how !== "fallback" ? `{{${key}}}` : undefined
  }
  if (ts.isArrayTypeNode(n)) {
    const el = compose(n.elementType)
    return el === undefined ? undefined : `ReadonlyArray<${el}>`
  }
  if (ts.isUnionTypeNode(n) || ts.isIntersectionTypeNode(n)) {
    const parts = n.types.map(compose)
    return parts.every((p: string | undefined) => p !== undefined) ? parts.map(paren).join(ts.isUnionTypeNode(n) ? " | " : " & ") : undefined
  }
  if (ts.isLiteralTypeNode(n) || [ts.SyntaxKind.StringKeyword, ts.SyntaxKind.NumberKeyword, ts.SyntaxKind.BooleanKeyword,
    ts.SyntaxKind.NullKeyword, ts.SyntaxKind.UnknownKeyword, ts.SyntaxKind.UndefinedKeyword].includes(n.kind)) {
    return n.getText().replace(/'/g, '"')
  }
  if (ts.isTypeLiteralNode(n) && n.members.length === 0) return "{}"
  return undefined
}

const composeAliases = (): boolean => {
  let changed = false
  for (const [key, decl] of declarations) {
    if (aligned.has(key) || !ts.isTypeAliasDeclaration(decl) || decl.typeParameters) continue
    const expr = compose(decl.type)
    if (expr === undefined) continue
    // An alias takes the directions of the names it is made of (below); a literal union is a value either way.
    aligned.set(key, { expr, dirs: new Set(expr.includes("{{") ? [] : ["in", "out"]), how: expr.includes("{{") ? "alias" : "literal", ours: undefined })
    changed = true
  }
  return changed
}

/**
 * Params of the official helpers built on a method (`createAndPoll`, `createAndRunStream`, `submitToolOutputsStream`,
 * `stream`, `poll`): the params of the method they wrap, found by name.
 */
const helperParams = (): void => {
  for (const resource of resources.values()) {
    const own = matches.filter((m) => m.resource === resource && !m.alias)
    if (own.length === 0) continue
    for (const helper of resource.methods) {
      if (helper.endpoint !== undefined) continue
      const wrapped = helper.name === "stream" ? "create" : helper.name === "poll" ? "retrieve" : own
        .map((m) => m.method.name)
        .filter((name) => helper.name.startsWith(name))
        .sort((a, b) => b.length - a.length)[0]
      const match = own.find((m) => m.method.name === wrapped)
      if (!match) continue
      const params = paramsOf(match.op)
      if (!params) continue
      for (const o of helper.overloads) {
        for (const arg of o.args) {
          const decl = declOf(arg.type)
          if (decl && !aligned.has(arg.type)) record(decl, params, "in", "helper")
        }
      }
    }
    // Params types kept for helpers that no longer take them (`ThreadCreateAndRunPollParams`): the wrapped params.
    for (const name of resource.types) {
      const m = /^(.*?)(AndPoll|Poll|AndStream|Stream)Params$/.exec(name)
      const key = `${resource.path}#${name}`
      if (!m || aligned.has(key)) continue
      const target = [`${m[1]}Params`, `${m[1]}ParamsBase`, `${m[1]}CreateParams`, `${m[1]}CreateParamsBase`].map((n) => aligned.get(`${resource.path}#${n}`)).find((a) => a?.ours)
      if (target) record(declOf(key), target.ours!, "in", "helper")
    }
  }
}

/**
 * The list objects behind official pages (`SkillList`, `ChatKitThreadItemList`): a resource's unaligned interface
 * with a `data` array and `has_more`, next to a page method, is that method's whole response.
 */
const listTypes = (): void => {
  for (const { op, resource, method } of matches) {
    if (!method.overloads.some((o) => o.returns.kind === "page")) continue
    const t = model.names.get(op.id)!
    for (const name of resource.types) {
      const key = `${resource.path}#${name}`
      const decl = declOf(key)
      if (aligned.has(key) || !decl || !ts.isInterfaceDeclaration(decl) || !ts.isSourceFile(decl.parent)) continue
      const props = new Set(decl.members.map((m: Node) => m.name?.getText()))
      if (!props.has("data") || !props.has("has_more")) continue
      const ours = ourTopType(t.response)
      if (fitness(officialType(decl), ours.type) > 5) record(decl, ours, "out", "list")
    }
  }
}

/**
 * The official declaration's own shape over facade names: used only for the parse helpers' generic types
 * (`ParsedChatCompletion<ParsedT>`), which add a typed field to aligned types, and for the type parameters of
 * generic params (`TranscriptionCreateParams<ResponseFormat>`). Official names become `{{key}}` references.
 */
function translate(node: Node, params: ReadonlySet<string>): string | undefined {
  const n = unparen(node)
  if (ts.isTypeReferenceNode(n)) {
    const name = n.typeName.getText()
    const args = (n.typeArguments ?? []).map((a: Node) => translate(a, params))
    if (args.some((a: string | undefined) => a === undefined)) return undefined
    if (params.has(name)) return name
    if (name === "Array" || name === "ReadonlyArray") return `ReadonlyArray<${args[0]}>`
    if (name === "Exclude" || name === "Extract" || name === "Omit" || name === "Record") return `${name}<${args.join(", ")}>`
    const decl = symbolAt(n.typeName)?.declarations?.find(isTypeDecl)
    const key = decl && declKey(decl)
    if (!key || (!aligned.has(key) && !translatable(decl))) return undefined
    return `{{${key}}}${args.length ? `<${args.join(", ")}>` : ""}`
  }
  if (ts.isArrayTypeNode(n)) {
    const el = translate(n.elementType, params)
    return el === undefined ? undefined : `ReadonlyArray<${el}>`
  }
  if (ts.isUnionTypeNode(n) || ts.isIntersectionTypeNode(n)) {
    const parts = n.types.map((t: Node) => translate(t, params))
    return parts.some((p: string | undefined) => p === undefined) ? undefined : parts.map(paren).join(ts.isUnionTypeNode(n) ? " | " : " & ")
  }
  if (ts.isTypeLiteralNode(n)) return members(n.members, params)
  if (ts.isLiteralTypeNode(n) || n.kind === ts.SyntaxKind.StringKeyword || n.kind === ts.SyntaxKind.NumberKeyword ||
    n.kind === ts.SyntaxKind.BooleanKeyword || n.kind === ts.SyntaxKind.NullKeyword || n.kind === ts.SyntaxKind.UnknownKeyword ||
    n.kind === ts.SyntaxKind.UndefinedKeyword || n.kind === ts.SyntaxKind.AnyKeyword) return n.getText().replace(/'/g, '"')
  return undefined
}

function members(list: ReadonlyArray<Node>, params: ReadonlySet<string>): string | undefined {
  const lines: Array<string> = []
  for (const m of list) {
    if (!ts.isPropertySignature(m) || !m.type) return undefined
    const t = translate(m.type, params)
    if (t === undefined) return undefined
    lines.push(`readonly ${m.name.getText()}${m.questionToken ? "?" : ""}: ${t}`)
  }
  return `{ ${lines.join("; ")} }`
}

const typeParamsOf = (decl: Node): { text: string; names: Set<string> } | undefined => {
  if (!decl.typeParameters) return undefined
  const names = new Set<string>(decl.typeParameters.map((p: Node) => p.name.text))
  const parts: Array<string> = []
  for (const p of decl.typeParameters) {
    let text = p.name.text
    if (p.constraint) {
      const c = translate(p.constraint, names)
      if (c === undefined) return undefined
      text += ` extends ${c}`
    }
    if (p.default) {
      const d = translate(p.default, names)
      if (d === undefined) return undefined
      text += ` = ${d}`
    }
    parts.push(text)
  }
  return { text: `<${parts.join(", ")}>`, names }
}

/** The parse helpers' types: generic, or named `Parsed...`, in the modules of aligned types. */
function translatable(decl: Node): boolean {
  return !!decl.typeParameters || /^Parsed/.test(decl.name.text) || isPrivate(decl)
}

/** A module-level type the official module does not export (`Base64EmbeddingResponse`). */
function isPrivate(decl: Node): boolean {
  return ts.isSourceFile(decl.parent) && !isExported(decl)
}

const translateDecl = (decl: Node): { expr: string; params?: string } | undefined => {
  const tp = typeParamsOf(decl)
  if (decl.typeParameters && !tp) return undefined
  const names = tp?.names ?? new Set<string>()
  if (ts.isTypeAliasDeclaration(decl)) {
    const expr = translate(decl.type, names)
    return expr === undefined ? undefined : { expr, ...(tp ? { params: tp.text } : {}) }
  }
  const own = members(decl.members, names)
  if (own === undefined) return undefined
  const ownNames = decl.members.map((m: Node) => JSON.stringify(m.name.getText().replace(/^['"]|['"]$/g, "")))
  const bases: Array<string> = []
  for (const clause of decl.heritageClauses ?? []) {
    for (const h of clause.types) {
      const base = symbolAt(h.expression)?.declarations?.find(isTypeDecl)
      const key = base && declKey(base)
      if (!key || (!aligned.has(key) && !translatable(base))) return undefined
      const args = (h.typeArguments ?? []).map((a: Node) => translate(a, names))
      if (args.some((a: string | undefined) => a === undefined)) return undefined
      const ref = `{{${key}}}${args.length ? `<${args.join(", ")}>` : ""}`
      bases.push(ownNames.length ? `Omit<${ref}, ${ownNames.join(" | ")}>` : ref)
    }
  }
  return { expr: [...bases, own].join(" & "), ...(tp ? { params: tp.text } : {}) }
}

/** The resources the facade generates: those with our operations, their parents, `shared`, and `webhooks`. */
const facadeResources = new Set<string>(["shared"])
for (const { resource } of matches) {
  const segments = resource.path.split(".")
  for (let i = 1; i <= segments.length; i++) facadeResources.add(segments.slice(0, i).join("."))
}
// `webhooks` has none of our operations, but its helpers (`unwrap`, `verifySignature`) and its event types.
if (unwrapEvent) facadeResources.add("webhooks")
const resourceOfKey = (key: string): string => key.slice(0, key.indexOf("#"))
const inFacade = (key: string): boolean => facadeResources.has(resourceOfKey(key))

/** Type parameters of aligned generic declarations; their parameterized properties take the parameter. */
const generics = new Map<string, string>()
const alignGenerics = (): void => {
  for (const [key, a] of aligned) {
    const decl = declOf(key)
    if (!decl?.typeParameters || generics.has(key)) continue
    const tp = typeParamsOf(decl)
    if (!tp) continue
    generics.set(key, tp.text)
    if (!ts.isInterfaceDeclaration(decl)) continue
    const uses = (n: Node): boolean => (ts.isTypeReferenceNode(n) && tp.names.has(n.typeName.getText())) || !!ts.forEachChild(n, (c: Node) => uses(c) || undefined)
    const props = decl.members.filter((m: Node) => ts.isPropertySignature(m) && m.type && uses(m.type))
    const own = members(props, tp.names)
    if (props.length && own) {
      a.expr = `Omit<${paren(a.expr)}, ${props.map((m: Node) => JSON.stringify(m.name.getText())).join(" | ")}> & ${own}`
    }
  }
}

const translateHelpers = (): boolean => {
  let changed = false
  for (const [key, decl] of declarations) {
    if (aligned.has(key) || !translatable(decl) || !inFacade(key)) continue
    const t = translateDecl(decl)
    if (!t) continue
    aligned.set(key, { expr: t.expr, dirs: new Set(), how: "helper-shape", ours: undefined })
    if (t.params) generics.set(key, t.params)
    changed = true
  }
  return changed
}

sameName()
helperParams()
listTypes()
drain()
while (composeAliases()) {
  sameName()
  drain()
}
alignGenerics()
while (translateHelpers()) {
  // Helpers refer to each other (`ParsedChoice` -> `ParsedChatCompletionMessage`): until nothing changes.
}

// Resources that only declare types (`graders.graderModels`, `fineTuning.methods`) join when the walk reached them.
for (const r of resources.values()) {
  if (r.methods.length > 0 || facadeResources.has(r.path)) continue
  if (!r.types.some((name) => aligned.has(`${r.path}#${name}`))) continue
  const segments = r.path.split(".")
  for (let i = 1; i <= segments.length; i++) facadeResources.add(segments.slice(0, i).join("."))
}

/**
 * The fallback: a name of a facade resource that nothing aligned is `unknown`, with the reason. These are the
 * official SDK's types for what our spec does not describe (newer fields and events, websocket-only messages,
 * orphaned types no method uses). A reference to a name that ends up here makes its user a fallback too.
 */
const fallbacks = new Map<string, string>()
const references = (expr: string): Array<string> => [...expr.matchAll(/\{\{([^}]+)\}\}/g)].map((m) => m[1]!)
// A reference to a name outside the facade (a resource we do not generate) is replaced by its expression.
const inline = (expr: string, depth = 0): string =>
  depth > 10 ? expr : expr.replace(/\{\{([^}]+)\}\}/g, (whole, key: string) => {
    const a = aligned.get(key)
    return inFacade(key) || !a || a.how === "fallback" || generics.has(key) ? whole : paren(inline(a.expr, depth + 1))
  })
for (const [key, a] of aligned) if (inFacade(key)) a.expr = inline(a.expr)
for (let changed = true; changed;) {
  changed = false
  for (const [key, a] of aligned) {
    if (a.how === "fallback") continue
    const missing = references(a.expr).find((k) => !aligned.has(k) || aligned.get(k)!.how === "fallback")
    if (missing === undefined) continue
    a.expr = "unknown"
    ;(a as { how: string }).how = "fallback"
    fallbacks.set(key, `refers to ${missing}, which is a fallback`)
    changed = true
  }
  for (const path of facadeResources) {
    for (const name of resources.get(path)?.types ?? []) {
      const key = `${path}#${name}`
      if (aligned.has(key)) continue
      aligned.set(key, { expr: "unknown", dirs: new Set(), how: "fallback", ours: undefined })
      const parent = name.includes(".") ? `${path}#${name.slice(0, name.lastIndexOf("."))}` : undefined
      fallbacks.set(key, parent && aligned.get(parent)?.how !== "fallback"
        ? "a part of an aligned type that our spec does not have"
        : "our spec has no such type, and no method of ours returns or takes it")
      changed = true
    }
  }
}

const inScope = new Set<string>()
for (const { resource } of matches) inScope.add(resource.path)
const stats = (label: string): void => {
  let total = 0
  let done = 0
  for (const path of inScope) {
    for (const name of resources.get(path)!.types) {
      total++
      if (aligned.has(`${path}#${name}`) && aligned.get(`${path}#${name}`)!.how !== "fallback") done++
    }
  }
  console.log(`${label}: ${done}/${total} names of ${inScope.size} resources with methods; ${aligned.size} aligned overall`)
}
stats("official-types (resources with our operations)")
if (noParams.length) console.log(`official params without ours:\n  ${noParams.join("\n  ")}`)

// ---------------------------------------------------------------------------------------------------------------
// Alignment out.
// ---------------------------------------------------------------------------------------------------------------

// An alias takes the directions of what it names.
for (let changed = true; changed;) {
  changed = false
  for (const a of aligned.values()) {
    for (const k of references(a.expr)) {
      for (const d of aligned.get(k)?.dirs ?? []) {
        if (!a.dirs.has(d)) {
          a.dirs.add(d)
          changed = true
        }
      }
    }
  }
}

const typesOut: Record<string, Record<string, Json>> = {}
let total = 0
let fallbackCount = 0
const byHow: Record<string, number> = {}
for (const path of [...facadeResources].sort()) {
  const entries: Record<string, Json> = {}
  for (const name of resources.get(path)?.types ?? []) {
    const key = `${path}#${name}`
    const a = aligned.get(key)!
    total++
    byHow[a.how] = (byHow[a.how] ?? 0) + 1
    if (a.how === "fallback") fallbackCount++
    entries[name] = {
      type: a.expr,
      ...(generics.has(key) ? { params: generics.get(key) } : {}),
      dirs: [...a.dirs].sort().join(","),
      how: a.how,
      ...(fallbacks.has(key) ? { reason: fallbacks.get(key) } : {})
    }
  }
  typesOut[path] = entries
}
Fs.writeFileSync(
  Path.join(dataDir, "official-types.json"),
  JSON.stringify({ package: `openai@${officialVersion}`, resources: [...facadeResources].sort(), types: typesOut }, null, 1) + "\n"
)
console.log(
  `official-types: ${total - fallbackCount}/${total} names aligned in ${facadeResources.size} facade resources, ${fallbackCount} fallbacks; ` +
    Object.entries(byHow).map(([k, v]) => `${k} ${v}`).join(", ")
)

// ---------------------------------------------------------------------------------------------------------------
// Parity (`--parity`): which aligned names fail the assignability users rely on, and why.
// ---------------------------------------------------------------------------------------------------------------

if (process.argv.includes("--parity")) {
  const run = (args: Array<string>): void => void execFileSync("npx", ["tsx", ...args], { cwd: repoRoot, stdio: "inherit" })
  // The facade must match the alignment just written.
  run(["packages/codegen/src/main.ts"])
  const { typeChecks, prelude, checkLine } = await import("../src/emit/facadeParity.js")
  const { loadAlignment, loadSurface } = await import("../src/emit/facadeModel.js")
  const { imports, checks } = typeChecks(loadSurface(), loadAlignment())
  const probe = Path.join(repoRoot, "test/parity/.parity-probe.ts")
  const options = {
    strict: true,
    exactOptionalPropertyTypes: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    lib: ["lib.es2022.d.ts", "lib.dom.d.ts", "lib.dom.iterable.d.ts"],
    types: [],
    customConditions: ["@effect-openai/source"],
    skipLibCheck: true,
    noEmit: true
  }
  /** Compiles one variable per check and returns the failing checks' diagnostics, by check index. */
  const measure = (line: (c: (typeof checks)[number], i: number) => string): Map<number, Json> => {
    const lines = [...imports, ...prelude, ""]
    const first = lines.length
    checks.forEach((c, i) => lines.push(line(c, i)))
    Fs.writeFileSync(probe, lines.join("\n") + "\n")
    try {
      const p = ts.createProgram({ rootNames: [probe], options })
      const sf = p.getSourceFile(probe)
      const out = new Map<number, Json>()
      for (const d of p.getSemanticDiagnostics(sf)) {
        const index = sf.getLineAndCharacterOfPosition(d.start).line - first
        if (!checks[index]) throw new Error(`diagnostic outside the checks: ${ts.flattenDiagnosticMessageText(d.messageText, " / ")}`)
        out.set(index, d)
      }
      return out
    } finally {
      Fs.rmSync(probe, { force: true })
    }
  }
  // With reasons: an assignment elaborates where the types part.
  const failures = measure((c, i) => c.dir === "in"
    ? `declare const v${i}: ${c.official}; export const c${i}: ${c.ours} = v${i}`
    : `declare const v${i}: Loose<${c.ours}>; export const c${i}: ${c.official} = v${i}`)
  const strictFailures = measure((c, i) => `export type C${i} = ${checkLine(c, true)}`)
  const excluded: Record<string, { dir: string; reason: string }> = {}
  const flatten = (m: Json): Array<string> => typeof m === "string" ? [m] : [m.messageText, ...(m.next ?? []).flatMap(flatten)]
  const short = (s: string): string => (s.length > 240 ? s.slice(0, 237) + "..." : s).replace(/\s+/g, " ").replace(/import\("[^"]*\/node_modules\/openai\/([^"]*)"[^)]*\)/g, "openai/$1")
  for (const [index, d] of failures) {
    const c = checks[index]!
    const chain = flatten(d.messageText)
    // The most specific part of the chain: where the property or member that breaks it is named.
    const specific = chain.slice(1).filter((m) => !/^Type '.*' is not assignable to type '.*'\.$/.test(m))
    const reason = (specific.length ? specific.slice(-2) : chain.slice(-1)).map(short).join(" / ")
    excluded[`${c.key} ${c.dir}`] = { dir: c.dir, reason }
  }
  const totalIn = checks.filter((c) => c.dir === "in").length
  const totalOut = checks.length - totalIn
  const count = (m: Map<number, Json>, dir: string) => [...m.keys()].filter((i) => checks[i]!.dir === dir).length
  const strict = `${totalOut - count(strictFailures, "out")}/${totalOut}`
  const sorted = Object.fromEntries(Object.entries(excluded).sort(([a], [b]) => a.localeCompare(b)))
  Fs.writeFileSync(Path.join(dataDir, "official-parity.json"), JSON.stringify({ package: `openai@${officialVersion}`, strict, excluded: sorted }, null, 1) + "\n")
  console.log(`parity: in ${totalIn - count(failures, "in")}/${totalIn} hold; out ${totalOut - count(failures, "out")}/${totalOut} hold (strictly ${strict})`)
  run(["packages/codegen/src/main.ts"])
}
