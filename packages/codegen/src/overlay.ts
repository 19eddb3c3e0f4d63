/**
 * Fixes applied to the spec before generation. Each one says what is wrong in the spec and why the fix is
 * right; output is never edited by hand. Keep this list short and remove entries the spec fixes upstream.
 */
type Json = any

export interface OverlayFix {
  readonly id: string
  readonly why: string
  readonly apply: (spec: Json) => void
}

/** Operations whose responses are raw bytes although the spec says otherwise. */
const binaryResponses: ReadonlyArray<string> = ["downloadFile", "RetrieveContainerFileContent"]

const operations = (spec: Json): Array<Json> => {
  const out: Array<Json> = []
  for (const item of Object.values<Json>(spec.paths)) {
    for (const op of Object.values<Json>(item)) {
      if (op && typeof op === "object" && typeof op.operationId === "string") out.push(op)
    }
  }
  return out
}

export const overlay: ReadonlyArray<OverlayFix> = [
  {
    id: "required-not-in-properties",
    why:
      "Some object schemas list a `required` property that they do not declare (Steady reports these as E1016). " +
      "A required name without a declaration cannot be typed, so such names are dropped from `required`.",
    apply: (spec) => {
      const visit = (node: Json): void => {
        if (Array.isArray(node)) {
          for (const item of node) visit(item)
          return
        }
        if (node === null || typeof node !== "object") return
        if (Array.isArray(node.required) && node.properties && typeof node.properties === "object") {
          node.required = node.required.filter((name: string) => name in node.properties)
        }
        for (const key of Object.keys(node)) visit(node[key])
      }
      visit(spec.components?.schemas)
    }
  },
  {
    id: "binary-file-content",
    why:
      "`downloadFile` is declared as a JSON string and `RetrieveContainerFileContent` declares no content, but " +
      "both return the stored file's raw bytes, whatever their type. Their 200 responses become " +
      "`application/octet-stream` binary, as the official SDK treats them.",
    apply: (spec) => {
      for (const op of operations(spec)) {
        if (binaryResponses.includes(op.operationId)) {
          op.responses["200"] = {
            description: "The file content",
            content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } }
          }
        }
      }
    }
  }
]

export const applyOverlay = (spec: Json): Array<string> => {
  const applied: Array<string> = []
  for (const fix of overlay) {
    fix.apply(spec)
    applied.push(fix.id)
  }
  return applied
}
