/**
 * The base of `client.responses`: the official helpers that are not operations of the spec. Each method delegates
 * to its own module.
 */
import type { RequestOptions } from "../internal/request-options.js"
import { APIResource } from "../core/resource.js"
import type { APIPromise } from "../core/api-promise.js"
import type { ParsedResponse, ResponseParseParams } from "../generated/resources/responses/responses.js"
import { type ExtractParsedResponseContentFromParams, parseResponse } from "./parse.js"
import { type ResponseStream, type ResponseStreamParams, streamResponse } from "./response-stream.js"

export class ResponsesHelpers extends APIResource {
  // --- stream (lib/response-stream.ts) ---
  /** A streamed response with events, accumulated to the final response. */
  stream<ParsedT = null>(body: ResponseStreamParams, options?: RequestOptions): ResponseStream<ParsedT> {
    return streamResponse<ParsedT>(this._client, body, options)
  }

  // --- parse (lib/parse.ts) ---
  /**
   * `create`, then the final answer's text parsed by `text.format` into `output_parsed`, and the arguments of calls
   * to strict function tools into `parsed_arguments` (typed when the tool was made by a helper).
   */
  parse<Params extends ResponseParseParams, ParsedT = ExtractParsedResponseContentFromParams<Params>>(
    body: Params,
    options?: RequestOptions
  ): APIPromise<ParsedResponse<ParsedT>> {
    return parseResponse<Params, ParsedT>(this._client, body, options)
  }
}
