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

/**
 * Operations that answer with server-sent events when asked (`stream: true` in the body, or `stream=true` in the
 * query for `getResponse`) but whose spec entry declares only the JSON answer, with the component schema of their
 * events.
 */
const undeclaredStreams: Readonly<Record<string, string>> = {
  createCompletion: "CreateCompletionResponse",
  createThreadAndRun: "AssistantStreamEvent",
  createRun: "AssistantStreamEvent",
  submitToolOuputsToRun: "AssistantStreamEvent",
  getResponse: "ResponseStreamEvent",
  beta_getResponse: "BetaResponseStreamEvent"
}

/** Operations that answer plain text for some `response_format`s. */
const textResponses: ReadonlyArray<string> = ["createTranscription", "createTranslation"]

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
  },
  {
    id: "undeclared-event-streams",
    why:
      "Legacy completions, the Assistants runs (`createThreadAndRun`, `createRun`, `submitToolOuputsToRun`) and " +
      "`getResponse` stream when asked, as their request fields and parameters describe, but their 200 responses " +
      "declare JSON only. Each gets the `text/event-stream` content its events have: completion objects (the " +
      "legacy endpoint streams the same shape it answers), `AssistantStreamEvent` (named events, `data` the " +
      "object), and the Responses stream events.",
    apply: (spec) => {
      const found = new Set<string>()
      for (const op of operations(spec)) {
        const schema = undeclaredStreams[op.operationId]
        if (schema === undefined) continue
        if (spec.components.schemas[schema] === undefined) throw new Error(`overlay: no component schema ${schema}`)
        const ok = op.responses["200"]
        if (ok?.content === undefined || ok.content["text/event-stream"] !== undefined) {
          throw new Error(`overlay: ${op.operationId} now declares its event stream (or no content); drop it from the overlay`)
        }
        ok.content["text/event-stream"] = { schema: { $ref: `#/components/schemas/${schema}` } }
        found.add(op.operationId)
      }
      const missing = Object.keys(undeclaredStreams).filter((id) => !found.has(id))
      if (missing.length > 0) throw new Error(`overlay: no operations ${missing.join(", ")} in the spec`)
    }
  },
  {
    id: "text-response-formats",
    why:
      "Transcriptions and translations asked for with `response_format` `text`, `srt` or `vtt` answer with the " +
      "text itself (`text/plain`), but the spec declares only the JSON objects. Their JSON answer gets a string " +
      "alternative, so the result type says what the client returns for those formats.",
    apply: (spec) => {
      const found = new Set<string>()
      for (const op of operations(spec)) {
        if (!textResponses.includes(op.operationId)) continue
        const json = op.responses["200"]?.content?.["application/json"]
        if (json?.schema?.oneOf === undefined) throw new Error(`overlay: ${op.operationId} no longer answers a oneOf; revisit`)
        if (json.schema.oneOf.some((s: Json) => s.type === "string")) {
          throw new Error(`overlay: ${op.operationId} now declares its text answer; drop it from the overlay`)
        }
        json.schema.oneOf.push({ type: "string" })
        found.add(op.operationId)
      }
      const missing = textResponses.filter((id) => !found.has(id))
      if (missing.length > 0) throw new Error(`overlay: no operations ${missing.join(", ")} in the spec`)
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
