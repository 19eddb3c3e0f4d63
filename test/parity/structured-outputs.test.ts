/**
 * Structured outputs against the official package: the Zod helpers (`helpers/zod`) and the Standard Schema helpers
 * (`helpers/standard-schema`) make the same formats and tools from the same schema; `chat.completions.parse` and
 * `responses.parse` put the same request on the wire and give the same parsed results, refusals and errors. The
 * helpers' markers are the official ones, so a format made by either package parses with either client. Where the
 * facade differs on purpose, the test's name says "intended".
 */
import FacadeOpenAI, {
  LengthFinishReasonError as FacadeLengthFinishReasonError,
  StructuredOutputParseError
} from "@effect-openai/promise"
import * as FacadeStandard from "@effect-openai/promise/helpers/standard-schema"
import * as FacadeZod from "@effect-openai/promise/helpers/zod"
import OfficialOpenAI from "openai"
import { ContentFilterFinishReasonError as OfficialContentFilter, LengthFinishReasonError as OfficialLength } from "openai/error"
import * as OfficialStandard from "openai/helpers/standard-schema"
import * as OfficialZod from "openai/helpers/zod"
import { describe, expect, it } from "vitest"
import { z } from "zod"
import { json, serve, type Server } from "./support.js"

/** What goes on the wire: the JSON of a value (the helpers' parsers are not enumerable and not sent). */
const wire = (value: unknown): unknown => JSON.parse(JSON.stringify(value))

const Weather = z.object({
  city: z.string().describe("The city"),
  when: z.iso.datetime(),
  celsius: z.number().min(-90).max(60),
  days: z.number().int(),
  wind: z.number().nullable(),
  gusts: z.number().optional().nullable(),
  unit: z.enum(["metric", "imperial"]),
  source: z.literal("station"),
  alerts: z.array(z.object({ level: z.enum(["low", "high"]), text: z.string() })),
  place: z.object({ lat: z.number(), lon: z.number() }).nullable(),
  sky: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("clear") }),
    z.object({ kind: z.literal("cloudy"), cover: z.number() })
  ]),
  note: z.string().default("none")
})

const weatherAnswer = {
  city: "Oslo",
  when: "2024-05-01T12:00:00Z",
  celsius: -3,
  days: 2,
  wind: null,
  gusts: 4,
  unit: "metric",
  source: "station",
  alerts: [{ level: "low", text: "ice" }],
  place: { lat: 59.9, lon: 10.7 },
  sky: { kind: "cloudy", cover: 0.5 },
  note: "fine"
}

const completion = (message: Record<string, unknown>, finish_reason = "stop") => ({
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 1,
  model: "gpt-4o-mini",
  choices: [{ index: 0, finish_reason, logprobs: null, message: { role: "assistant", content: null, refusal: null, ...message } }]
})

const response = (output: ReadonlyArray<unknown>) => ({
  id: "resp_1",
  object: "response",
  created_at: 1,
  status: "completed",
  model: "gpt-4o-mini",
  output
})

const textMessage = (text: string) => ({
  id: "msg_1",
  type: "message",
  role: "assistant",
  status: "completed",
  content: [{ type: "output_text", text, annotations: [], logprobs: [] }]
})

/** A server answering every request with `body`. */
const answering = (body: unknown): Promise<Server> => serve((_req, res) => json(res, 200, body))

const clients = (server: Server) => ({
  official: new OfficialOpenAI({ apiKey: "sk-test", baseURL: server.url, maxRetries: 0 }),
  facade: new FacadeOpenAI({ apiKey: "sk-test", baseURL: server.url, maxRetries: 0 })
})

const messages = [{ role: "user" as const, content: "Weather in Oslo?" }]

