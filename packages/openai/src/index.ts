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
/** @since 0.1.0 */
export * as Uploads from "./Uploads.js"
/** @since 0.1.0 */
export * as Chat from "./resources/Chat.js"
/** @since 0.1.0 */
export * as Embeddings from "./resources/Embeddings.js"
/** @since 0.1.0 */
export * as Files from "./resources/Files.js"
/** @since 0.1.0 */
export * as Models from "./resources/Models.js"
/** @since 0.1.0 */
export * as Responses from "./resources/Responses.js"
