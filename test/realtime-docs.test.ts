/**
 * docs/realtime.md: every TypeScript block of the guide is (up to indentation) a part of `scratchpad/realtime.ts` or
 * of this file, both checked by `tsc -b`. The scratchpad runs through the documented command against its local
 * stand-in for the API; the guide's other examples (reconnection, errors, server errors as failures, a client
 * secret for the browser, the browser class) run here against the same stand-in.
 */
import * as Path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import { OpenAI, OpenAITest, Realtime, RealtimeSession } from "@effect-openai/openai"
import { NodeRealtime } from "@effect-openai/openai/node"
import OpenAIClient from "@effect-openai/promise"
import { OpenAIRealtimeWebSocket } from "@effect-openai/promise/realtime/websocket"
import { Chunk, Effect, Layer, Option, Redacted, Schedule, Stream } from "effect"
import { WebSocket as NodeWebSocket } from "ws"
import { assertBlocksIn, root } from "./support/guides.js"
import { runScratch } from "./support/scratch.js"


interface StandIn {
  readonly url: string
  readonly stats: () => { readonly accepted: number; readonly refused: number; readonly samples: number }
  readonly close: () => Promise<void>
}

// scratchpad is a TypeScript project of its own, so its stand-in is loaded at run time, not imported.
const startStandIn = async (apiKey: string): Promise<StandIn> => {
  const module = await import(pathToFileURL(Path.join(root, "scratchpad/realtime-server.ts")).href)
  return (module as { startRealtimeStandIn: (key: string) => Promise<StandIn> }).startRealtimeStandIn(apiKey)
}

/** The client and the `ws` transport for a stand-in, with `key`. */
const layerFor = (standIn: StandIn, key: string) =>
  Layer.mergeAll(OpenAI.layer({ apiKey: Redacted.make(key), baseURL: standIn.url }), NodeRealtime.layer)

describe("docs/realtime.md", () => {
  it("every TypeScript block is part of a typechecked file", () =>
    assertBlocksIn("docs/realtime.md", ["scratchpad/realtime.ts", fileURLToPath(import.meta.url)], 8))

  it("scratchpad/realtime.ts runs a session on both surfaces against its stand-in", async () => {
    const { code, stderr, stdout } = await runScratch(Path.join(root, "scratchpad/realtime.ts"))
    assert.strictEqual(code, 0, stderr)
    assert.deepStrictEqual(stdout.trim().split("\n"), [
      "effect: You said: Hello from Effect",
      "effect audio: 480 samples received",
      "promise: You said: Hello from the facade",
      "stand-in: 3 connections accepted, 0 refused, 2400 audio samples committed"
    ])
  })
})

// --- the guide's examples ----------------------------------------------------------------------------------------

// Sent again after each reconnection: the new server session knows nothing of the last one.
const setup: RealtimeSession.ClientEvent = { type: "session.update", session: { type: "realtime", instructions: "Be brief." } }

const resilient = Effect.gen(function*() {
  const session = yield* RealtimeSession.connect({
    model: "gpt-realtime",
    reconnect: Schedule.exponential("200 millis").pipe(Schedule.intersect(Schedule.recurs(5)))
  })
  yield* session.send(setup)
  const events = session.events.pipe(
    Stream.tap((event) => (event.type === "effect_openai.reconnected" ? session.send(setup) : Effect.void))
  )
  return { session, events }
})

const firstEvent = Effect.scoped(
  Effect.flatMap(RealtimeSession.connect({ model: "gpt-realtime" }), (session) => Stream.runHead(session.events))
).pipe(
  Effect.map(Option.match({ onNone: () => "no event", onSome: (event) => event.type })),
  Effect.catchTags({
    RealtimeConnectError: (error) => Effect.succeed(`could not connect: HTTP ${error.status ?? "-"}`),
    RealtimeClosedError: (error) => Effect.succeed(`closed: ${error.code} ${error.reason}`)
  })
)

// any `error` event ends the stream, as a RealtimeServerError
const strict = (session: RealtimeSession.Session) => RealtimeSession.failOnServerError(session.events)

// On your server: a client secret for one browser session, valid for 10 minutes.
const clientSecret = Realtime.ClientSecrets.create({
  expires_after: { anchor: "created_at", seconds: 600 },
  session: { type: "realtime", model: "gpt-realtime" }
}).pipe(Effect.map((secret) => secret.value))