describe("helpers/zod make what the official helpers make", () => {
  it("zodResponseFormat", () => {
    expect(wire(FacadeZod.zodResponseFormat(Weather, "weather", { description: "Today" })))
      .toEqual(wire(OfficialZod.zodResponseFormat(Weather, "weather", { description: "Today" })))
  })

  it("zodTextFormat", () => {
    expect(wire(FacadeZod.zodTextFormat(Weather, "weather", { description: "Today" })))
      .toEqual(wire(OfficialZod.zodTextFormat(Weather, "weather", { description: "Today" })))
  })

  it("zodFunction", () => {
    const options = { name: "get_weather", parameters: Weather, description: "Looks it up" }
    expect(wire(FacadeZod.zodFunction(options))).toEqual(wire(OfficialZod.zodFunction(options)))
    expect(wire(FacadeZod.zodFunction({ name: "f", parameters: Weather }))).toEqual(wire(OfficialZod.zodFunction({ name: "f", parameters: Weather })))
  })

  it("zodResponsesFunction", () => {
    const options = { name: "get_weather", parameters: Weather, description: "Looks it up", defer_loading: true }
    expect(wire(FacadeZod.zodResponsesFunction(options))).toEqual(wire(OfficialZod.zodResponsesFunction(options)))
  })

  it("the parsers agree on an answer", () => {
    const text = JSON.stringify(weatherAnswer)
    expect(FacadeZod.zodResponseFormat(Weather, "weather").$parseRaw(text))
      .toEqual(OfficialZod.zodResponseFormat(Weather, "weather").$parseRaw(text))
    const args = JSON.stringify({ city: "Oslo" })
    const Args = z.object({ city: z.string() })
    expect(FacadeZod.zodFunction({ name: "f", parameters: Args }).$parseRaw(args))
      .toEqual(OfficialZod.zodFunction({ name: "f", parameters: Args }).$parseRaw(args))
  })

  it("intended: an .optional() field without .nullable() is sent as nullable, not refused", () => {
    const Loose = z.object({ a: z.string(), b: z.number().optional() })
    expect(() => OfficialZod.zodResponseFormat(Loose, "loose")).toThrow()
    const ours = FacadeZod.zodResponseFormat(Loose, "loose")
    expect((ours.json_schema.schema as { properties: Record<string, unknown> }).properties.b)
      .toEqual({ anyOf: [{ type: "number" }, { type: "null" }] })
    expect(ours.$parseRaw(`{"a":"x","b":null}`)).toEqual({ a: "x" })
  })
})

describe("helpers/standard-schema make what the official helpers make", () => {
  const Simple = z.object({ city: z.string(), wind: z.number().nullable(), tags: z.array(z.string()) })

  it("standardResponseFormat, standardTextFormat, standardFunction, standardResponsesFunction", () => {
    expect(wire(FacadeStandard.standardResponseFormat(Simple, "simple")))
      .toEqual(wire(OfficialStandard.standardResponseFormat(Simple, "simple")))
    expect(wire(FacadeStandard.standardTextFormat(Simple, "simple", { description: "d" })))
      .toEqual(wire(OfficialStandard.standardTextFormat(Simple, "simple", { description: "d" })))
    expect(wire(FacadeStandard.standardFunction({ name: "f", parameters: Simple, description: "d" })))
      .toEqual(wire(OfficialStandard.standardFunction({ name: "f", parameters: Simple, description: "d" })))
    expect(wire(FacadeStandard.standardResponsesFunction({ name: "f", parameters: Simple })))
      .toEqual(wire(OfficialStandard.standardResponsesFunction({ name: "f", parameters: Simple })))
  })
})

