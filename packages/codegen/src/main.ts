/**
 * Generates `packages/openai/src/generated/`, the Promise facade's `packages/promise/src/generated/` and `docs/api.md`
 * from the OpenAPI spec (the facade also from the official SDK's facts in `packages/codegen/data`).
 *
 *   tsx src/main.ts [--spec PATH] [--check]
 *
 * `--check` writes nothing and exits 1 when any generated file would change (CI runs it).
 * Output is deterministic: the same spec gives the same bytes.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as Yaml from "yaml"
import { emitApiDocs } from "./emit/apiDocs.js"
import { emitContract } from "./emit/contract.js"
import { emitEventTypes } from "./emit/eventTypes.js"
import { emitFacade } from "./emit/facade.js"
import { loadAlignment, loadParity, loadSurface } from "./emit/facadeModel.js"
import { emitParityMethods, emitParityTypes } from "./emit/facadeParity.js"
import { emitIndexFile } from "./emit/indexFile.js"
import { emitOperations, emitResources } from "./emit/resources.js"
import { emitRoutes } from "./emit/routes.js"
import { emitSchemasFile } from "./emit/schemasFile.js"
import { emitTypesFile } from "./emit/typesFile.js"
import { emitTypeTests } from "./emit/typeTests.js"
import { buildModel } from "./model.js"
import { applyOverlay } from "./overlay.js"
import { diff, failIfChanged, write } from "./writer.js"

const here = Path.dirname(fileURLToPath(import.meta.url))
const repoRoot = Path.resolve(here, "../../..")

const args = process.argv.slice(2)
const argValue = (flag: string): string | undefined => {
  const i = args.indexOf(flag)
  return i === -1 ? undefined : args[i + 1]
}
const specPath = Path.resolve(argValue("--spec") ?? Path.join(repoRoot, "../shared/openapi/openapi.yaml"))
const check = args.includes("--check")
const packageRoot = Path.join(repoRoot, "packages/openai")
const outDir = Path.join(packageRoot, "src/generated")
const testDir = Path.join(packageRoot, "test/generated")
const facadeDir = Path.join(repoRoot, "packages/promise/src/generated")

const under = (dir: string, files: ReadonlyMap<string, string>): Array<[string, string]> =>
  [...files].map(([name, text]) => [Path.join(dir, name), text])

const main = (): void => {
  const spec = Yaml.parse(Fs.readFileSync(specPath, "utf8"), { maxAliasCount: -1 })
  const applied = applyOverlay(spec)
  const model = buildModel(spec)
  const surface = loadSurface()
  const alignment = loadAlignment()
  const facade = emitFacade(model, surface, alignment)
  const files = new Map<string, string>([
    [Path.join(outDir, "Types.ts"), emitTypesFile(model)],
    [Path.join(outDir, "Schemas.ts"), emitSchemasFile(model)],
    [Path.join(outDir, "EventTypes.ts"), emitEventTypes(model)],
    [Path.join(outDir, "Routes.ts"), emitRoutes(model)],
    [Path.join(outDir, "Operations.ts"), emitOperations(model)],
    ...under(outDir, emitResources(model)),
    [Path.join(outDir, "index.ts"), emitIndexFile(model)],
    [Path.join(repoRoot, "docs/api.md"), emitApiDocs(model)],
    ...under(testDir, emitTypeTests(model)),
    [Path.join(repoRoot, "test/contract/operations.ts"), emitContract(model)],
    ...under(facadeDir, facade.files),
    [Path.join(repoRoot, "test/parity/official-types.ts"), emitParityTypes(surface, alignment, loadParity())],
    [Path.join(repoRoot, "test/parity/official-methods.ts"), emitParityMethods(surface, facade)]
  ])
  const changes = diff(files, [outDir, testDir, facadeDir])
  if (check) {
    failIfChanged(changes, repoRoot)
    console.log(`codegen: ${model.ops.length} operations, ${files.size} files, up to date`)
    return
  }
  write(files, changes)
  console.log(
    `codegen: ${model.ops.length} operations, ${Object.keys(spec.components.schemas).length} schemas, ${files.size} files ` +
      `(${changes.changed.length} written, ${changes.removed.length} removed); overlay: ${applied.join(", ")}`
  )
}

main()
