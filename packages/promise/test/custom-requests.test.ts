/**
 * `client.get/post/put/patch/delete(path, options)`: any endpoint through the same pipeline as the methods
 * (headers, retries, errors, request ids), and `stream: true` for events.
 */
import { describe, expect, it } from "vitest"
import { APIPromise, InternalServerError, NotFoundError, Stream } from "@effect-openai/promise"
import { clientOf, json, rejection, SECRET, sse, sseEvent, sseHead, useServers, within } from "./support/server.js"

const serve = useServers()

/** Answers every request with what it received. */
const echoServer = () =>
  serve((req, res) =>
    json(res, 200, { method: req.method, path: req.path, query: Object.fromEntries(req.query), body: req.json ?? null }, {
      "x-request-id": `req_${req.index}`
    })
  )

describe("methods", () => {
  it("get sends the path under the base URL with query and headers, and gives JSON with _request_id", async () => {
    const server = await echoServer()
    const promise = clientOf(server, { organization: "org-1" }).get<{ path: string }>("/things/1", {
      query: { expand: "all", n: 2 },
      headers: { "x-custom": "c" }
    })
    expect(promise).toBeInstanceOf(APIPromise)
    const data = await promise
    expect(data).toEqual({ method: "GET", path: "/v1/things/1", query: { expand: "all", n: "2" }, body: null })
    expect((data as { _request_id?: string })._request_id).toBe("req_0")
    const [request] = server.requests
    expect(request!.headers.authorization).toBe(`Bearer ${SECRET}`)
    expect(request!.headers["openai-organization"]).toBe("org-1")
    expect(request!.headers["x-custom"]).toBe("c")
  })

  it("post, put and patch send their body as JSON; delete sends none", async () => {
    const server = await echoServer()
    const client = clientOf(server)
    const body = { name: "n", nested: { list: [1, 2] } }
    expect(await client.post("/things", { body })).toMatchObject({ method: "POST", path: "/v1/things", body })
    expect(await client.put("/things/1", { body })).toMatchObject({ method: "PUT", body })
    expect(await client.patch("/things/1", { body: { name: "m" } })).toMatchObject({ method: "PATCH", body: { name: "m" } })
    expect(await client.delete("/things/1")).toMatchObject({ method: "DELETE", path: "/v1/things/1", body: null })
    expect(server.requests.slice(0, 3).map((r) => r.headers["content-type"])).toEqual([
      "application/json",
      "application/json",
      "application/json"
    ])
    expect(server.requests[3]!.body).toHaveLength(0)
  })

  it("a path without a leading slash is the same path", async () => {
    const server = await echoServer()
    expect(await clientOf(server).get("things/2")).toMatchObject({ path: "/v1/things/2" })
  })

  it("withResponse() and asResponse() work as on methods", async () => {
    const server = await echoServer()
    const client = clientOf(server)
    const { data, response, request_id } = await client.get("/things/3").withResponse()
    expect(data).toMatchObject({ path: "/v1/things/3" })
    expect(response.status).toBe(200)
    expect(request_id).toBe("req_0")
    const raw = await client.post("/things", { body: { a: 1 } }).asResponse()
    expect(await raw.json()).toMatchObject({ method: "POST", body: { a: 1 } })
  })
})

describe("the same pipeline", () => {
  it("retries a 500 as the methods do", async () => {
    const server = await serve((req, res) =>
      req.index < 2 ? json(res, 500, { error: { message: "down" } }, { "retry-after-ms": "1" }) : json(res, 200, { ok: true })
    )
    expect(await clientOf(server, { maxRetries: 2 }).post("/jobs", { body: { a: 1 } })).toEqual({ ok: true })
    expect(server.requests).toHaveLength(3)
    expect(server.requests.map((r) => r.json)).toEqual([{ a: 1 }, { a: 1 }, { a: 1 }])
  })

  it("per-call maxRetries and errors as classes", async () => {
    const server = await serve((req, res) =>
      req.path.endsWith("/missing")
        ? json(res, 404, { error: { message: "no such thing", code: "not_found" } })
        : json(res, 503, { error: { message: "busy" } }, { "retry-after-ms": "1" })
    )
    const client = clientOf(server, { maxRetries: 3 })
    const missing = await rejection(client.get("/things/missing"))
    expect(missing).toBeInstanceOf(NotFoundError)
    expect(missing.message).toBe("404 no such thing")
    expect(missing.code).toBe("not_found")
    expect(await rejection(client.get("/busy", { maxRetries: 1 }))).toBeInstanceOf(InternalServerError)
    expect(server.requests).toHaveLength(3)
  })
})

describe("stream: true", () => {
  it("client.post(path, { body, stream: true }) gives a Stream of the events", async () => {
    const server = await serve((_req, res) => sse(res, [{ n: 1 }, { n: 2 }, { n: 3 }]))
    const stream = await clientOf(server).post<Stream<{ n: number }>>("/custom/stream", { body: { q: "x" }, stream: true })
    expect(stream).toBeInstanceOf(Stream)
    const items: Array<number> = []
    for await (const item of stream) items.push(item.n)
    expect(items).toEqual([1, 2, 3])
    expect(server.requests[0]!.json).toEqual({ q: "x" })
    expect(server.requests[0]!.headers.accept).toBe("text/event-stream")
  })

  it("a stream that simply ends is complete, [DONE] or not", async () => {
    const ended = await serve((_req, res) => sse(res, [{ n: 1 }], { done: false }))
    const items: Array<unknown> = []
    for await (const item of await clientOf(ended).post<Stream<unknown>>("/s", { stream: true })) items.push(item)
    expect(items).toEqual([{ n: 1 }])
  })

  it("controller.abort() stops one that does not end, and closes its connection", async () => {
    const server = await serve((_req, res) => {
      sseHead(res)
      res.write(sseEvent({ n: 1 }))
    })
    const stream = await clientOf(server).post<Stream<{ n: number }>>("/s", { stream: true })
    const items: Array<number> = []
    await within(2_000, (async () => {
      for await (const item of stream) {
        items.push(item.n)
        stream.controller.abort()
      }
    })())
    expect(items).toEqual([1])
    expect(await within(2_000, server.requests[0]!.closed)).toEqual({ finished: false })
  })
})
