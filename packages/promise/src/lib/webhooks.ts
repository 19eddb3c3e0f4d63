/**
 * The base of `client.webhooks`: `unwrap` and `verifySignature`, the official helpers that check a delivery
 * (no request is made). Both run the core's `Webhooks.verify`; the failures become what the official SDK throws:
 * `InvalidWebhookSignatureError` for a signature or timestamp that does not verify, a plain `Error` for a missing
 * secret or header, and `unwrap`'s `JSON.parse` error for a verified body that is not JSON.
 */
import * as Webhooks from "@effect-openai/openai/Webhooks"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { APIResource } from "../core/resource.js"
import { InvalidWebhookSignatureError } from "../core/error.js"
import type { UnwrapWebhookEvent } from "../generated/resources/webhooks/webhooks.js"
import type { HeadersLike } from "../internal/request-options.js"

/** The official default: 5 minutes, in seconds. */
const defaultTolerance = 300

export class WebhooksHelpers extends APIResource {
  /**
   * Checks that OpenAI sent the payload (see `verifySignature`), then parses it. An event of a type this version
   * does not know is returned as it came.
   */
  async unwrap(
    payload: string,
    headers: HeadersLike,
    secret: string | undefined | null = this._client.webhookSecret,
    tolerance: number = defaultTolerance
  ): Promise<UnwrapWebhookEvent> {
    await this.verifySignature(payload, headers, secret, tolerance)
    return JSON.parse(payload) as UnwrapWebhookEvent
  }

  /**
   * Throws unless OpenAI sent the payload: a `v1` signature of its `webhook-signature` header must be the
   * HMAC-SHA256 of `${webhook-id}.${webhook-timestamp}.${payload}` under the secret, and the timestamp within
   * `tolerance` seconds of now (either way).
   *
   * @param payload - The request body exactly as received, as text.
   * @param headers - The request headers.
   * @param secret - The endpoint's signing secret (default: the client's `webhookSecret`, from `OPENAI_WEBHOOK_SECRET`).
   * @param tolerance - How old (or how far ahead) the timestamp may be, in seconds (default 300).
   */
  async verifySignature(
    payload: string,
    headers: HeadersLike,
    secret: string | undefined | null = this._client.webhookSecret,
    tolerance: number = defaultTolerance
  ): Promise<void> {
    const verification = Webhooks.verify(payload, headers ?? {}, secret ?? []).pipe(
      Effect.provideService(Webhooks.Tolerance, Duration.seconds(tolerance))
    )
    const exit = await Effect.runPromiseExit(verification)
    if (Exit.isSuccess(exit)) return
    const failure = Cause.failureOption(exit.cause)
    if (failure._tag === "None") throw Cause.squash(exit.cause)
    const error = failure.value
    switch (error.reason) {
      case "MissingSecret":
        throw new Error(
          "No webhook secret: pass `webhookSecret` to the client, set OPENAI_WEBHOOK_SECRET, or pass the secret to this method"
        )
      case "InvalidSecret":
      case "MissingHeader":
        throw new Error(error.message)
      default:
        throw new InvalidWebhookSignatureError(error.message)
    }
  }
}
