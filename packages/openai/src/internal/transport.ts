/**
 * The contract between the client and a transport that does more than `HttpClient` promises:
 * - attempt timeouts: the client records the limit of each request in `attemptTimeouts`; a transport that
 *   carries `nativeTimeoutsId` aborts the request with `AttemptTimeout` when it runs out, instead of the client
 *   racing a fiber per call;
 * - body sources: a response with a `byteSourceId` method hands its body over as an `internal/body` source
 *   that can be read synchronously.
 * Kept apart from any transport so that importing the client never pulls one in.
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

/** The method name under which a response offers its body as a `ByteSource`. */
export const byteSourceId: unique symbol = Symbol.for("@effect-openai/openai/byteSource")
