/**
 * `chat.completions.parse`, `responses.parse` and the format helpers (`helpers/standard-schema`, `helpers/zod`) over
 * loopback servers: the strict schema on the wire, parsed answers (Date, brand, transform; an optional field
 * answered `null` is absent), refusals, cut or filtered answers, answers that do not match, schemas refused before
 * anything is sent, function tools, and the `maybeParse*` functions the stream helpers call.
 */
import { Schema } from "effect"
import { describe, expect, expectTypeOf, it } from "vitest"
import { z } from "zod"
import {
  ContentFilterFinishReasonError,
  LengthFinishReasonError,
  OpenAIError,
  StructuredOutputParseError,
  UnsupportedSchemaError
} from "@effect-openai/promise"
import {
  standardFunction,
  standardResponseFormat,
  standardResponsesFunction,
  standardTextFormat
} from "@effect-openai/promise/helpers/standard-schema"
import { zodFunction, zodResponseFormat, zodResponsesFunction, zodTextFormat } from "@effect-openai/promise/helpers/zod"
import type { ChatCompletion } from "@effect-openai/promise/resources/chat/completions"
import type { Response } from "@effect-openai/promise/resources/responses/responses"
import { maybeParseChatCompletion, maybeParseResponse } from "../src/lib/parse.js"
import { clientOf, json, rejection, type TestServer, useServers } from "./support/server.js"

const serve = useServers()

const City = Schema.String.pipe(Schema.brand("City"))
const Event = Schema.Struct({
  title: Schema.String,
  at: Schema.Date,
  city: City,
  seats: Schema.NumberFromString,
  room: Schema.optional(Schema.String),
  note: Schema.NullOr(Schema.String)
})
const answer = { title: "Lunch", at: "2024-05-01T12:00:00.000Z", city: "Paris", seats: "2", room: null, note: null }
const messages = [{ role: "user" as const, content: "Lunch with Ada" }]

const completion = (message: Record<string, unknown>, finish_reason = "stop") => ({
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 1,
  model: "gpt-4o-mini",
  choices: [{ index: 0, finish_reason, logprobs: null, message: { role: "assistant", content: null, refusal: null, ...message } }]
})

/** Answers each request with the next body. */
const answering = (...bodies: ReadonlyArray<unknown>): Promise<TestServer> => {
  let next = 0
  return serve((_req, res) => json(res, 200, bodies[Math.min(next++, bodies.length - 1)], { "x-request-id": "req_parse" }))
}

