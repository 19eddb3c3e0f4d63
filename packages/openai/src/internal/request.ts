/**
 * Ordinary requests: JSON bodies read whole, and binary bodies handed over as a stream. An attempt is bounded
 * by the attempt timeout (a binary body's stream afterwards by the idle limit) and retried per policy.
 */
import * as Effect from "effect/Effect"
import type * as Stream from "effect/Stream"
import { OpenAIConfig } from "../OpenAIConfig.js"
import type * as OpenAIError from "../OpenAIError.js"
import type { RequestSpec, WithResponse } from "../OpenAIRequest.js"
import { Meta, readJson } from "./response.js"
import { withRetries } from "./retry.js"
import type { Engine } from "./send.js"
import { bodyStream } from "./stream.js"
import { annotateResponse, logRank, traced } from "./telemetry.js"
import { attemptLimit, bound, streamLimits, type Timeout } from "./timeouts.js"

export const makeRequests = (engine: Engine) => {
  const json = <A>(spec: RequestSpec): Effect.Effect<WithResponse<A>, OpenAIError.OpenAIError> =>
    Effect.flatMap(engine.prepare(spec), (prepared) =>
      Effect.flatMap(OpenAIConfig, (settings) => {
        const logLevel = logRank[settings.logLevel]
        const timeout: Timeout = { limit: attemptLimit(prepared, settings), phase: "request" }
        const attempt = bound(engine.native, prepared, timeout, (t) =>
          Effect.flatMap(engine.send(prepared, logLevel, t), (sent) => readJson<A>(prepared, sent, t)))
        return traced(
          prepared,
          spec,
          Effect.tap(withRetries(prepared, logLevel, settings, attempt), (r) => annotateResponse(r.response, r.data))
        )
      }))

  const binary = (
    spec: RequestSpec
  ): Effect.Effect<WithResponse<Stream.Stream<Uint8Array, OpenAIError.OpenAIError>>, OpenAIError.OpenAIError> =>
    Effect.flatMap(engine.prepare(spec), (prepared) =>
      Effect.flatMap(OpenAIConfig, (settings) => {
        const logLevel = logRank[settings.logLevel]
        const limits = streamLimits(prepared, settings)
        const timeout: Timeout = { limit: limits.attempt, phase: "request" }
        const attempt = bound(engine.native, prepared, timeout, (t) => engine.send(prepared, logLevel, t))
        return traced(
          prepared,
          spec,
          Effect.flatMap(withRetries(prepared, logLevel, settings, attempt), (sent) => {
            const meta = new Meta(sent.response.status, sent.headers)
            return Effect.as(annotateResponse(meta, undefined), {
              data: bodyStream(prepared, sent, limits.idle),
              response: meta
            })
          })
        )
      }))

  return { json, binary }
}