describe("parse: the same request and the same results", () => {
  it("chat.completions.parse with a format and a tool", async () => {
    const server = await answering(completion({
      content: JSON.stringify(weatherAnswer),
      tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: `{"city":"Oslo"}` } }]
    }))
    const { official: officialClient, facade: facadeClient } = clients(server)
    const Args = z.object({ city: z.string() })
    const results = [
      await officialClient.chat.completions.parse({
        model: "gpt-4o-mini",
        messages,
        response_format: OfficialZod.zodResponseFormat(Weather, "weather"),
        tools: [OfficialZod.zodFunction({ name: "get_weather", parameters: Args })]
      }),
      await facadeClient.chat.completions.parse({
        model: "gpt-4o-mini",
        messages,
        response_format: FacadeZod.zodResponseFormat(Weather, "weather"),
        tools: [FacadeZod.zodFunction({ name: "get_weather", parameters: Args })]
      })
    ]
    const [official, facade] = server.requests
    expect(facade!.json).toEqual(official!.json)
    expect((facade!.json as { response_format: { json_schema: { strict: boolean } } }).response_format.json_schema.strict).toBe(true)
    expect(results[1]).toEqual(results[0])
    expect(results[1]!.choices[0]!.message.parsed).toEqual(Weather.parse(weatherAnswer))
  })

  it("a refusal: parsed null beside the refusal, in both", async () => {
    const server = await answering(completion({ refusal: "No." }))
    const { official, facade } = clients(server)
    const params = { model: "gpt-4o-mini", messages, response_format: OfficialZod.zodResponseFormat(Weather, "weather") }
    const [a, b] = [await official.chat.completions.parse(params), await facade.chat.completions.parse(params as never)]
    expect(b.choices[0]!.message).toEqual(a.choices[0]!.message)
    expect(b.choices[0]!.message.parsed).toBeNull()
  })

  it("finish_reason length and content_filter throw the classes of the same names", async () => {
    for (const [reason, name] of [["length", "LengthFinishReasonError"], ["content_filter", "ContentFilterFinishReasonError"]] as const) {
      const server = await answering(completion({ content: `{"city":` }, reason))
      const { official, facade } = clients(server)
      const params = { model: "gpt-4o-mini", messages, response_format: FacadeZod.zodResponseFormat(Weather, "weather") }
      const errors = await Promise.all([
        official.chat.completions.parse(params as never).then(() => undefined, (e: unknown) => e),
        facade.chat.completions.parse(params).then(() => undefined, (e: unknown) => e)
      ])
      expect(errors.map((e) => (e as Error).constructor.name)).toEqual([name, name])
      if (reason === "length") {
        expect(errors[0]).toBeInstanceOf(OfficialLength)
        expect(errors[1]).toBeInstanceOf(FacadeLengthFinishReasonError)
      } else expect(errors[0]).toBeInstanceOf(OfficialContentFilter)
    }
  })

  it("responses.parse with a text format and a function tool", async () => {
    const server = await answering(response([
      { type: "function_call", id: "fc_1", call_id: "call_1", name: "get_weather", arguments: `{"city":"Oslo"}`, status: "completed" },
      textMessage(JSON.stringify(weatherAnswer))
    ]))
    const { official: officialClient, facade: facadeClient } = clients(server)
    const Args = z.object({ city: z.string() })
    const results = [
      await officialClient.responses.parse({
        model: "gpt-4o-mini",
        input: "Weather in Oslo?",
        text: { format: OfficialZod.zodTextFormat(Weather, "weather") },
        tools: [OfficialZod.zodResponsesFunction({ name: "get_weather", parameters: Args })]
      }),
      await facadeClient.responses.parse({
        model: "gpt-4o-mini",
        input: "Weather in Oslo?",
        text: { format: FacadeZod.zodTextFormat(Weather, "weather") },
        tools: [FacadeZod.zodResponsesFunction({ name: "get_weather", parameters: Args })]
      })
    ]
    const [official, facade] = server.requests
    expect(facade!.json).toEqual(official!.json)
    expect(results[1]!.output_parsed).toEqual(results[0]!.output_parsed)
    expect(results[1]!.output_text).toEqual(results[0]!.output_text)
    expect(results[1]!.output).toEqual(results[0]!.output)
  })

  it("a format made by either package parses with either client", async () => {
    const server = await answering(completion({ content: JSON.stringify(weatherAnswer) }))
    const { official, facade } = clients(server)
    const expected = Weather.parse(weatherAnswer)
    const officialFormat = OfficialZod.zodResponseFormat(Weather, "weather")
    const ourFormat = FacadeZod.zodResponseFormat(Weather, "weather")
    // the types differ by package (each its own spec's), the markers do not
    const viaFacade = await facade.chat.completions.parse({ model: "m", messages, response_format: officialFormat as never })
    const viaOfficial = await official.chat.completions.parse({ model: "m", messages, response_format: ourFormat as never })
    expect(viaFacade.choices[0]!.message.parsed).toEqual(expected)
    expect(viaOfficial.choices[0]!.message.parsed).toEqual(expected)
  })

  it("intended: an answer the schema refuses throws StructuredOutputParseError with the raw text, not ZodError", async () => {
    const raw = JSON.stringify({ ...weatherAnswer, celsius: "cold" })
    const server = await answering(completion({ content: raw }))
    const { official, facade } = clients(server)
    const officialError = await official.chat.completions.parse({
      model: "m",
      messages,
      response_format: OfficialZod.zodResponseFormat(Weather, "weather")
    }).then(() => undefined, (e: unknown) => e)
    const facadeError = await facade.chat.completions.parse({
      model: "m",
      messages,
      response_format: FacadeZod.zodResponseFormat(Weather, "weather")
    }).then(() => undefined, (e: unknown) => e)
    expect(officialError).toBeInstanceOf(z.ZodError)
    expect(facadeError).toBeInstanceOf(StructuredOutputParseError)
    expect((facadeError as StructuredOutputParseError).text).toBe(raw)
    expect((facadeError as StructuredOutputParseError).message).toContain("celsius")
  })
})
