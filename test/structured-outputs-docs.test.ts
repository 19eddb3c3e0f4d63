/**
 * docs/structured-outputs.md: every TypeScript block of the guide is (up to indentation) a part of this file, so
 * `tsc -b` checks it, and the tests below run it against scripted answers.
 */
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import { OpenAITest, StructuredOutput } from "@effect-openai/openai"
import OpenAI from "@effect-openai/promise"
import { standardTextFormat } from "@effect-openai/promise/helpers/standard-schema"
import { zodResponseFormat } from "@effect-openai/promise/helpers/zod"
import { Effect, Schema } from "effect"
import { z } from "zod"
import { json, serve } from "./parity/support.js"
import { assertBlocksIn } from "./support/guides.js"


describe("docs/structured-outputs.md", () => {
  it("every TypeScript block is part of this typechecked file", () =>
    assertBlocksIn("docs/structured-outputs.md", [fileURLToPath(import.meta.url)], 5))
})

// --- the Effect API ------------------------------------------------------------------------------------------------

const Event = Schema.Struct({
  title: Schema.String,
  at: Schema.Date,
  room: Schema.optional(Schema.String)
})

const nextEvent = StructuredOutput.createChatCompletion({
  model: "gpt-4o-mini",
  messages: [{ role: "user", content: "Lunch with Ada on May 1st at noon" }],
  response_format: StructuredOutput.responseFormat(Event, { name: "event" })
}).pipe(
  Effect.map((completion) => completion.choices[0]?.message.parsed),
  Effect.catchTag("RefusalError", (e) => Effect.fail(new Error(`refused: ${e.refusal}`)))
)

const bookRoom = StructuredOutput.tool("book_room", Schema.Struct({ room: Schema.String, at: Schema.Date }), {
  description: "Books a meeting room"
})

const booked = StructuredOutput.createChatCompletion({
  model: "gpt-4o-mini",
  messages: [{ role: "user", content: "Book the blue room for May 1st at noon" }],
  tools: [bookRoom]
}).pipe(Effect.map((completion) =>
  (completion.choices[0]?.message.tool_calls ?? []).flatMap((call) =>
    call.type === "function" ? [call.function.parsed_arguments.at] : []
  )
))

const summary = StructuredOutput.createResponse({
  model: "gpt-4o-mini",
  input: "Lunch with Ada on May 1st at noon",
  text: { format: StructuredOutput.textFormat(Event, { name: "event" }) }
}).pipe(Effect.map((response) => response.output_parsed.title))

const chatAnswer = (message: Record<string, unknown>) =>
  OpenAITest.unchecked({
    id: "c1",
    object: "chat.completion",
    created: 1,
    model: "gpt-4o-mini",
    choices: [{ index: 0, finish_reason: "stop", logprobs: null, message: { role: "assistant", content: null, refusal: null, ...message } }]
  })

const noon = "2024-05-01T12:00:00.000Z"

describe("the guide's Effect examples", () => {
  it.effect("nextEvent decodes the event; a refusal becomes the program's own error", () =>
    Effect.gen(function*() {
      const event = yield* nextEvent
      assert.strictEqual(event?.at.toISOString(), noon)
      assert.isFalse("room" in (event ?? {}))
      const refused = yield* Effect.flip(nextEvent)
      assert.strictEqual(refused.message, "refused: No.")
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /chat/completions": [
        chatAnswer({ content: JSON.stringify({ title: "Lunch", at: noon, room: null }) }),
        chatAnswer({ refusal: "No." })
      ]
    }))))

  it.effect("booked decodes the tool call's arguments", () =>
    Effect.gen(function*() {
      const [at] = yield* booked
      assert.instanceOf(at, Date)
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /chat/completions": chatAnswer({
        tool_calls: [{ id: "call_1", type: "function", function: { name: "book_room", arguments: JSON.stringify({ room: "blue", at: noon }) } }]
      })
    }))))

  it.effect("summary reads output_parsed", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* summary, "Lunch")
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /responses": OpenAITest.unchecked({
        id: "r1",
        object: "response",
        created_at: 1,
        status: "completed",
        model: "gpt-4o-mini",
        output: [{
          id: "m1",
          type: "message",
          role: "assistant",
          status: "completed",
          content: [{ type: "output_text", text: JSON.stringify({ title: "Lunch", at: noon, room: null }), annotations: [], logprobs: [] }]
        }]
      })
    }))))
})

// --- the Promise facade --------------------------------------------------------------------------------------------

describe("the guide's Promise examples", () => {
  it("zodResponseFormat and standardTextFormat parse the answers", async () => {
    const server = await serve((req, res) =>
      req.path.endsWith("/chat/completions")
        ? json(res, 200, {
          id: "c1",
          object: "chat.completion",
          created: 1,
          model: "gpt-4o-mini",
          choices: [{ index: 0, finish_reason: "stop", logprobs: null, message: { role: "assistant", content: `{"city":"Oslo","celsius":-3,"wind":null}`, refusal: null } }]
        })
        : json(res, 200, {
          id: "r1",
          object: "response",
          created_at: 1,
          status: "completed",
          model: "gpt-4o-mini",
          output: [{
            id: "m1",
            type: "message",
            role: "assistant",
            status: "completed",
            content: [{ type: "output_text", text: JSON.stringify({ title: "Lunch", at: noon }), annotations: [], logprobs: [] }]
          }]
        })
    )
    const client = new OpenAI({ apiKey: "sk-test", baseURL: server.url, maxRetries: 0 })

    const Weather = z.object({ city: z.string(), celsius: z.number(), wind: z.number().optional() })

    const weather = await client.chat.completions.parse({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "Weather in Oslo?" }],
      response_format: zodResponseFormat(Weather, "weather")
    })
    const celsius = weather.choices[0]?.message.parsed?.celsius

    const Meeting = Schema.Struct({ title: Schema.String, at: Schema.Date })

    const meeting = await client.responses.parse({
      model: "gpt-4o-mini",
      input: "Lunch with Ada on May 1st at noon",
      text: { format: standardTextFormat(Meeting, "meeting") }
    })
    const at = meeting.output_parsed?.at

    assert.strictEqual(celsius, -3)
    assert.isFalse("wind" in (weather.choices[0]?.message.parsed ?? {}))
    assert.strictEqual(at?.toISOString(), noon)
  })
})
