/**
 * Node-only parts, at `@effect-openai/openai/node`: the undici transport (the default of `OpenAI.layer` on Node).
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as UndiciTransport from "./UndiciTransport.js"
