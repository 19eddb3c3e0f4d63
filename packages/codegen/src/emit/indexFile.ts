/**
 * `src/generated/index.ts`: `Types`, `Schemas` and every top-level resource, as namespaces.
 */
import type { Model } from "../model.js"
import { header, namespaceName } from "./shared.js"

export const emitIndexFile = ({ root }: Model): string => {
  const index: Array<string> = [header("Every resource of the OpenAI API, as namespaces of operations.")]
  index.push(`/** @since 0.1.0 */\nexport * as Types from "./Types.js"\n`)
  index.push(`/** @since 0.1.0 */\nexport * as Schemas from "./Schemas.js"\n`)
  for (const segment of [...root.children.keys()].sort()) {
    index.push(`/** @since 0.1.0 */\nexport * as ${namespaceName(segment)} from "./resources/${segment}.js"\n`)
  }
  return index.join("\n")
}
