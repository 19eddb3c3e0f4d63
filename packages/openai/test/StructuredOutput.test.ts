/**
 * Structured outputs over scripted answers: what goes on the wire for a schema, how answers decode (Date, brand,
 * transform, optional fields answered `null`), and every tagged outcome: refusals, cut or filtered answers, answers
 * that do not decode, schemas refused before anything is sent.
 */
import { assert, describe, expectTypeOf, it } from "@effect/vitest"
import { Effect, Either, Schema } from "effect"
import * as OpenAITest from "../src/OpenAITest.js"
import type * as OpenAIError from "../src/OpenAIError.js"
import * as StructuredOutput from "../src/helpers/StructuredOutput.js"
import type { Types } from "../src/index.js"

const City = Schema.String.pipe(Schema.brand("City"))
const Event = Schema.Struct({
  title: Schema.String,
  at: Schema.Date,
  city: City,
  seats: Schema.NumberFromString,
  room: Schema.optional(Schema.String),
  note: Schema.NullOr(Schema.String)
})

const messages = [{ role: "user" as const, content: "Lunch with Ada" }]

type Message = Partial<Types.ChatCompletionResponseMessage>
const completion = (message: Message, finish_reason = "stop") => ({
  id: "chatcmpl-1",
  object: "chat.completion" as const,
  created: 1,
  model: "gpt-4o-mini",
  choices: [{
    index: 0,
    finish_reason,
    logprobs: null,
    message: { role: "assistant" as const, content: null, refusal: null, ...message }
  }]
})

const answer = { title: "Lunch", at: "2024-05-01T12:00:00.000Z", city: "Paris", seats: "2", room: null, note: null }

const chatLayer = (...replies: ReadonlyArray<ReturnType<typeof completion>>) =>
  OpenAITest.layer({ "POST /chat/completions": replies.map((r) => OpenAITest.json(r)) })

const sentBody = Effect.map(OpenAITest.requests, (all) => all[0]?.json as Record<string, any>)

