/**
 * Behaviour the spec does not state, per operation, kept in one place.
 */

/**
 * How each streaming operation's event stream ends: `"done"` waits for `[DONE]`; a list of event types waits
 * for one of them. A stream that ends before is a `StreamTruncatedError`.
 */
export const streamTerminals: Readonly<Record<string, "done" | ReadonlyArray<string>>> = {
  createChatCompletion: "done",
  createResponse: ["response.completed", "response.incomplete", "response.failed"],
  beta_createResponse: ["response.completed", "response.incomplete", "response.failed"],
  createSpeech: ["speech.audio.done"],
  createTranscription: ["transcript.text.done"],
  createImage: ["image_generation.completed"],
  createImageEdit: ["image_edit.completed"]
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

/** Extra handwritten modules merged into a generated resource namespace (path relative to `src/`). */
export const resourceExtras: Readonly<Record<string, string>> = {
  uploads: "Uploads.js"
}