describe("chat.completions.parse with helpers/standard-schema and an Effect schema", () => {
  it("sends the strict schema and parses the answer with the schema itself", async () => {
    const server = await answering(completion({ content: JSON.stringify(answer) }))
    const client = clientOf(server)
    const result = await client.chat.completions.parse({
      model: "gpt-4o-mini",
      messages,
      response_format: standardResponseFormat(Event, "event", { description: "A calendar event" })
    })
    const format = server.requests[0]!.json.response_format
    expect(format.type).toBe("json_schema")
    expect(format.json_schema.name).toBe("event")
    expect(format.json_schema.description).toBe("A calendar event")
    expect(format.json_schema.strict).toBe(true)
    expect(format.json_schema.schema.required).toEqual(["title", "at", "city", "seats", "room", "note"])
    expect(format.json_schema.schema.additionalProperties).toBe(false)
    expect(format.json_schema.schema.properties.room).toEqual({ anyOf: [{ type: "string" }, { type: "null" }] })
    // the helper's parser is not sent
    expect(JSON.stringify(format)).not.toContain("$parseRaw")

    const parsed = result.choices[0]!.message.parsed!
    expect(parsed.at).toBeInstanceOf(Date)
    expect(parsed.at.toISOString()).toBe("2024-05-01T12:00:00.000Z")
    expect(parsed.seats).toBe(2)
    expect(parsed.city).toBe("Paris")
    expect("room" in parsed).toBe(false)
    expect(parsed.note).toBeNull()
    expect(result._request_id).toBe("req_parse")
  })

  it("a refusal leaves parsed null beside message.refusal", async () => {
    const server = await answering(completion({ refusal: "I can't help with that." }))
    const result = await clientOf(server).chat.completions.parse({
      model: "gpt-4o-mini",
      messages,
      response_format: standardResponseFormat(Event, "event")
    })
    expect(result.choices[0]!.message.refusal).toBe("I can't help with that.")
    expect(result.choices[0]!.message.parsed).toBeNull()
  })

  it("an answer that does not match throws StructuredOutputParseError with the raw text", async () => {
    const raw = JSON.stringify({ ...answer, at: "next tuesday" })
    const server = await answering(completion({ content: raw }), completion({ content: "{" }))
    const client = clientOf(server)
    const params = { model: "gpt-4o-mini", messages, response_format: standardResponseFormat(Event, "event") }
    const error = await rejection(client.chat.completions.parse(params))
    expect(error).toBeInstanceOf(StructuredOutputParseError)
    expect(error).toBeInstanceOf(OpenAIError)
    expect(error.text).toBe(raw)
    expect(error.schemaName).toBe("event")
    expect(error.message).toContain("Expected a valid Date")
    const notJson = await rejection(client.chat.completions.parse(params))
    expect(notJson).toBeInstanceOf(StructuredOutputParseError)
    expect(notJson.text).toBe("{")
    expect(notJson.cause).toBeInstanceOf(SyntaxError)
  })

  it("finish_reason length throws LengthFinishReasonError, content_filter ContentFilterFinishReasonError", async () => {
    const server = await answering(completion({ content: `{"title":` }, "length"), completion({}, "content_filter"))
    const client = clientOf(server)
    const params = { model: "gpt-4o-mini", messages, response_format: standardResponseFormat(Event, "event") }
    const cut = await rejection(client.chat.completions.parse(params))
    expect(cut).toBeInstanceOf(LengthFinishReasonError)
    expect(cut).toBeInstanceOf(OpenAIError)
    expect(cut.name).toBe("LengthFinishReasonError")
    expect(await rejection(client.chat.completions.parse(params))).toBeInstanceOf(ContentFilterFinishReasonError)
  })

  const unsupported = [
    ["a Record", Schema.Struct({ scores: Schema.Record({ key: Schema.String, value: Schema.Number }) }), "$.scores"],
    ["a tuple", Schema.Struct({ point: Schema.Tuple(Schema.Number, Schema.Number) }), "$.point"],
    ["a non-object root", Schema.Array(Schema.String), "$"],
    ["a union of objects at the root", Schema.Union(Schema.Struct({ a: Schema.String }), Schema.Struct({ b: Schema.Number })), "$"]
  ] as const
  for (const [what, schema, path] of unsupported) {
    it(`${what} is refused when the format is made, so nothing is sent`, async () => {
      const server = await answering(completion({ content: "{}" }))
      const client = clientOf(server)
      let thrown: unknown
      try {
        await client.chat.completions.parse({ model: "gpt-4o-mini", messages, response_format: standardResponseFormat(schema, "thing") })
      } catch (error) {
        thrown = error
      }
      expect(thrown).toBeInstanceOf(UnsupportedSchemaError)
      expect((thrown as UnsupportedSchemaError).path).toBe(path)
      expect((thrown as UnsupportedSchemaError).schemaName).toBe("thing")
      expect(server.requests).toHaveLength(0)
    })
  }

  it("function tools: strict parameters on the wire, arguments parsed per tool", async () => {
    const server = await answering(completion({
      tool_calls: [
        { id: "call_1", type: "function", function: { name: "book_room", arguments: `{"city":"Paris","at":"2024-05-01T12:00:00.000Z","guests":null}` } },
        { id: "call_2", type: "function", function: { name: "lookup", arguments: `{"q":1}` } }
      ]
    }, "tool_calls"))
    const book = standardFunction({
      name: "book_room",
      parameters: Schema.Struct({ city: City, at: Schema.Date, guests: Schema.optional(Schema.Number) }),
      description: "Books a room"
    })
    const result = await clientOf(server).chat.completions.parse({
      model: "gpt-4o-mini",
      messages,
      tools: [book, {
        type: "function",
        function: { name: "lookup", strict: true, parameters: { type: "object", properties: {}, required: [], additionalProperties: false } }
      }]
    })
    const sent = server.requests[0]!.json.tools[0]
    expect(sent.type).toBe("function")
    expect(sent.function.name).toBe("book_room")
    expect(sent.function.description).toBe("Books a room")
    expect(sent.function.strict).toBe(true)
    expect(sent.function.parameters.required).toEqual(["city", "at", "guests"])
    const [first, second] = result.choices[0]!.message.tool_calls!
    if (first?.type !== "function" || second?.type !== "function") throw new Error("function calls expected")
    const args = first.function.parsed_arguments as { city: string; at: Date }
    expect(args.at).toBeInstanceOf(Date)
    expect("guests" in args).toBe(false)
    expect(second.function.parsed_arguments).toEqual({ q: 1 })
    expect(result.choices[0]!.message.parsed).toBeNull()
  })

  it("a function tool that is not strict is refused, and nothing is sent", async () => {
    const server = await answering(completion({ content: "{}" }))
    const error = await rejection(clientOf(server).chat.completions.parse({
      model: "gpt-4o-mini",
      messages,
      tools: [{ type: "function", function: { name: "loose", parameters: { type: "object" } } }]
    }))
    expect(error).toBeInstanceOf(OpenAIError)
    expect(error.message).toContain("loose")
    expect(server.requests).toHaveLength(0)
  })

  it("a plain json_schema format is parsed with JSON.parse", async () => {
    const server = await answering(completion({ content: `{"n":1}` }))
    const result = await clientOf(server).chat.completions.parse({
      model: "gpt-4o-mini",
      messages,
      response_format: { type: "json_schema", json_schema: { name: "n", schema: { type: "object" } } }
    })
    expect(result.choices[0]!.message.parsed).toEqual({ n: 1 })
  })
})