// In the browser: the client secret, never an API key.
const inTheBrowser = (secret: string, baseURL?: string) => {
  const client = new OpenAIClient({ apiKey: secret, baseURL, dangerouslyAllowBrowser: true })
  const rt = new OpenAIRealtimeWebSocket({ model: "gpt-realtime" }, client)
  rt.on("response.output_text.delta", (event) => console.log(event.delta))
  rt.socket.addEventListener("open", () => rt.send({ type: "response.create" }))
  return rt
}

describe("the guide's examples", () => {
  it.live("reconnection: after a drop, `effect_openai.reconnected`, the setup sent again, the new session's events", () =>
    Effect.gen(function*() {
      const standIn = yield* Effect.promise(() => startStandIn("sk-docs"))
      const types = yield* Effect.scoped(
        Effect.gen(function*() {
          const { events, session } = yield* resilient
          yield* session.send({
            type: "conversation.item.create",
            item: { type: "message", role: "user", content: [{ type: "input_text", text: "/drop" }] }
          })
          const seen = yield* events.pipe(Stream.map((event) => event.type), Stream.take(5), Stream.runCollect)
          return Chunk.toArray(seen)
        })
      ).pipe(Effect.provide(layerFor(standIn, "sk-docs")))
      yield* Effect.promise(() => standIn.close())
      assert.deepStrictEqual(types, [
        "session.created",
        "session.updated",
        "effect_openai.reconnected",
        "session.created",
        "session.updated" // the setup, sent again
      ])
      assert.strictEqual(standIn.stats().accepted, 2)
    }))

  it.live("errors: a refused key and a good one", () =>
    Effect.gen(function*() {
      const standIn = yield* Effect.promise(() => startStandIn("sk-docs"))
      const refused = yield* firstEvent.pipe(Effect.provide(layerFor(standIn, "sk-wrong")))
      const accepted = yield* firstEvent.pipe(Effect.provide(layerFor(standIn, "sk-docs")))
      yield* Effect.promise(() => standIn.close())
      assert.strictEqual(refused, "could not connect: HTTP 401")
      assert.strictEqual(accepted, "session.created")
    }))

  it.live("failOnServerError: the first `error` event fails the stream with RealtimeServerError", () =>
    Effect.gen(function*() {
      const standIn = yield* Effect.promise(() => startStandIn("sk-docs"))
      const error = yield* Effect.scoped(
        Effect.gen(function*() {
          const session = yield* RealtimeSession.connect({ model: "gpt-realtime" })
          yield* session.send({ type: "output_audio_buffer.clear" }) // the stand-in does not handle it
          return yield* Effect.flip(Stream.runDrain(strict(session)))
        })
      ).pipe(Effect.provide(layerFor(standIn, "sk-docs")))
      yield* Effect.promise(() => standIn.close())
      assert.strictEqual(error._tag, "RealtimeServerError")
      assert.include(error.message, "does not handle output_audio_buffer.clear")
    }))

  it.effect("a client secret, made on the server", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* clientSecret, "ek_docs_123")
      const [request] = yield* OpenAITest.requests
      assert.deepStrictEqual(request!.json, {
        expires_after: { anchor: "created_at", seconds: 600 },
        session: { type: "realtime", model: "gpt-realtime" }
      })
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /realtime/client_secrets": OpenAITest.unchecked({
        value: "ek_docs_123",
        expires_at: 1_900_000_000,
        session: { type: "realtime", model: "gpt-realtime" }
      })
    }))))

  it("the browser class with a client secret: subprotocol credentials, the stand-in accepts them", async () => {
    const standIn = await startStandIn("ek_docs_123")
    const saved = Object.getOwnPropertyDescriptor(globalThis, "WebSocket")
    Object.defineProperty(globalThis, "WebSocket", { value: NodeWebSocket, configurable: true, writable: true })
    const logged: Array<unknown> = []
    const log = console.log
    console.log = (...args: Array<unknown>) => logged.push(...args)
    try {
      const rt = inTheBrowser("ek_docs_123", standIn.url)
      await rt.emitted("response.done")
      rt.close()
      assert.deepStrictEqual(logged.join(""), "You said: ")
      assert.deepStrictEqual(standIn.stats(), { accepted: 1, refused: 0, samples: 0 })
    } finally {
      console.log = log
      if (saved === undefined) delete (globalThis as { WebSocket?: unknown }).WebSocket
      else Object.defineProperty(globalThis, "WebSocket", saved)
      await standIn.close()
    }
  })
})
