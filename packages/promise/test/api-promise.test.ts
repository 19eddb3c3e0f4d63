/**
 * What a method returns: a promise of the data with `_request_id`, `.withResponse()`, `.asResponse()`, and a
 * request that starts whether or not anyone awaits it.
 */
import { describe, expect, it } from "vitest"
import { APIPromise, NotFoundError } from "@effect-openai/promise"
import { clientOf, json, rejection, sleep, useServers, within } from "./support/server.js"

const serve = useServers()

const model = { id: "gpt-test", object: "model", created: 1, owned_by: "test" }
const modelServer = () =>
  serve((_req, res) => json(res, 200, model, { "x-request-id": "req_123", "x-custom": "yes", "openai-processing-ms": "7" }))

describe("awaiting", () => {
  it("gives the data", async () => {
    const server = await modelServer()
    const promise = clientOf(server).models.retrieve("gpt-test")
    expect(promise).toBeInstanceOf(APIPromise)
    expect(promise).toBeInstanceOf(Promise)
    expect(await promise).toEqual(model)
  })

  it("the data carries _request_id, hidden from JSON.stringify and Object.keys", async () => {
    const server = await modelServer()
    const found = await clientOf(server).models.retrieve("gpt-test")
    expect(found._request_id).toBe("req_123")
    expect(Object.keys(found)).toEqual(Object.keys(model))
    expect(JSON.parse(JSON.stringify(found))).toEqual(model)
    expect({ ...found }).not.toHaveProperty("_request_id")
  })

  it("_request_id is null when the server sends no x-request-id", async () => {
    const server = await serve((_req, res) => json(res, 200, model))
    expect((await clientOf(server).models.retrieve("gpt-test"))._request_id).toBeNull()
  })

  it("then, catch and finally behave as on any promise", async () => {
    const server = await serve((req, res) => req.path.endsWith("/missing") ? json(res, 404, { error: { message: "no" } }) : json(res, 200, model))
    const client = clientOf(server)
    expect(await client.models.retrieve("gpt-test").then((m) => m.id)).toBe("gpt-test")
    const caught = await client.models.retrieve("missing").catch((e: unknown) => e)
    expect(caught).toBeInstanceOf(NotFoundError)
    let ran = false
    await client.models.retrieve("gpt-test").finally(() => (ran = true))
    expect(ran).toBe(true)
  })
})

describe(".withResponse()", () => {
  it("gives the data, the response with its status and headers, and the request id", async () => {
    const server = await modelServer()
    const { data, response, request_id } = await clientOf(server).models.retrieve("gpt-test").withResponse()
    expect(data).toEqual(model)
    expect(request_id).toBe("req_123")
    expect(response).toBeInstanceOf(Response)
    expect(response.status).toBe(200)
    expect(response.headers.get("x-custom")).toBe("yes")
    expect(response.headers.get("openai-processing-ms")).toBe("7")
    expect(server.requests).toHaveLength(1)
  })

  it("and awaiting the same promise too sends one request", async () => {
    const server = await modelServer()
    const promise = clientOf(server).models.retrieve("gpt-test")
    const [{ data }, awaited] = await Promise.all([promise.withResponse(), promise])
    expect(data).toEqual(awaited)
    expect(server.requests).toHaveLength(1)
  })

  it("rejects with the call's error", async () => {
    const server = await serve((_req, res) => json(res, 404, { error: { message: "no such model" } }))
    expect(await rejection(clientOf(server).models.retrieve("x").withResponse())).toBeInstanceOf(NotFoundError)
  })
})

describe(".asResponse()", () => {
  it("gives the raw Response with its body unread", async () => {
    const server = await modelServer()
    const response = await clientOf(server).models.retrieve("gpt-test").asResponse()
    expect(response).toBeInstanceOf(Response)
    expect(response.status).toBe(200)
    expect(response.headers.get("x-request-id")).toBe("req_123")
    expect(response.bodyUsed).toBe(false)
    expect(await response.json()).toEqual(model)
    expect(server.requests).toHaveLength(1)
  })

  it("streams a body that is still arriving", async () => {
    let finish: () => void = () => {}
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" })
      res.write("{\"id\":\"gpt-test\",")
      finish = () => res.end("\"object\":\"model\"}")
    })
    const response = await within(2_000, clientOf(server).models.retrieve("gpt-test").asResponse())
    const reader = response.body!.getReader()
    const first = await reader.read()
    expect(new TextDecoder().decode(first.value)).toBe("{\"id\":\"gpt-test\",")
    finish()
    let rest = ""
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += new TextDecoder().decode(r.value)
    expect(rest).toBe("\"object\":\"model\"}")
  })

  it("rejects with the error class on an error status, as the official client does", async () => {
    const server = await serve((_req, res) => json(res, 404, { error: { message: "no such model" } }))
    const error = await rejection(clientOf(server).models.retrieve("x").asResponse())
    expect(error).toBeInstanceOf(NotFoundError)
    expect(error.message).toBe("404 no such model")
  })
})

describe("sending", () => {
  it("a call whose promise is never awaited is still sent", async () => {
    const server = await modelServer()
    void clientOf(server).models.retrieve("gpt-test")
    for (let i = 0; i < 100 && server.requests.length === 0; i++) await sleep(10)
    expect(server.requests).toHaveLength(1)
    expect(server.requests[0]!.path).toBe("/v1/models/gpt-test")
  })

  it("a POST whose promise is never awaited is sent with its body", async () => {
    const server = await serve((_req, res) => json(res, 200, { id: "x" }))
    void clientOf(server).chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "fire and forget" }] })
    for (let i = 0; i < 100 && server.requests.length === 0; i++) await sleep(10)
    expect(server.requests[0]!.json).toEqual({ model: "gpt-test", messages: [{ role: "user", content: "fire and forget" }] })
  })
})
