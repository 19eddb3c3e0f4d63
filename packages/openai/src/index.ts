/**
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as AzureOpenAI from "./AzureOpenAI.js"
/** @since 0.1.0 */
export * as ChatCompletionStream from "./helpers/ChatCompletionStream.js"
/** @since 0.1.0 */
export * as OpenAI from "./OpenAI.js"
/** @since 0.1.0 */
export * as OpenAIAuth from "./OpenAIAuth.js"
/** @since 0.1.0 */
export * as OpenAIClient from "./OpenAIClient.js"
/** @since 0.1.0 */
export * as OpenAIConfig from "./OpenAIConfig.js"
/** @since 0.1.0 */
export * as OpenAIError from "./OpenAIError.js"
/** @since 0.1.0 */
export * as OpenAIRequest from "./OpenAIRequest.js"
/** @since 0.1.0 */
export * as OpenAIStream from "./OpenAIStream.js"
/** @since 0.1.0 */
export * as OpenAITest from "./OpenAITest.js"
/** @since 0.1.0 */
export * as Pagination from "./Pagination.js"
/** @since 0.1.0 */
export * as Polling from "./helpers/Polling.js"
/** @since 0.1.0 */
export * as RealtimeSession from "./realtime/RealtimeSession.js"
/** @since 0.1.0 */
export * as ResponseItems from "./helpers/ResponseItems.js"
/** @since 0.1.0 */
export * as ResponseStream from "./helpers/ResponseStream.js"
/** @since 0.1.0 */
export * as ToolLoop from "./helpers/ToolLoop.js"
/** @since 0.1.0 */
export * as StructuredOutput from "./helpers/StructuredOutput.js"
/** @since 0.1.0 */
export * as Webhooks from "./Webhooks.js"
/** @since 0.1.0 */
export * as WorkloadIdentity from "./WorkloadIdentity.js"
// Node-only parts (the undici transport) are at `@effect-openai/openai/node`: this entry imports nothing of
// Node, so it bundles for browsers and edge runtimes.

/** The generated API: every resource of the spec as a namespace (`Chat.Completions.create`, ...), and `Types`. */
export * from "./generated/index.js"