describe("StructuredOutput.createChatCompletion", () => {
  it.effect("sends the strict schema and decodes the answer with the schema itself", () =>
    Effect.gen(function*() {
      const result = yield* StructuredOutput.createChatCompletion({
        model: "gpt-4o-mini",
        messages,
        response_format: StructuredOutput.responseFormat(Event, { name: "event", description: "A calendar event" })
      })
      const body = yield* sentBody
      assert.deepStrictEqual(body.response_format.type, "json_schema")
      assert.deepStrictEqual(body.response_format.json_schema.name, "event")
      assert.deepStrictEqual(body.response_format.json_schema.description, "A calendar event")
      assert.strictEqual(body.response_format.json_schema.strict, true)
      const schema = body.response_format.json_schema.schema
      assert.deepStrictEqual(schema.required, ["title", "at", "city", "seats", "room", "note"])
      assert.strictEqual(schema.additionalProperties, false)
      assert.deepStrictEqual(schema.properties.room, { anyOf: [{ type: "string" }, { type: "null" }] })

      const parsed = result.choices[0]!.message.parsed
      assert.instanceOf(parsed.at, Date)
      assert.strictEqual(parsed.at.toISOString(), "2024-05-01T12:00:00.000Z")
      assert.strictEqual(parsed.seats, 2)
      assert.strictEqual(parsed.city, "Paris")
      assert.isFalse("room" in parsed, "an optional field answered null is absent")
      assert.isNull(parsed.note)
      // the rest of the completion is as it came
      assert.strictEqual(result.id, "chatcmpl-1")
      assert.strictEqual(result.choices[0]!.message.content, JSON.stringify(answer))
    }).pipe(Effect.provide(chatLayer(completion({ content: JSON.stringify(answer) })))))

  it.effect("a refusal is a RefusalError carrying the refusal", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(StructuredOutput.createChatCompletion({
        model: "gpt-4o-mini",
        messages,
        response_format: StructuredOutput.responseFormat(Event)
      }))
      assert.strictEqual(error._tag, "RefusalError")
      if (error._tag !== "RefusalError") return
      assert.strictEqual(error.refusal, "I can't help with that.")
      assert.strictEqual(error.index, 0)
      const recovered = yield* StructuredOutput.createChatCompletion({
        model: "gpt-4o-mini",
        messages,
        response_format: StructuredOutput.responseFormat(Event)
      }).pipe(Effect.map(() => "answered"), Effect.catchTag("RefusalError", (e) => Effect.succeed(e.refusal)))
      assert.strictEqual(recovered, "I can't help with that.")
    }).pipe(Effect.provide(chatLayer(completion({ refusal: "I can't help with that." })))))

  it.effect("an answer that does not decode keeps its raw text and the schema's message", () =>
    Effect.gen(function*() {
      const raw = JSON.stringify({ ...answer, at: "next tuesday" })
      const error = yield* Effect.flip(StructuredOutput.createChatCompletion({
        model: "gpt-4o-mini",
        messages,
        response_format: StructuredOutput.responseFormat(Event, { name: "event" })
      }))
      assert.strictEqual(error._tag, "StructuredOutputParseError")
      if (error._tag !== "StructuredOutputParseError") return
      assert.strictEqual(error.text, raw)
      assert.strictEqual(error.schemaName, "event")
      assert.strictEqual(error.target, "content")
      assert.include(error.issue, `["at"]`)
      assert.include(error.issue, "Expected a valid Date")
      assert.include(error.message, "event")
      assert.strictEqual((error.cause as { _tag?: string })._tag, "ParseError")
    }).pipe(Effect.provide(chatLayer(completion({ content: JSON.stringify({ ...answer, at: "next tuesday" }) })))))

  it.effect("an answer that is not JSON is a StructuredOutputParseError too", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(StructuredOutput.createChatCompletion({
        model: "gpt-4o-mini",
        messages,
        response_format: StructuredOutput.responseFormat(Event)
      }))
      assert.strictEqual(error._tag, "StructuredOutputParseError")
      if (error._tag !== "StructuredOutputParseError") return
      assert.strictEqual(error.text, `{"title": "Lun`)
      assert.include(error.issue, "not JSON")
      assert.instanceOf(error.cause, SyntaxError)
    }).pipe(Effect.provide(chatLayer(completion({ content: `{"title": "Lun` })))))

  it.effect("finish_reason length is a LengthFinishReasonError with what arrived; content_filter its own error", () =>
    Effect.gen(function*() {
      const params = { model: "gpt-4o-mini", messages, response_format: StructuredOutput.responseFormat(Event) }
      const cut = yield* Effect.flip(StructuredOutput.createChatCompletion(params))
      assert.strictEqual(cut._tag, "LengthFinishReasonError")
      if (cut._tag === "LengthFinishReasonError") assert.strictEqual(cut.text, `{"title": "Lun`)
      const filtered = yield* Effect.flip(StructuredOutput.createChatCompletion(params))
      assert.strictEqual(filtered._tag, "ContentFilterFinishReasonError")
    }).pipe(
      Effect.provide(chatLayer(completion({ content: `{"title": "Lun` }, "length"), completion({ content: null }, "content_filter")))
    ))

  const unsupported = [
    ["a Record", Schema.Struct({ scores: Schema.Record({ key: Schema.String, value: Schema.Number }) }), "$.scores", "records"],
    ["a tuple", Schema.Struct({ point: Schema.Tuple(Schema.Number, Schema.Number) }), "$.point", "tuples"],
    ["a non-object root", Schema.Array(Schema.String), "$", "an array"],
    ["a union of objects at the root", Schema.Union(Schema.Struct({ a: Schema.String }), Schema.Struct({ b: Schema.Number })), "$", "a union"]
  ] as const

  for (const [what, schema, path, reason] of unsupported) {
    it.effect(`${what} is refused before anything is sent`, () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(StructuredOutput.createChatCompletion({
          model: "gpt-4o-mini",
          messages,
          response_format: StructuredOutput.responseFormat(schema as Schema.Schema<unknown, unknown>, { name: "thing" })
        }))
        assert.strictEqual(error._tag, "UnsupportedSchemaError")
        if (error._tag !== "UnsupportedSchemaError") return
        assert.strictEqual(error.path, path)
        assert.include(error.reason, reason)
        assert.strictEqual(error.schemaName, "thing")
        assert.include(error.message, `"thing"`)
        assert.strictEqual((yield* OpenAITest.requests).length, 0)
      }).pipe(Effect.provide(chatLayer(completion({ content: "{}" })))))
  }

  it.effect("an unsupported tool schema is refused too, and check() says so before create()", () =>
    Effect.gen(function*() {
      const tool = StructuredOutput.tool("plot", Schema.Struct({ points: Schema.Array(Schema.Tuple(Schema.Number, Schema.Number)) }))
      const params = { model: "gpt-4o-mini", messages, tools: [tool] }
      const error = yield* Effect.flip(StructuredOutput.createChatCompletion(params))
      assert.strictEqual(error._tag, "UnsupportedSchemaError")
      if (error._tag === "UnsupportedSchemaError") assert.strictEqual(error.path, "$.points[]")
      const checked = StructuredOutput.check(params)
      assert.isTrue(Either.isLeft(checked))
      assert.isTrue(Either.isRight(StructuredOutput.check({ model: "m", messages, response_format: StructuredOutput.responseFormat(Event) })))
      assert.strictEqual((yield* OpenAITest.requests).length, 0)
    }).pipe(Effect.provide(chatLayer(completion({ content: "{}" })))))

  it.effect("function tools: strict parameters on the wire, decoded arguments per tool", () =>
    Effect.gen(function*() {
      const book = StructuredOutput.tool("book_room", Schema.Struct({ city: City, at: Schema.Date, guests: Schema.optional(Schema.Number) }), {
        description: "Books a room"
      })
      const plain: Types.ChatCompletionTool = {
        type: "function",
        function: { name: "lookup", strict: true, parameters: { type: "object", properties: {}, required: [], additionalProperties: false } }
      }
      const loose: Types.ChatCompletionTool = { type: "function", function: { name: "loose", parameters: { type: "object" } } }
      const result = yield* StructuredOutput.createChatCompletion({
        model: "gpt-4o-mini",
        messages,
        response_format: StructuredOutput.responseFormat(Event),
        tools: [book, plain, loose]
      })
      const body = yield* sentBody
      assert.deepStrictEqual(body.tools[0], {
        type: "function",
        function: {
          name: "book_room",
          description: "Books a room",
          parameters: book.function.parameters,
          strict: true
        }
      })
      const parameters = body.tools[0].function.parameters
      assert.deepStrictEqual(parameters.required, ["city", "at", "guests"])
      assert.strictEqual(parameters.additionalProperties, false)

      const message = result.choices[0]!.message
      assert.isNull(message.parsed, "the model called tools instead of answering")
      const calls = message.tool_calls ?? []
      assert.strictEqual(calls.length, 3)
      const [first, second, third] = calls
      if (first?.type !== "function" || second?.type !== "function" || third?.type !== "function") return assert.fail()
      // beside tools declared as plain `ChatCompletionTool`s (names typed `string`) the name does not narrow
      const args = first.function.parsed_arguments as { readonly city: string; readonly at: Date }
      assert.strictEqual(args.city, "Paris")
      assert.instanceOf(args.at, Date)
      assert.isFalse("guests" in args)
      assert.strictEqual(first.function.arguments, `{"city":"Paris","at":"2024-05-01T12:00:00.000Z","guests":null}`)
      assert.deepStrictEqual(second.function.parsed_arguments, { q: 1 })
      assert.isNull(third.function.parsed_arguments)
    }).pipe(Effect.provide(chatLayer(completion({
      content: null,
      tool_calls: [
        { id: "call_1", type: "function", function: { name: "book_room", arguments: `{"city":"Paris","at":"2024-05-01T12:00:00.000Z","guests":null}` } },
        { id: "call_2", type: "function", function: { name: "lookup", arguments: `{"q":1}` } },
        { id: "call_3", type: "function", function: { name: "loose", arguments: `not json` } }
      ]
    }, "tool_calls")))))

  it.effect("tool arguments that do not decode are a StructuredOutputParseError on the arguments", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(StructuredOutput.createChatCompletion({
        model: "gpt-4o-mini",
        messages,
        tools: [StructuredOutput.tool("book_room", Schema.Struct({ at: Schema.Date }))]
      }))
      assert.strictEqual(error._tag, "StructuredOutputParseError")
      if (error._tag !== "StructuredOutputParseError") return
      assert.strictEqual(error.target, "arguments")
      assert.strictEqual(error.schemaName, "book_room")
      assert.strictEqual(error.text, `{"at":"soon"}`)
    }).pipe(Effect.provide(chatLayer(completion({
      tool_calls: [{ id: "call_1", type: "function", function: { name: "book_room", arguments: `{"at":"soon"}` } }]
    }, "tool_calls")))))
})

