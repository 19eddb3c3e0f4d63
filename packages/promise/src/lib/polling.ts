/**
 * The official polling helpers' options and outcomes over the core's `Polling`: `pollIntervalMs` (0 included) is a
 * fixed wait in place of the server's `openai-poll-after-ms` and the 5 s default; the other request options go on
 * every request; `signal` ends the whole helper, a wait included. As in the official package, a helper resolves with
 * the object whatever terminal status it reached (`failed` and `cancelled` included: check its `status`).
 */
import * as Polling from "@effect-openai/openai/helpers/Polling"
import type { OpenAIClient } from "@effect-openai/openai/OpenAIClient"
import type * as CoreError from "@effect-openai/openai/OpenAIError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type { ClientCore } from "../core/client.js"
import { coreOptions } from "../internal/call.js"
import type { RequestOptions } from "../internal/request-options.js"

/** The official helpers' options. */
export type PollOptions = RequestOptions & { pollIntervalMs?: number | undefined }

/** The core's options for one helper call. */
export const pollingOptions = (options: PollOptions | undefined) => {
  const ms = options?.pollIntervalMs
  return {
    schedule: typeof ms === "number" && !Number.isNaN(ms) ? Schedule.spaced(Duration.millis(Math.max(0, ms))) : undefined,
    requestOptions: coreOptions(options)
  }
}

/** Runs a helper on the client's runtime: the object it ended with, or the official class of the request's error. */
export const settle = <A>(
  client: ClientCore,
  effect: Effect.Effect<A, CoreError.OpenAIError | Polling.PollFailedError<A> | Polling.PollExhaustedError<A>, OpenAIClient>,
  options: RequestOptions | undefined
): Promise<A> =>
  client._runtime.promise(
    Effect.catchIf(
      effect,
      (e): e is Polling.PollFailedError<A> | Polling.PollExhaustedError<A> =>
        e._tag === "PollFailedError" || e._tag === "PollExhaustedError",
      // a fixed interval or the default never ends, so only the failure's object comes here
      (e) => e._tag === "PollFailedError" ? Effect.succeed(e.value) : Effect.die(e)
    ),
    { signal: options?.signal, fetchOptions: options?.fetchOptions }
  )
