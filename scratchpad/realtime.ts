/**
 * A short Realtime session on both surfaces, against a local stand-in for the API (`realtime-server.ts`): text in,
 * text and audio out, on the Effect API (`RealtimeSession`) and on the Promise facade (`OpenAIRealtimeWS`). It
 * always uses the stand-in, whatever OPENAI_API_KEY says.
 *
 *   npx -y pnpm@10 scratch scratchpad/realtime.ts
 *
 * The guide is docs/realtime.md; its examples are in this file.
 */
import { OpenAI, RealtimeSession } from "@effect-openai/openai"
import { NodeRealtime } from "@effect-openai/openai/node"
import OpenAIClient from "@effect-openai/promise"
import { OpenAIRealtimeWS } from "@effect-openai/promise/realtime/ws"
import { Effect, Layer, Option, Stream } from "effect"
import { startRealtimeStandIn } from "./realtime-server.js"

const standIn = await startRealtimeStandIn("sk-local-realtime")
// Both surfaces read these, as they would read a real key.
process.env.OPENAI_API_KEY = "sk-local-realtime"
process.env.OPENAI_BASE_URL = standIn.url

// --- the Effect API ------------------------------------------------------------------------------------------------

// the client, and how sockets are opened: `ws` on Node (elsewhere: RealtimeSession.layerGlobalWebSocket)
const RealtimeLive = Layer.mergeAll(OpenAI.layerConfig(), NodeRealtime.layer)

const ask = (text: string) =>
  Effect.scoped(
    Effect.gen(function*() {
      const session = yield* RealtimeSession.connect({ model: "gpt-realtime" })
      yield* session.send({ type: "session.update", session: { type: "realtime", output_modalities: ["text"] } })
      yield* session.send({
        type: "conversation.item.create",
        item: { type: "message", role: "user", content: [{ type: "input_text", text }] }
      })
      yield* session.send({ type: "response.create" })
      return yield* session.events.pipe(
        Stream.takeUntil((event) => event.type === "response.done"),
        Stream.filterMap((event) => event.type === "response.output_text.delta" ? Option.some(event.delta) : Option.none()),
        Stream.mkString
      )
    })
  ) // the scope closes the session (code 1000)

// microphone samples in, as the Web Audio API gives them (floats in [-1, 1])
const speak = (session: RealtimeSession.Session, samples: Float32Array) =>
  Effect.zipRight(
    session.send({ type: "input_audio_buffer.append", audio: RealtimeSession.Audio.encodePcm16(samples) }),
    session.send({ type: "input_audio_buffer.commit" })
  )

// the answer's audio out: 16-bit samples, 24 kHz mono, one chunk per delta
const playback = (session: RealtimeSession.Session) =>
  session.events.pipe(
    Stream.takeUntil((event) => event.type === "response.done"),
    Stream.filterMap((event) =>
      event.type === "response.output_audio.delta" ? Option.some(RealtimeSession.Audio.decodePcm16(event.delta)) : Option.none()
    )
  )

const audioRoundTrip = Effect.scoped(
  Effect.gen(function*() {
    const session = yield* RealtimeSession.connect({ model: "gpt-realtime" })
    yield* speak(session, new Float32Array(2400)) // 100 ms of silence
    yield* session.send({ type: "response.create" })
    return yield* Stream.runFold(playback(session), 0, (samples, chunk) => samples + chunk.length)
  })
)

const effectAnswer = await Effect.runPromise(ask("Hello from Effect").pipe(Effect.provide(RealtimeLive)))
console.log(`effect: ${effectAnswer}`)
const received = await Effect.runPromise(audioRoundTrip.pipe(Effect.provide(RealtimeLive)))
console.log(`effect audio: ${received} samples received`)

// --- the Promise facade --------------------------------------------------------------------------------------------

const facadeAnswer = (client: OpenAIClient, text: string) =>
  new Promise<string>((resolve, reject) => {
    const rt = new OpenAIRealtimeWS({ model: "gpt-realtime" }, client)
    let answer = ""
    rt.on("error", (error) => reject(error))
    rt.on("response.output_text.delta", (event) => (answer += event.delta))
    rt.on("response.done", () => rt.close())
    rt.on("close", () => resolve(answer))
    rt.socket.on("open", () => {
      rt.send({ type: "session.update", session: { type: "realtime", output_modalities: ["text"] } })
      rt.send({
        type: "conversation.item.create",
        item: { type: "message", role: "user", content: [{ type: "input_text", text }] }
      })
      rt.send({ type: "response.create" })
    })
  })

console.log(`promise: ${await facadeAnswer(new OpenAIClient(), "Hello from the facade")}`)

const { accepted, refused, samples } = standIn.stats()
console.log(`stand-in: ${accepted} connections accepted, ${refused} refused, ${samples} audio samples committed`)
await standIn.close()
