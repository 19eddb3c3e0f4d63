/**
 * A webhook endpoint on @effect/platform's HttpServer: `POST /webhooks` reads the raw body, verifies it with
 * `Webhooks.unwrap` (the secret from OPENAI_WEBHOOK_SECRET) and hands the typed event to a handler. A delivery that
 * does not verify gets 400; a server without a (readable) secret answers 500, which OpenAI retries.
 *
 *   OPENAI_WEBHOOK_SECRET=whsec_... npx -y pnpm@10 scratch scratchpad/webhook-server.ts [port]
 *
 * The guide is docs/webhooks.md; test/webhook-server.test.ts serves this route on a loopback port.
 */
import { createServer } from "node:http"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { HttpRouter, HttpServer, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { Webhooks } from "@effect-openai/openai"
import { Effect, Layer } from "effect"

/** What the endpoint does with a verified event. */
export type Handler = (event: Webhooks.Event) => Effect.Effect<void>

export const webhookRoute = (handle: Handler) =>
  HttpRouter.empty.pipe(
    HttpRouter.post(
      "/webhooks",
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        // The body as it arrived: the signature covers these bytes, not a re-serialized JSON value.
        const body = new Uint8Array(yield* request.arrayBuffer)
        const event = yield* Webhooks.unwrap(body, request.headers)
        yield* handle(event)
        return HttpServerResponse.empty({ status: 200 })
      }).pipe(
        Effect.catchTags({
          WebhookVerificationError: (error) =>
            Effect.as(
              Effect.logWarning(`webhook refused: ${error.message}`),
              HttpServerResponse.text(error.reason, {
                // our configuration, not the sender, is at fault: 500 makes OpenAI deliver it again later
                status: error.reason === "MissingSecret" || error.reason === "InvalidSecret" ? 500 : 400
              })
            ),
          RequestError: () => Effect.succeed(HttpServerResponse.text("unreadable body", { status: 400 }))
        })
      )
    )
  )

/** An example handler: `type` narrows each event to its own data. */
export const logEvent: Handler = (event) => {
  switch (event.type) {
    case "response.completed":
      return Effect.log(`response ${event.data.id} completed: fetch it with Responses.retrieve`)
    case "batch.completed":
      return Effect.log(`batch ${event.data.id} completed`)
    case "realtime.call.incoming":
      return Effect.log(`incoming call ${event.data.call_id}`)
    default:
      // known events not handled here, and any event type this version does not know yet
      return Effect.log(`event ${event.type as string}`)
  }
}

// Run as a program (not when imported): serve the route until interrupted.
if (process.argv[1] !== undefined && Path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const port = Number(process.argv[2] ?? 3000)
  HttpServer.serve(webhookRoute(logEvent)).pipe(
    HttpServer.withLogAddress,
    Layer.provide(NodeHttpServer.layer(createServer, { port })),
    Layer.launch,
    NodeRuntime.runMain
  )
}
