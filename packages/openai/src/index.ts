/**
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as OpenAI from "./OpenAI.js"
/** @since 0.1.0 */
export * as OpenAIAuth from "./OpenAIAuth.js"
/** @since 0.1.0 */
export * as OpenAIClient from "./OpenAIClient.js"
/** @since 0.1.0 */
export * as OpenAIError from "./OpenAIError.js"
/** @since 0.1.0 */
export * as OpenAITest from "./OpenAITest.js"
/** @since 0.1.0 */
export * as Pagination from "./Pagination.js"
// `UndiciTransport` is imported from its own path (`@effect-openai/openai/UndiciTransport`): its types pull in
// undici's and Node's, which would triple what a consumer's compiler reads.

/** The generated API: every resource of the spec as a namespace (`Chat.Completions.create`, ...), and `Types`. */
export * from "./generated/index.js"
