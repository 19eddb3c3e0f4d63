/**
 * Node-only parts, at `@effect-openai/openai/node`: the undici transport (the default of `OpenAI.layer` on Node),
 * uploads from the file system, and the Realtime transport over `ws`.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as NodeRealtime from "./NodeRealtime.js"
/** @since 0.1.0 */
export * as NodeUploads from "./NodeUploads.js"
/** @since 0.1.0 */
export * as UndiciTransport from "./UndiciTransport.js"
