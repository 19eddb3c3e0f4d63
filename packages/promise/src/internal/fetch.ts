/**
 * The platform's fetch transport over a given `fetch` (a client's `fetch` option, a metadata provider's) or the
 * runtime's own.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Layer from "effect/Layer"

export const fetchLayer = (
  fetch: ((input: any, init?: any) => Promise<Response>) | undefined
): Layer.Layer<HttpClient.HttpClient> =>
  fetch === undefined
    ? FetchHttpClient.layer
    : Layer.provide(FetchHttpClient.layer, Layer.succeed(FetchHttpClient.Fetch, fetch as typeof globalThis.fetch))
