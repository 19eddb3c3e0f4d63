/**
 * Streams from `create({ ..., stream: true })`: iteration, stopping (abort, break, the call's signal), the end of
 * a stream (`[DONE]`, `response.completed`, a body cut short), error events, `tee()`, and the static
 * constructors over responses and readable streams.
 */
import { describe, expect, it } from "vitest"
import { APIConnectionError, APIError, OpenAIError, Stream, StreamError, StreamTruncatedError } from "@effect-openai/promise"
import { chunk, clientOf, rejection, sse, sseEvent, sseHead, useServers, within } from "./support/server.js"

const serve = useServers()

const params = { model: "gpt-test", messages: [{ role: "user" as const, content: "hi" }], stream: true as const }

const contents = async (stream: AsyncIterable<{ choices: ReadonlyArray<{ delta: { content?: string | null } }> }>) => {
  const out: Array<string> = []
  for await (const item of stream) out.push(item.choices[0]?.delta.content ?? "")
  return out
}

/** A server that sends `first` chunks and then keeps the stream open. */
const openEnded = (first: ReadonlyArray<string>) =>
  serve((_req, res) => {
    sseHead(res)
    for (const content of first) res.write(sseEvent(chunk(content)))
  })

describe("chat completion streams", () => {
  it("are for-await-able, asked for with stream: true and an event-stream accept header", async () => {
    const server = await serve((_req, res) => sse(res, [chunk("Hel"), chunk("lo"), chunk("!")]))
    const stream = await clientOf(server).chat.completions.create(params)
    expect(stream).toBeInstanceOf(Stream)
    expect(await contents(stream)).toEqual(["Hel", "lo", "!"])
    expect(server.requests[0]!.json).toMatchObject({ stream: true, model: "gpt-test" })
    expect(server.requests[0]!.headers.accept).toBe("text/event-stream")
  })

  it(".withResponse() gives the stream with the response and its request id", async () => {
    const server = await serve((_req, res) => sse(res, [chunk("a")], { headers: { "x-request-id": "req_stream" } }))
    const { data, response, request_id } = await clientOf(server).chat.completions.create(params).withResponse()
    expect(request_id).toBe("req_stream")
    expect(response.headers.get("content-type")).toBe("text/event-stream")
    expect(await contents(data)).toEqual(["a"])
  })

  it("controller.abort() ends the iteration and closes the connection", async () => {
    const server = await openEnded(["a", "b"])
    const stream = await clientOf(server).chat.completions.create(params)
    const seen: Array<string> = []
    await within(2_000, (async () => {
      for await (const item of stream) {
        seen.push(item.choices[0]!.delta.content!)
        if (seen.length === 2) stream.controller.abort()
      }
    })())
    expect(seen).toEqual(["a", "b"])
    expect(await within(2_000, server.requests[0]!.closed)).toEqual({ finished: false })
  })

  it("controller.abort() while the loop waits for the next event ends it", async () => {
    const server = await openEnded(["a"])
    const stream = await clientOf(server).chat.completions.create(params)
    const seen: Array<string> = []
    const loop = (async () => {
      for await (const item of stream) seen.push(item.choices[0]!.delta.content!)
    })()
    while (seen.length === 0) await new Promise((r) => setTimeout(r, 5))
    stream.controller.abort()
    await within(2_000, loop)
    expect(seen).toEqual(["a"])
    expect(await within(2_000, server.requests[0]!.closed)).toEqual({ finished: false })
  })

  it("break closes the connection", async () => {
    const server = await openEnded(["a", "b"])
    const stream = await clientOf(server).chat.completions.create(params)
    for await (const _ of stream) break
    expect(await within(2_000, server.requests[0]!.closed)).toEqual({ finished: false })
  })

  it("the call's signal, aborted mid-stream, ends the iteration and closes the connection", async () => {
    const server = await openEnded(["a"])
    const controller = new AbortController()
    const stream = await clientOf(server).chat.completions.create(params, { signal: controller.signal })
    const seen: Array<string> = []
    await within(2_000, (async () => {
      for await (const item of stream) {
        seen.push(item.choices[0]!.delta.content!)
        controller.abort()
      }
    })())
    expect(seen).toEqual(["a"])
    expect(await within(2_000, server.requests[0]!.closed)).toEqual({ finished: false })
  })

  it("can be iterated only once", async () => {
    const server = await serve((_req, res) => sse(res, [chunk("a")]))
    const stream = await clientOf(server).chat.completions.create(params)
    expect(await contents(stream)).toEqual(["a"])
    await expect(contents(stream)).rejects.toThrow(/consumed/)
    expect(() => stream[Symbol.asyncIterator]()).toThrow(/tee/)
  })

  it("tee() gives two streams with the same items, each readable on its own schedule", async () => {
    const server = await serve((_req, res) => sse(res, [chunk("x"), chunk("y"), chunk("z")]))
    const [left, right] = (await clientOf(server).chat.completions.create(params)).tee()
    expect(await contents(left)).toEqual(["x", "y", "z"])
    expect(await contents(right)).toEqual(["x", "y", "z"])
  })

  it("a stream that ends without [DONE] fails with StreamTruncatedError after the events that came", async () => {
    const server = await serve((_req, res) => sse(res, [chunk("a"), chunk("b")], { done: false }))
    const stream = await clientOf(server).chat.completions.create(params)
    const seen: Array<string> = []
    const error = await rejection((async () => {
      for await (const item of stream) seen.push(item.choices[0]!.delta.content!)
    })())
    expect(seen).toEqual(["a", "b"])
    expect(error).toBeInstanceOf(StreamTruncatedError)
    expect(error).toBeInstanceOf(APIConnectionError)
    expect(error.name).toBe("StreamTruncatedError")
    expect(error.eventsReceived).toBe(2)
  })

  it("an error event fails the stream with an APIError carrying the event's message", async () => {
    const server = await serve((_req, res) =>
      sse(res, [chunk("a"), { error: { message: "the model fell over", type: "server_error", code: "oops", param: null } }])
    )
    const stream = await clientOf(server).chat.completions.create(params)
    const seen: Array<string> = []
    const error = await rejection((async () => {
      for await (const item of stream) seen.push(item.choices[0]!.delta.content!)
    })())
    expect(seen).toEqual(["a"])
    expect(error).toBeInstanceOf(StreamError)
    expect(error).toBeInstanceOf(APIError)
    expect(error).toBeInstanceOf(OpenAIError)
    expect(error.message).toBe("the model fell over")
    expect(error.error).toMatchObject({ message: "the model fell over", type: "server_error", code: "oops" })
    expect(error.code).toBe("oops")
    expect(error.type).toBe("server_error")
  })
})