const textMessage = (text: string, phase?: string) => ({
  id: "msg_1",
  type: "message",
  role: "assistant",
  status: "completed",
  ...(phase === undefined ? {} : { phase }),
  content: [{ type: "output_text", text, annotations: [], logprobs: [] }]
})

const response = (output: ReadonlyArray<unknown>, extra: Record<string, unknown> = {}) => ({
  id: "resp_1",
  object: "response",
  created_at: 1,
  status: "completed",
  model: "gpt-4o-mini",
  output,
  ...extra
})

describe("responses.parse", () => {
  it("sends text.format and function tools, and parses output_parsed and parsed_arguments", async () => {
    const server = await answering(response([
      textMessage("thinking", "commentary"),
      { type: "function_call", id: "fc_1", call_id: "call_1", name: "book_room", arguments: `{"at":"2024-05-01T12:00:00.000Z"}`, status: "completed" },
      textMessage(JSON.stringify(answer))
    ]))
    const result = await clientOf(server).responses.parse({
      model: "gpt-4o-mini",
      input: "Lunch with Ada",
      text: { format: standardTextFormat(Event, "event") },
      tools: [standardResponsesFunction({ name: "book_room", parameters: Schema.Struct({ at: Schema.Date }) })]
    })
    const body = server.requests[0]!.json
    expect(body.text.format).toMatchObject({ type: "json_schema", name: "event", strict: true })
    expect(body.text.format.schema.required).toEqual(["title", "at", "city", "seats", "room", "note"])
    expect(body.tools[0]).toMatchObject({ type: "function", name: "book_room", strict: true })
    expect(body.tools[0].parameters.required).toEqual(["at"])

    expect(result.output_parsed?.at).toBeInstanceOf(Date)
    expect(result.output_parsed?.seats).toBe(2)
    expect(result.output_text).toBe(`thinking${JSON.stringify(answer)}`)
    expect(result._request_id).toBe("req_parse")
    const [commentary, call] = result.output
    if (commentary?.type !== "message" || call?.type !== "function_call") throw new Error("unexpected output")
    expect(commentary.content[0]).toMatchObject({ type: "output_text", parsed: null })
    expect(call.parsed_arguments.at).toBeInstanceOf(Date)
  })

  it("an incomplete response is left unparsed, as the official package does", async () => {
    const server = await answering(response([textMessage(`{"title":`)], {
      status: "incomplete",
      incomplete_details: { reason: "max_output_tokens" }
    }))
    const result = await clientOf(server).responses.parse({
      model: "gpt-4o-mini",
      input: "x",
      text: { format: standardTextFormat(Event, "event") }
    })
    expect(result.output_parsed).toBeNull()
  })
})