describe("StructuredOutput.decodeChatCompletion", () => {
  it("decodes a completion you already have, every choice", () => {
    const format = StructuredOutput.responseFormat(Schema.Struct({ n: Schema.Number }))
    const two = completion({ content: `{"n":1}` })
    const result = StructuredOutput.decodeChatCompletion(
      { ...two, choices: [...two.choices, { ...two.choices[0]!, index: 1, message: { ...two.choices[0]!.message, content: `{"n":2}` } }] },
      { model: "m", messages, response_format: format }
    )
    if (Either.isLeft(result)) return assert.fail(result.left.message)
    assert.deepStrictEqual(result.right.choices.map((c) => c.message.parsed), [{ n: 1 }, { n: 2 }])
  })

  it("without a structured format, parsed is null and nothing fails", () => {
    const result = StructuredOutput.decodeChatCompletion(completion({ content: "plain text" }), { model: "m", messages })
    if (Either.isLeft(result)) return assert.fail(result.left.message)
    assert.isNull(result.right.choices[0]!.message.parsed)
  })

  it("a plain json_schema format is parsed as JSON", () => {
    const result = StructuredOutput.decodeChatCompletion(completion({ content: `{"x":[1]}` }), {
      model: "m",
      messages,
      response_format: { type: "json_schema", json_schema: { name: "x", schema: {} } }
    })
    if (Either.isLeft(result)) return assert.fail(result.left.message)
    assert.deepStrictEqual(result.right.choices[0]!.message.parsed, { x: [1] })
  })
})

