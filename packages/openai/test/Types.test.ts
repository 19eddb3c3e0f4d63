/**
 * Type-level checks: `tsc -b` fails when a `@ts-expect-error` line compiles. The programs are built, never run.
 */
import { describe, expectTypeOf, it } from "@effect/vitest"
import { FetchHttpClient } from "@effect/platform"
import { Effect, Option, Stream } from "effect"
import type * as OpenAIError from "../src/OpenAIError.js"
import * as OpenAITest from "../src/OpenAITest.js"
import { Chat, Files, Models, Responses } from "../src/index.js"

const chatParams = { model: "m", messages: [{ role: "user" as const, content: "Hi" }] }

describe("types that guide", () => {
  it("an ordinary operation carries neither stream-only nor upload errors", () => {
    const retrieve = () => Models.retrieve("m")
    expectTypeOf<Effect.Effect.Error<ReturnType<typeof retrieve>>>().toEqualTypeOf<OpenAIError.RequestError>()
    void [
      // @ts-expect-error StreamTruncatedError is not among a plain request's errors
      () => retrieve().pipe(Effect.catchTag("StreamTruncatedError", () => Effect.void)),
      // @ts-expect-error UploadError is not among the errors of an operation without a file
      () => retrieve().pipe(Effect.catchTag("UploadError", () => Effect.void)),
      () => retrieve().pipe(Effect.catchTag("RateLimitError", () => Effect.void))
    ]
  })

  it("uploads add UploadError, streams add the stream failures", () => {
    const upload = () => Files.create({ file: new Uint8Array(1), purpose: "batch" })
    expectTypeOf<Effect.Effect.Error<ReturnType<typeof upload>>>().toEqualTypeOf<
      OpenAIError.RequestError | OpenAIError.UploadFailure
    >()
    const stream = () => Chat.Completions.createStream(chatParams)
    expectTypeOf<Stream.Stream.Error<ReturnType<typeof stream>>>().toEqualTypeOf<
      OpenAIError.RequestError | OpenAIError.StreamFailure
    >()
    void [
      () => upload().pipe(Effect.catchTag("UploadError", () => Effect.void)),
      () => stream().pipe(Stream.catchTag("StreamTruncatedError", () => Stream.empty)),
      // @ts-expect-error a chat stream sends no file
      () => stream().pipe(Stream.catchTag("UploadError", () => Stream.empty))
    ]
  })

  it("stream events narrow on type with plain ===", () => {
    const text = Responses.createStream({ model: "m", input: "Hi" }).pipe(
      Stream.filterMap((e) => e.type === "response.output_text.delta" ? Option.some(e.delta) : Option.none())
    )
    expectTypeOf<Stream.Stream.Success<typeof text>>().toEqualTypeOf<string>()
    const described = Responses.createStream({ model: "m", input: "Hi" }).pipe(Stream.map((e) => {
      switch (e.type) {
        case "response.completed":
          return e.response.id
        case "response.output_text.delta":
          return e.delta
        default:
          return `${e.type}`
      }
    }))
    expectTypeOf<Stream.Stream.Success<typeof described>>().toEqualTypeOf<string>()
  })

  it("the test layer checks route keys and fixtures against the API", () => {
    void [
      OpenAITest.layer({
        "GET /models/:id": OpenAITest.json({ id: "gpt-4o", object: "model" }),
        "GET /models/quota": [OpenAITest.error(429), OpenAITest.json({ id: "q" })],
        "POST /chat/completions": (request) => OpenAITest.json({ id: request.params.id ?? "c", object: "chat.completion" }),
        "GET /files/:id/content": OpenAITest.bytes([new Uint8Array(1)])
      }, { customRoutes: { "GET /not/in/the/api": OpenAITest.json({ anything: true }) } }),
      // @ts-expect-error a typo in a route key names no operation
      OpenAITest.layer({ "GET /modelz/:id": OpenAITest.json({ id: "m" }) }),
      // @ts-expect-error a typo in a route key, even with a reply that holds no JSON
      OpenAITest.layer({ "GET /modelz/:id": OpenAITest.error(500) }),
      // @ts-expect-error a field of the wrong type
      OpenAITest.layer({ "GET /models/:id": OpenAITest.json({ id: 7 }) }),
      // @ts-expect-error a field the response does not have
      OpenAITest.layer({ "GET /models/:id": OpenAITest.json({ idd: "m" }) }),
      // @ts-expect-error the test layer has its own transport: httpClient would be ignored
      OpenAITest.layer({}, { httpClient: FetchHttpClient.layer })
    ]
  })
})