describe("helpers/zod", () => {
  const Weather = z.object({
    city: z.string().describe("the city"),
    celsius: z.number(),
    wind: z.number().optional(),
    alerts: z.array(z.object({ level: z.enum(["low", "high"]) })),
    note: z.string().nullable()
  })

  it("zodResponseFormat: the strict schema goes out, the answer comes back parsed by Zod", async () => {
    const server = await answering(completion({ content: `{"city":"Oslo","celsius":-3,"wind":null,"alerts":[{"level":"low"}],"note":null}` }))
    const result = await clientOf(server).chat.completions.parse({
      model: "gpt-4o-mini",
      messages,
      response_format: zodResponseFormat(Weather, "weather")
    })
    const schema = server.requests[0]!.json.response_format.json_schema.schema
    expect(schema.required).toEqual(["city", "celsius", "wind", "alerts", "note"])
    expect(schema.properties.wind).toEqual({ anyOf: [{ type: "number" }, { type: "null" }] })
    expect(schema.properties.alerts.items.additionalProperties).toBe(false)
    const parsed = result.choices[0]!.message.parsed!
    expect(parsed).toEqual({ city: "Oslo", celsius: -3, alerts: [{ level: "low" }], note: null })
    expect("wind" in parsed).toBe(false)
  })

  it("an answer Zod refuses throws StructuredOutputParseError with Zod's issues", async () => {
    const raw = `{"city":"Oslo","celsius":"cold","wind":null,"alerts":[],"note":null}`
    const server = await answering(completion({ content: raw }))
    const error = await rejection(clientOf(server).chat.completions.parse({
      model: "gpt-4o-mini",
      messages,
      response_format: zodResponseFormat(Weather, "weather")
    }))
    expect(error).toBeInstanceOf(StructuredOutputParseError)
    expect(error.text).toBe(raw)
    expect(error.message).toContain("celsius")
    expect(Array.isArray(error.cause)).toBe(true)
  })

  it("zodTextFormat, zodFunction and zodResponsesFunction make strict formats and tools that parse", async () => {
    const text = zodTextFormat(Weather, "weather", { description: "today" })
    expect(text).toMatchObject({ type: "json_schema", name: "weather", strict: true, description: "today" })
    const tool = zodFunction({ name: "get_weather", parameters: z.object({ city: z.string() }), description: "Looks it up" })
    expect(tool).toMatchObject({ type: "function", function: { name: "get_weather", strict: true, description: "Looks it up" } })
    expect(tool.$parseRaw(`{"city":"Oslo"}`)).toEqual({ city: "Oslo" })
    const responsesTool = zodResponsesFunction({ name: "get_weather", parameters: z.object({ city: z.string() }) })
    expect(responsesTool).toMatchObject({ type: "function", name: "get_weather", strict: true })
    expect(() => responsesTool.$parseRaw(`{"city":1}`)).toThrow(StructuredOutputParseError)
  })

  it("a transform is described by its input side, what the model writes", () => {
    const format = zodResponseFormat(z.object({ n: z.string().transform((s) => s.length) }), "n")
    expect(format.json_schema.schema).toMatchObject({ properties: { n: { type: "string" } } })
    expect(format.$parseRaw(`{"n":"abc"}`)).toEqual({ n: 3 })
  })

  it("refuses what strict mode cannot express, and Zod 3 schemas, when the format is made", () => {
    expect(() => zodResponseFormat(z.object({ m: z.record(z.string(), z.number()) }), "m")).toThrow(UnsupportedSchemaError)
    expect(() => zodResponseFormat(z.object({ t: z.tuple([z.string()]) }), "t")).toThrow(/tuples/)
    expect(() => zodResponseFormat(z.object({ d: z.date() }), "d")).toThrow(/Date/)
    const zod3Like = { _output: { a: "" }, parse: (u: unknown) => u }
    expect(() => zodResponseFormat(zod3Like, "old")).toThrow(/Zod 3/)
  })
})

