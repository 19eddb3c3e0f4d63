import * as Effect from "effect/Effect"
import type { WithResponse } from "../OpenAIClient.js"

/** Turns a `...WithResponse` operation into its data-only form. */
export const dataOnly = <Args extends ReadonlyArray<unknown>, A, E, R>(
  f: (...args: Args) => Effect.Effect<WithResponse<A>, E, R>
) =>
(...args: Args): Effect.Effect<A, E, R> => Effect.map(f(...args), (r) => r.data)
