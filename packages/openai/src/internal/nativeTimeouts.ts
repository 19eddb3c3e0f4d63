/**
 * The contract between the client and a transport that enforces attempt timeouts itself: the client records
 * the limit of each request here, the transport aborts the request with `AttemptTimeout` when it runs out.
 * Kept apart from the transport so that importing the client never pulls in undici.
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"

/** Attempt time limits in milliseconds, keyed by request. */
export const attemptTimeouts: WeakMap<HttpClientRequest.HttpClientRequest, number> = new WeakMap()

/** The abort reason of a request whose attempt timer ran out. */
export class AttemptTimeout extends Error {
  constructor(readonly millis: number) {
    super(`attempt timed out after ${millis} ms`)
  }
}

export const nativeTimeoutsId: unique symbol = Symbol.for("@effect-openai/openai/nativeTimeouts")

/** Whether a client enforces `attemptTimeouts` itself. */
export const hasNativeTimeouts = (client: HttpClient.HttpClient): boolean => nativeTimeoutsId in client
