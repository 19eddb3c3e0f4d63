/**
 * Behaviour the spec does not state, per operation, kept in one place.
 */

const responseTerminals = ["response.completed", "response.incomplete", "response.failed"]

/**
 * How each streaming operation's event stream ends: `"done"` waits for `[DONE]` (Assistants runs send it as
 * `event: done`); a list of event types waits for one of them. A stream that ends before is a
 * `StreamTruncatedError`.
 */
export const streamTerminals: Readonly<Record<string, "done" | ReadonlyArray<string>>> = {
  createChatCompletion: "done",
  createCompletion: "done",
  createThreadAndRun: "done",
  createRun: "done",
  submitToolOuputsToRun: "done",
  createResponse: responseTerminals,
  beta_createResponse: responseTerminals,
  getResponse: responseTerminals,
  beta_getResponse: responseTerminals,
  createSpeech: ["speech.audio.done"],
  createTranscription: ["transcript.text.done"],
  createImage: ["image_generation.completed"],
  createImageEdit: ["image_edit.completed"]
}

/**
 * The fields that ask a streaming operation for events, when they are not `stream: true`: speech streams with
 * `stream_format: "sse"` (its body has no `stream` field). A field goes where the operation's params go: `stream`
 * is a query parameter of `getResponse`, so it asks with `?stream=true`.
 */
export const streamFlags: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  createSpeech: { stream_format: "sse" }
}

/**
 * Handwritten post-processing kept from the core runtime, by operationId. The names refer to hooks in
 * `packages/openai/src/internal/hooks.ts`.
 */
export const hooks: Readonly<Record<string, string>> = {
  createEmbedding: "embeddingsBase64",
  createResponse: "responseOutputText",
  getResponse: "responseOutputText",
  beta_createResponse: "responseOutputText",
  beta_getResponse: "responseOutputText"
}

/**
 * Headers the API wants on every operation of a resource (and its sub-resources), by resource path: the
 * Assistants, threads and vector stores endpoints, and the realtime session endpoints, take
 * `OpenAI-Beta: assistants=v2`, as the official SDK sends it.
 */
export const resourceHeaders: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  "beta.assistants": { "openai-beta": "assistants=v2" },
  "beta.threads": { "openai-beta": "assistants=v2" },
  "vectorStores": { "openai-beta": "assistants=v2" },
  "realtime.sessions": { "openai-beta": "assistants=v2" },
  "realtime.transcriptionSessions": { "openai-beta": "assistants=v2" }
}

/** The fixed headers of an operation's resource, if any. */
export const headersOfResource = (resource: ReadonlyArray<string>): Readonly<Record<string, string>> | undefined => {
  for (let n = resource.length; n > 0; n--) {
    const found = resourceHeaders[resource.slice(0, n).join(".")]
    if (found !== undefined) return found
  }
  return undefined
}

/** Extra handwritten modules merged into a generated resource namespace (path relative to `src/`). */
export const resourceExtras: Readonly<Record<string, string>> = {
  uploads: "Uploads.js"
}

/**
 * Our own short titles for operations whose spec entry has no `x-oaiMeta` name (their summaries are sentences,
 * which the generated docs do not copy).
 */
export const titles: Readonly<Record<string, string>> = {
  CreateVideoCharacter: "Create video character",
  GetVideoCharacter: "Retrieve video character",
  CreateVideoEdit: "Edit video",
  CreateVideoExtend: "Extend video",
  CreateSkill: "Create skill",
  ListSkills: "List skills",
  DeleteSkill: "Delete skill",
  GetSkill: "Retrieve skill",
  UpdateSkillDefaultVersion: "Update skill default version",
  GetSkillContent: "Retrieve skill content",
  CreateSkillVersion: "Create skill version",
  ListSkillVersions: "List skill versions",
  GetSkillVersion: "Retrieve skill version",
  DeleteSkillVersion: "Delete skill version",
  GetSkillVersionContent: "Retrieve skill version content"
}

/**
 * Facade resource classes that extend a handwritten base instead of `APIResource`: the official helpers that are
 * not operations of the spec (`stream`, `parse`, `runTools`) live there. Module paths are relative to `src/`.
 */
export const facadeBases: Readonly<Record<string, { readonly module: string; readonly name: string }>> = {
  "chat.completions": { module: "lib/chat-completions", name: "ChatCompletionsHelpers" },
  "responses": { module: "lib/responses", name: "ResponsesHelpers" },
  // the polling helpers (`createAndPoll`, `poll`, `uploadAndPoll`, ...), over the core's `Polling`
  "vectorStores.files": { module: "lib/vector-store-files", name: "VectorStoreFilesHelpers" },
  "vectorStores.fileBatches": { module: "lib/vector-store-file-batches", name: "FileBatchesHelpers" },
  "beta.threads": { module: "lib/threads", name: "ThreadsHelpers" },
  "beta.threads.runs": { module: "lib/runs", name: "RunsHelpers" },
  // `unwrap` and `verifySignature`; the spec has no webhook operations, only the events (its `webhooks` section).
  "webhooks": { module: "lib/webhooks", name: "WebhooksHelpers" }
}