const response = (output: ReadonlyArray<Record<string, unknown>>, extra: Record<string, unknown> = {}) => ({
  id: "resp_1",
  object: "response" as const,
  created_at: 1,
  status: "completed",
  model: "gpt-4o-mini",
  output,
  ...extra
})

const textMessage = (text: string, phase?: string) => ({
  id: "msg_1",
  type: "message",
  role: "assistant",
  status: "completed",
  ...(phase === undefined ? {} : { phase }),
  content: [{ type: "output_text", text, annotations: [], logprobs: [] }]
})

const responsesLayer = (...replies: ReadonlyArray<unknown>) =>
  OpenAITest.layer({ "POST /responses": replies.map((r) => OpenAITest.unchecked(r)) })

describe("StructuredOutput.createResponse", () => {
  it.effect("sends text.format with the strict schema and decodes output_parsed", () =>
    Effect.gen(function*() {
      const result = yield* StructuredOutput.createResponse({
        model: "gpt-4o-mini",
        input: "Lunch with Ada",
        text: { format: StructuredOutput.textFormat(Event, { name: "event" }) }
      })
      const body = yield* sentBody
      assert.strictEqual(body.text.format.type, "json_schema")
      assert.strictEqual(body.text.format.name, "event")
      assert.strictEqual(body.text.format.strict, true)
      assert.deepStrictEqual(body.text.format.schema.required, ["title", "at", "city", "seats", "room", "note"])
      const parsed = result.output_parsed
      assert.instanceOf(parsed.at, Date)
      assert.strictEqual(parsed.seats, 2)
      assert.isFalse("room" in parsed)
      const item = result.output[0]
      if (item?.type !== "message") return assert.fail()
      const part = item.content[0]
      if (part?.type !== "output_text") return assert.fail()
      assert.strictEqual(part.parsed, parsed)
    }).pipe(Effect.provide(responsesLayer(response([textMessage(JSON.stringify(answer))])))))

  it.effect("commentary is not decoded; the final answer is", () =>
    Effect.gen(function*() {
      const result = yield* StructuredOutput.createResponse({
        model: "gpt-4o-mini",
        input: "x",
        text: { format: StructuredOutput.textFormat(Schema.Struct({ n: Schema.Number })) }
      })
      assert.deepStrictEqual(result.output_parsed, { n: 3 })
      const first = result.output[0]
      if (first?.type !== "message" || first.content[0]?.type !== "output_text") return assert.fail()
      assert.isNull(first.content[0].parsed)
    }).pipe(Effect.provide(responsesLayer(response([textMessage("thinking...", "commentary"), textMessage(`{"n":3}`, "final_answer")])))))

  it.effect("function tools: strict parameters on the wire and decoded arguments", () =>
    Effect.gen(function*() {
      const book = StructuredOutput.functionTool("book_room", Schema.Struct({ at: Schema.Date, guests: Schema.optional(Schema.Number) }))
      const result = yield* StructuredOutput.createResponse({ model: "gpt-4o-mini", input: "x", tools: [book] })
      const body = yield* sentBody
      assert.strictEqual(body.tools[0].type, "function")
      assert.strictEqual(body.tools[0].name, "book_room")
      assert.strictEqual(body.tools[0].strict, true)
      assert.deepStrictEqual(body.tools[0].parameters.required, ["at", "guests"])
      assert.isNull(result.output_parsed)
      const call = result.output[0]
      if (call?.type !== "function_call") return assert.fail()
      assert.instanceOf(call.parsed_arguments.at, Date)
      assert.isFalse("guests" in call.parsed_arguments)
    }).pipe(Effect.provide(responsesLayer(response([{
      type: "function_call",
      id: "fc_1",
      call_id: "call_1",
      name: "book_room",
      arguments: `{"at":"2024-05-01T12:00:00.000Z","guests":null}`,
      status: "completed"
    }])))))

  it.effect("a refusal, an incomplete answer and a filtered one are their own errors", () =>
    Effect.gen(function*() {
      const params = { model: "gpt-4o-mini", input: "x", text: { format: StructuredOutput.textFormat(Event) } }
      const refusal = yield* Effect.flip(StructuredOutput.createResponse(params))
      assert.strictEqual(refusal._tag, "RefusalError")
      if (refusal._tag === "RefusalError") assert.strictEqual(refusal.refusal, "No.")
      const cut = yield* Effect.flip(StructuredOutput.createResponse(params))
      assert.strictEqual(cut._tag, "LengthFinishReasonError")
      if (cut._tag === "LengthFinishReasonError") assert.strictEqual(cut.text, `{"title":`)
      const filtered = yield* Effect.flip(StructuredOutput.createResponse(params))
      assert.strictEqual(filtered._tag, "ContentFilterFinishReasonError")
    }).pipe(Effect.provide(responsesLayer(
      response([{ id: "msg_1", type: "message", role: "assistant", status: "completed", content: [{ type: "refusal", refusal: "No." }] }]),
      response([textMessage(`{"title":`)], { status: "incomplete", incomplete_details: { reason: "max_output_tokens" } }),
      response([], { status: "incomplete", incomplete_details: { reason: "content_filter" } })
    ))))

  it.effect("an unsupported text format is refused before anything is sent", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(StructuredOutput.createResponse({
        model: "gpt-4o-mini",
        input: "x",
        text: { format: StructuredOutput.textFormat(Schema.Struct({ m: Schema.Record({ key: Schema.String, value: Schema.String }) })) }
      }))
      assert.strictEqual(error._tag, "UnsupportedSchemaError")
      assert.strictEqual((yield* OpenAITest.requests).length, 0)
    }).pipe(Effect.provide(responsesLayer(response([])))))
})

