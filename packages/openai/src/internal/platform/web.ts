/** The default transport outside Node (browsers, edge runtimes, Deno, Bun): the platform's fetch client. Chosen by the package's `#platform` import. */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as Layer from "effect/Layer"

export const defaultHttpClient: Layer.Layer<HttpClient.HttpClient> = FetchHttpClient.layer