describe("Responses streams", () => {
  const event = (type: string, extra: Record<string, unknown> = {}) => sseEvent({ type, ...extra }, type)

  // As in the official client, a Responses stream is read to the end of its body; `response.completed` (or
  // `.incomplete`, `.failed`) is what makes that end a success rather than a truncation.
  it("end with the body after response.completed, with unknown event types passed through", async () => {
    const server = await serve((_req, res) => {
      sseHead(res)
      res.write(event("response.created", { sequence_number: 0 }))
      res.write(event("response.output_text.delta", { delta: "Hi", sequence_number: 1 }))
      res.write(event("response.some_future_event", { payload: { x: 1 }, sequence_number: 2 }))
      res.end(event("response.completed", { sequence_number: 3, response: { id: "resp_1", status: "completed" } }))
    })
    const stream = await clientOf(server).responses.create({ model: "gpt-test", input: "hi", stream: true })
    const seen: Array<{ type: string }> = []
    await within(2_000, (async () => {
      for await (const e of stream) seen.push(e)
    })())
    expect(seen.map((e) => e.type)).toEqual([
      "response.created",
      "response.output_text.delta",
      "response.some_future_event",
      "response.completed"
    ])
    expect(seen[2]).toMatchObject({ payload: { x: 1 } })
  })

  it("response.failed is an ordinary last event, not a stream failure", async () => {
    const server = await serve((_req, res) => {
      sseHead(res)
      res.write(event("response.created", { sequence_number: 0 }))
      res.end(event("response.failed", { sequence_number: 1, response: { id: "resp_1", status: "failed" } }))
    })
    const stream = await clientOf(server).responses.create({ model: "gpt-test", input: "hi", stream: true })
    const seen: Array<{ type: string }> = []
    for await (const e of stream) seen.push(e)
    expect(seen.map((e) => e.type)).toEqual(["response.created", "response.failed"])
    expect(seen[1]).toMatchObject({ response: { status: "failed" } })
  })

  it("a Responses stream that ends before its terminal event is truncated", async () => {
    const server = await serve((_req, res) => {
      sseHead(res)
      res.end(event("response.created", { sequence_number: 0 }))
    })
    const stream = await clientOf(server).responses.create({ model: "gpt-test", input: "hi", stream: true })
    const error = await rejection((async () => {
      for await (const _ of stream) {
        // read on
      }
    })())
    expect(error).toBeInstanceOf(StreamTruncatedError)
  })

  it("an error event fails it with its message and code", async () => {
    const server = await serve((_req, res) => {
      sseHead(res)
      res.write(event("response.created", { sequence_number: 0 }))
      res.end(event("error", { code: "rate_limit_exceeded", message: "slow down", param: null, sequence_number: 1 }))
    })
    const stream = await clientOf(server).responses.create({ model: "gpt-test", input: "hi", stream: true })
    const error = await rejection((async () => {
      for await (const _ of stream) {
        // read on
      }
    })())
    expect(error).toBeInstanceOf(APIError)
    expect(error.message).toBe("slow down")
    expect(error.code).toBe("rate_limit_exceeded")
  })
})

describe("Stream constructors", () => {
  it("toReadableStream() and Stream.fromReadableStream round-trip the items", async () => {
    const server = await serve((_req, res) => sse(res, [chunk("one"), chunk("two"), chunk("three")]))
    const stream = await clientOf(server).chat.completions.create(params)
    const readable = stream.toReadableStream()
    expect(readable).toBeInstanceOf(ReadableStream)
    const again = Stream.fromReadableStream<ReturnType<typeof chunk>>(readable, new AbortController())
    const items: Array<unknown> = []
    for await (const item of again) items.push(item)
    expect(items).toEqual([chunk("one"), chunk("two"), chunk("three")])
  })

  it("Stream.fromSSEResponse reads a hand-made event-stream Response", async () => {
    const body = sseEvent({ n: 1 }) + sseEvent({ n: 2 }) + "data: [DONE]\n\n"
    const response = new Response(body, { headers: { "content-type": "text/event-stream" } })
    const items: Array<unknown> = []
    for await (const item of Stream.fromSSEResponse<{ n: number }>(response, new AbortController())) items.push(item)
    expect(items).toEqual([{ n: 1 }, { n: 2 }])
  })

  it("Stream.fromSSEResponse fails on an error event with an APIError", async () => {
    const body = sseEvent({ n: 1 }) + sseEvent({ error: { message: "broken", type: "server_error" } })
    const stream = Stream.fromSSEResponse<{ n: number }>(new Response(body), new AbortController())
    const items: Array<unknown> = []
    const error = await rejection((async () => {
      for await (const item of stream) items.push(item)
    })())
    expect(items).toEqual([{ n: 1 }])
    expect(error).toBeInstanceOf(APIError)
    expect(error.message).toBe("broken")
  })
})
