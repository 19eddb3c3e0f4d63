/** The default transport where the runtime is Node: the undici transport. Chosen by the package's `#platform` import. */
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as Layer from "effect/Layer"
import * as UndiciTransport from "../../node/UndiciTransport.js"

export const defaultHttpClient: Layer.Layer<HttpClient.HttpClient> = UndiciTransport.layer
