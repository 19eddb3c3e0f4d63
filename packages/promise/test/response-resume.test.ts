/**
 * `client.responses.stream({ ..., resume })` over loopback servers: a background response whose connections are cut
 * and resumed with `starting_after` (every event emitted once, in order), an idle connection given up at the
 * request's timeout, a refusal to stream again as `ResumeNotAvailableError`, `abort()` during a reconnect wait, and
 * reconnections that run out.
 */
import type * as Http from "node:http"
import { describe, expect, it } from "vitest"
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIUserAbortError,
  BadRequestError,
  ResumeNotAvailableError
} from "@effect-openai/promise"
import type { ResponseStreamReconnect } from "@effect-openai/promise/lib/responses/ResponseStream"
import { clientOf, rejection, sleep, sseEvent, sseHead, useServers, within } from "./support/server.js"

const serve = useServers()

const RESPONSE_ID = "resp_bg_7"
const params = { model: "gpt-test", input: "Tell me a story" }

const response = (status: string, output: ReadonlyArray<unknown> = []) => ({
  id: RESPONSE_ID,
  object: "response",
  created_at: 1,
  status,
  background: true,
  model: "gpt-test",
  output
})
const words = ["The", " connection", " dropped", " twice", " and", " nobody", " noticed"]
const text = words.join("")
const message = (status: string, content: string) => ({
  id: "msg_1",
  type: "message",
  role: "assistant",
  status,
  content: [{ type: "output_text", text: content, annotations: [], logprobs: [] }]
})

/** Every event, `sequence_number` 0 to 14, ending at `response.completed`. */
const allEvents: ReadonlyArray<{ readonly type: string; readonly sequence_number: number }> = (() => {
  const at = { item_id: "msg_1", output_index: 0, content_index: 0 }
  const list: Array<Record<string, unknown>> = [
    { type: "response.created", response: response("queued") },
    { type: "response.in_progress", response: response("in_progress") },
    { type: "response.output_item.added", output_index: 0, item: { ...message("in_progress", ""), content: [] } },
    { type: "response.content_part.added", ...at, part: { type: "output_text", text: "", annotations: [] } },
    ...words.map((delta) => ({ type: "response.output_text.delta", ...at, delta, logprobs: [] })),
    { type: "response.output_text.done", ...at, text, logprobs: [] },
    { type: "response.content_part.done", ...at, part: { type: "output_text", text, annotations: [] } },
    { type: "response.output_item.done", output_index: 0, item: message("completed", text) },
    { type: "response.completed", response: response("completed", [message("completed", text)]) }
  ]
  return list.map((event, sequence_number) => ({ ...event, sequence_number })) as never
})()
const LAST = allEvents.length - 1
const range = (from: number, to: number = LAST) => allEvents.slice(from, to + 1)
const everySequence = allEvents.map((e) => e.sequence_number)

/** Sends `events`, then cuts the connection once they are written. */
const sendThenCut = (res: Http.ServerResponse, events: ReadonlyArray<unknown>): void => {
  sseHead(res)
  res.write(events.map((e) => sseEvent(e)).join(""), () => res.socket?.destroy())
}

const sendThenStall = (res: Http.ServerResponse, events: ReadonlyArray<unknown>): void => {
  sseHead(res)
  res.write(events.map((e) => sseEvent(e)).join(""))
}

const sendAll = (res: Http.ServerResponse, events: ReadonlyArray<unknown>): void => {
  sseHead(res)
  res.end(events.map((e) => sseEvent(e)).join(""))
}

const notBackground = (res: Http.ServerResponse): void => {
  res.writeHead(400, { "content-type": "application/json", "x-request-id": "req_400" })
  res.end(JSON.stringify({
    error: {
      message: "This response cannot be streamed because it was not created with background=true.",
      type: "invalid_request_error",
      param: "stream",
      code: "invalid_request_error"
    }
  }))
}