describe("helpers/standard-schema with other Standard Schemas", () => {
  it("uses ~standard.jsonSchema when the schema has one (Zod 4.2+)", () => {
    const format = standardResponseFormat(z.object({ a: z.string(), b: z.number().optional() }), "ab")
    expect(format.json_schema.schema).toMatchObject({ required: ["a", "b"], additionalProperties: false })
    expect(format.$parseRaw(`{"a":"x","b":null}`)).toEqual({ a: "x" })
  })

  it("a schema without a JSON Schema needs one passed as `schema`", () => {
    const Even = {
      "~standard": {
        version: 1 as const,
        vendor: "hand-made",
        validate: (value: unknown) =>
          typeof value === "object" && value !== null && typeof (value as { n?: unknown }).n === "number" && (value as { n: number }).n % 2 === 0
            ? { value: value as { n: number } }
            : { issues: [{ message: "n must be even", path: ["n"] }] },
        types: undefined as unknown as { input: { n: number }; output: { n: number } }
      }
    }
    expect(() => standardResponseFormat(Even, "even")).toThrow(/pass one as `schema`/)
    const format = standardResponseFormat(Even, "even", { schema: { type: "object", properties: { n: { type: "integer" } } } })
    expect(format.json_schema.schema).toEqual({
      type: "object",
      properties: { n: { anyOf: [{ type: "integer" }, { type: "null" }] } },
      required: ["n"],
      additionalProperties: false
    })
    expect(format.$parseRaw(`{"n":4}`)).toEqual({ n: 4 })
    expect(() => format.$parseRaw(`{"n":3}`)).toThrow("n: n must be even")
  })

  it("an Effect schema wrapped by Schema.standardSchemaV1 gets the Effect conversion", () => {
    const format = standardResponseFormat(Schema.standardSchemaV1(Event), "event")
    expect((format.json_schema.schema as { required: Array<string> }).required).toEqual(["title", "at", "city", "seats", "room", "note"])
    expect(format.$parseRaw(JSON.stringify(answer)).at).toBeInstanceOf(Date)
  })
})

describe("maybeParseChatCompletion and maybeParseResponse (for the stream helpers)", () => {
  it("parse by the params when they ask for it, else give null", () => {
    const done = completion({ content: `{"n":1}` }) as unknown as ChatCompletion
    const format = standardResponseFormat(Schema.Struct({ n: Schema.Number }), "n")
    expect(maybeParseChatCompletion(done, { model: "m", messages, response_format: format }).choices[0]!.message.parsed).toEqual({ n: 1 })
    expect(maybeParseChatCompletion(done, { model: "m", messages }).choices[0]!.message.parsed).toBeNull()
    expect(maybeParseChatCompletion(done, null).choices[0]!.message.parsed).toBeNull()
    const finished = response([textMessage(`{"n":2}`)]) as unknown as Response
    const text = standardTextFormat(Schema.Struct({ n: Schema.Number }), "n")
    expect(maybeParseResponse(finished, { model: "m", input: "x", text: { format: text } }).output_parsed).toEqual({ n: 2 })
    const plain = maybeParseResponse(finished, { model: "m", input: "x" })
    expect(plain.output_parsed).toBeNull()
    expect(plain.output_text).toBe(`{"n":2}`)
  })
})

describe("types", () => {
  it("parsed is the schema's type", () => {
    const parse = (server: TestServer) =>
      clientOf(server).chat.completions.parse({ model: "m", messages, response_format: standardResponseFormat(Event, "event") })
    type Parsed = Awaited<ReturnType<typeof parse>>["choices"][number]["message"]["parsed"]
    expectTypeOf<Parsed>().toEqualTypeOf<typeof Event.Type | null>()
    const zodParse = (server: TestServer) =>
      clientOf(server).responses.parse({ model: "m", input: "x", text: { format: zodTextFormat(z.object({ a: z.string() }), "a") } })
    expectTypeOf<Awaited<ReturnType<typeof zodParse>>["output_parsed"]>().toEqualTypeOf<{ a: string } | null>()
    const tool = zodFunction({ name: "f", parameters: z.object({ a: z.number() }), function: (args) => args.a + 1 })
    expectTypeOf(tool.$parseRaw).returns.toEqualTypeOf<{ a: number }>()
    void [
      // @ts-expect-error parsed is the schema's type: no such field
      (p: Parsed) => p?.nonexistent,
      // @ts-expect-error the callback gets the schema's type
      () => zodFunction({ name: "f", parameters: z.object({ a: z.number() }), function: (args: { a: string }) => args })
    ]
  })
})
