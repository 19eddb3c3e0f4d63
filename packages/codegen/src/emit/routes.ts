/**
 * `src/generated/Routes.ts`: the API's routes as a tree of path segments, each operation's leaf holding its
 * JSON response type (`unknown` for other bodies). `OpenAITest.layer` checks route keys and fixtures with it.
 */
import type { Model } from "../model.js"
import { header } from "./shared.js"

interface Tree {
  leaf?: string
  readonly children: Map<string, Tree>
}

const render = (tree: Tree, indent: string): string => {
  const lines: Array<string> = []
  if (tree.leaf !== undefined) lines.push(`${indent}  readonly "": ${tree.leaf}`)
  for (const [segment, child] of [...tree.children].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    lines.push(`${indent}  readonly ${JSON.stringify(segment)}: ${render(child, `${indent}  `)}`)
  }
  return `{\n${lines.join("\n")}\n${indent}}`
}

export const emitRoutes = ({ ops, names }: Model): string => {
  const root: Tree = { children: new Map() }
  for (const op of ops) {
    let node = root
    // Path parameters are one branch, ":": a route key may name them `:anything` or give a value.
    const segments = [op.httpMethod, ...op.path.split("/").filter((s) => s !== "").map((s) => (s.startsWith("{") ? ":" : s))]
    for (const segment of segments) {
      let child = node.children.get(segment)
      if (child === undefined) {
        child = { children: new Map() }
        node.children.set(segment, child)
      }
      node = child
    }
    const response = names.get(op.id)!.response
    node.leaf = op.response.kind === "json" && response !== "void" ? `Types.${response}` : "unknown"
  }
  return `${header("The routes of the OpenAI API, for the typed test layer.")}
import type * as Types from "./Types.js"

/** Route segments by method and path; \`":"\` is a path parameter, \`""\` the operation's response type. */
export interface RouteTree ${render(root, "")}
`
}