describe("types", () => {
  it("parsed, parsed_arguments and output_parsed are the schemas' types; errors are precise", () => {
    const format = StructuredOutput.responseFormat(Event)
    const book = StructuredOutput.tool("book_room", Schema.Struct({ at: Schema.Date }))
    const withFormat = StructuredOutput.createChatCompletion({ model: "m", messages, response_format: format })
    type Done = Effect.Effect.Success<typeof withFormat>
    expectTypeOf<Done["choices"][number]["message"]["parsed"]>().toEqualTypeOf<typeof Event.Type>()
    expectTypeOf<Effect.Effect.Error<typeof withFormat>>().toEqualTypeOf<
      OpenAIError.RequestError | OpenAIError.StructuredOutputError
    >()
    const withTools = StructuredOutput.createChatCompletion({ model: "m", messages, response_format: format, tools: [book] })
    type WithTools = Effect.Effect.Success<typeof withTools>["choices"][number]["message"]
    expectTypeOf<WithTools["parsed"]>().toEqualTypeOf<typeof Event.Type | null>()
    expectTypeOf<NonNullable<WithTools["tool_calls"]>[number]>().toEqualTypeOf<
      StructuredOutput.ParsedFunctionToolCall<"book_room", { readonly at: Date }>
    >()
    const plain = StructuredOutput.createChatCompletion({ model: "m", messages })
    expectTypeOf<Effect.Effect.Success<typeof plain>["choices"][number]["message"]["parsed"]>().toEqualTypeOf<null>()
    const viaResponses = StructuredOutput.createResponse({ model: "m", input: "x", text: { format: StructuredOutput.textFormat(Event) } })
    expectTypeOf<Effect.Effect.Success<typeof viaResponses>["output_parsed"]>().toEqualTypeOf<typeof Event.Type>()
    void [
      () => withFormat.pipe(Effect.catchTag("RefusalError", (e) => Effect.succeed(e.refusal))),
      () => withFormat.pipe(Effect.catchTag("UnsupportedSchemaError", (e) => Effect.succeed(e.path))),
      // @ts-expect-error a chat completion is not a stream: no StreamTruncatedError
      () => withFormat.pipe(Effect.catchTag("StreamTruncatedError", () => Effect.void)),
      // @ts-expect-error parsed is the schema's type: no such field
      (c: Done) => c.choices[0]?.message.parsed.nonexistent,
      // @ts-expect-error a schema that needs a service cannot describe a structured output
      () => StructuredOutput.responseFormat(Schema.Struct({ a: Schema.String }) as Schema.Schema<{ a: string }, { a: string }, "Service">)
    ]
  })
})
