/**
 * Operation descriptors and the requests they make: the layer under the generated functions, for adapters that
 * call operations their own way (the Promise facade) and for code that needs an operation's facts.
 *
 * @since 0.1.0
 */

export {
  /**
   * An operation's handwritten adjustment, for callers that send its requests themselves: embeddings asked as
   * base64 and decoded, `output_text` added to responses (as the generated functions do).
   *
   * @since 0.1.0
   * @category requests
   */
  adjustment,
  /**
   * What the generator knows about an operation: method, path, where each parameter goes, how it pages and
   * streams.
   *
   * @since 0.1.0
   * @category models
   */
  type Operation,
  /**
   * How an operation's stream ends, as `OpenAIClient` takes it.
   *
   * @since 0.1.0
   * @category requests
   */
  terminalOf,
  /**
   * Splits a caller's path arguments and params into a `RequestSpec` as the descriptor says.
   *
   * @since 0.1.0
   * @category requests
   */
  toSpec
} from "./internal/operation.js"

/**
 * Every operation's descriptor, named by resource path and method (`chatCompletionsCreate`).
 *
 * @since 0.1.0
 */
export * as Operations from "./generated/Operations.js"