describe("responses.stream with resume", () => {
  it("resumes twice after the socket is cut: every event once, in order, to response.completed", async () => {
    const server = await serve((_req, res) => {
      const index = server.requests.length - 1
      if (index === 0) sendThenCut(res, range(0, 4))
      // three events already delivered come again before the new ones
      else if (index === 1) sendThenCut(res, range(2, 9))
      else sendAll(res, range(8))
    })
    const reconnects: Array<ResponseStreamReconnect> = []
    const stream = clientOf(server).responses.stream({
      ...params,
      resume: { onReconnect: (r) => reconnects.push(r) }
    })
    const emitted: Array<unknown> = []
    const deltas: Array<string> = []
    stream.on("event", (e) => emitted.push(e.sequence_number))
    stream.on("response.output_text.delta", (e) => deltas.push(e.snapshot))
    const iterated: Array<unknown> = []
    for await (const event of stream) iterated.push(event.sequence_number)
    const final = await stream.finalResponse()

    expect(emitted).toEqual(everySequence)
    expect(iterated).toEqual(everySequence)
    expect(deltas.at(-1)).toBe(text)
    expect(final.output_text).toBe(text)
    expect(final.status).toBe("completed")

    const [create, first, second] = server.requests
    expect(server.requests).toHaveLength(3)
    expect([create!.method, create!.path]).toEqual(["POST", "/v1/responses"])
    expect(create!.json).toMatchObject({ ...params, background: true, stream: true })
    expect(create!.json).not.toHaveProperty("resume")
    for (const [request, after] of [[first!, "4"], [second!, "9"]] as const) {
      expect([request.method, request.path]).toEqual(["GET", `/v1/responses/${RESPONSE_ID}`])
      expect(request.query.get("stream")).toBe("true")
      expect(request.query.get("starting_after")).toBe(after)
    }
    expect(reconnects.map((r) => [r.responseId, r.startingAfter, r.attempt])).toEqual([
      [RESPONSE_ID, 4, 1],
      [RESPONSE_ID, 9, 1]
    ])
    expect(reconnects[0]!.error).toBeInstanceOf(APIConnectionError)
    expect(reconnects[0]!.delay).toBeGreaterThan(0)
  })

  it("a silent connection is given up at the request's timeout and resumed", async () => {
    const server = await serve((_req, res) => {
      if (server.requests.length === 1) sendThenStall(res, range(0, 3))
      else sendAll(res, range(4))
    })
    const reconnects: Array<ResponseStreamReconnect> = []
    const stream = clientOf(server).responses.stream(
      { ...params, resume: { onReconnect: (r) => reconnects.push(r) } },
      { timeout: 200 }
    )
    const emitted: Array<unknown> = []
    stream.on("event", (e) => emitted.push(e.sequence_number))
    const final = await within(5000, stream.finalResponse())
    expect(final.output_text).toBe(text)
    expect(emitted).toEqual(everySequence)
    expect(server.requests[1]!.query.get("starting_after")).toBe("3")
    expect(reconnects).toHaveLength(1)
    expect(reconnects[0]!.error).toBeInstanceOf(APIConnectionTimeoutError)
    expect(await server.requests[0]!.closed).toEqual({ finished: false })
  })

  it("attaching by id replays from the start for the final response, emits after starting_after, and resumes", async () => {
    const server = await serve((_req, res) => {
      if (server.requests.length === 1) sendThenCut(res, range(0, 6))
      else sendAll(res, range(7))
    })
    const stream = clientOf(server).responses.stream({ response_id: RESPONSE_ID, starting_after: 5, resume: true })
    const emitted: Array<unknown> = []
    stream.on("event", (e) => emitted.push(e.sequence_number))
    const final = await stream.finalResponse()
    expect(emitted).toEqual(everySequence.filter((n) => n > 5))
    expect(final.output_text).toBe(text)
    expect(server.requests.map((r) => r.query.get("starting_after"))).toEqual([null, "6"])
  })

  it("a 400 to the resume (not a background response) rejects with ResumeNotAvailableError, a BadRequestError", async () => {
    const server = await serve((_req, res) => {
      if (server.requests.length === 1) sendThenCut(res, range(0, 2))
      else notBackground(res)
    })
    const stream = clientOf(server).responses.stream({ ...params, resume: { initialDelay: 1 } })
    const emitted: Array<unknown> = []
    stream.on("event", (e) => emitted.push(e.sequence_number))
    const error = await rejection(stream.finalResponse())
    expect(error).toBeInstanceOf(ResumeNotAvailableError)
    expect(error).toBeInstanceOf(BadRequestError)
    expect(error.name).toBe("ResumeNotAvailableError")
    expect(error.status).toBe(400)
    expect(error.param).toBe("stream")
    expect(error.requestID).toBe("req_400")
    expect(error.message).toContain("not created with background=true")
    expect(error.responseId).toBe(RESPONSE_ID)
    expect(error.startingAfter).toBe(2)
    expect(emitted).toEqual([0, 1, 2])
    expect(server.requests).toHaveLength(2)
  })

  it("abort() during a reconnect wait stops reconnecting and cancels nothing", async () => {
    const server = await serve((_req, res) => sendThenCut(res, range(0, 3)))
    let stream: ReturnType<ReturnType<typeof clientOf>["responses"]["stream"]> | undefined = undefined
    stream = clientOf(server).responses.stream({
      ...params,
      resume: { initialDelay: 60_000, onReconnect: () => stream!.abort() }
    })
    const error = await within(2000, rejection(stream.finalResponse()))
    expect(error).toBeInstanceOf(APIUserAbortError)
    await sleep(150)
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /v1/responses"])
  })

  it("reconnections that run out reject with the last connection error", async () => {
    const server = await serve((_req, res) => {
      if (server.requests.length === 1) sendThenCut(res, range(0, 3))
      else sendThenCut(res, [])
    })
    const reconnects: Array<number> = []
    const stream = clientOf(server).responses.stream({
      ...params,
      resume: { maxReconnects: 2, initialDelay: 1, onReconnect: (r) => reconnects.push(r.attempt) }
    })
    const error = await rejection(stream.finalResponse())
    expect(error).toBeInstanceOf(APIConnectionError)
    expect(error).not.toBeInstanceOf(APIConnectionTimeoutError)
    expect(reconnects).toEqual([1, 2])
    expect(server.requests).toHaveLength(3)
    expect(server.requests.slice(1).map((r) => r.query.get("starting_after"))).toEqual(["3", "3"])
  })
})
