/**
 * The second argument of every method: `timeout`, `maxRetries`, `headers`, `query`, `body`, `signal`,
 * `idempotencyKey` and `fetchOptions`, for one call only.
 */
import { describe, expect, it } from "vitest"
import { APIConnectionError, APIConnectionTimeoutError, APIUserAbortError, InternalServerError } from "@effect-openai/promise"
import { clientOf, json, rejection, sleep, useServers, within } from "./support/server.js"

const serve = useServers()

const model = (id: string) => ({ id, object: "model", created: 1, owned_by: "test" })
const modelServer = () => serve((req, res) => json(res, 200, model(req.path.split("/").pop()!)))
const chatParams = { model: "gpt-test", messages: [{ role: "user" as const, content: "hi" }] }

/** Resolves once the server has received `count` requests. */
const received = async (server: { requests: ReadonlyArray<unknown> }, count: number) => {
  for (let i = 0; i < 200 && server.requests.length < count; i++) await sleep(5)
  expect(server.requests.length).toBeGreaterThanOrEqual(count)
}

describe("timeout and maxRetries", () => {
  it("timeout limits this call only", async () => {
    const server = await serve((req, res) => {
      if (req.path.endsWith("/fast")) json(res, 200, model("fast"))
      // anything else stalls
    })
    const client = clientOf(server, { timeout: 60_000 })
    const error = await within(5_000, rejection(client.models.retrieve("slow", { timeout: 150 })))
    expect(error).toBeInstanceOf(APIConnectionTimeoutError)
    expect((await client.models.retrieve("fast")).id).toBe("fast")
  })

  it("maxRetries overrides the client's count in both directions", async () => {
    const server = await serve((_req, res) => json(res, 500, { error: { message: "down" } }, { "retry-after-ms": "1" }))
    await rejection(clientOf(server, { maxRetries: 0 }).models.retrieve("m", { maxRetries: 2 }))
    expect(server.requests).toHaveLength(3)
    await rejection(clientOf(server, { maxRetries: 5 }).models.retrieve("m", { maxRetries: 0 }))
    expect(server.requests).toHaveLength(4)
  })
})

describe("headers, query, body, idempotencyKey", () => {
  it("headers are added to this call, override defaults, and null removes one", async () => {
    const server = await modelServer()
    const client = clientOf(server, { defaultHeaders: { "x-team": "core", "x-env": "test" }, organization: "org-1" })
    await client.models.retrieve("m", { headers: { "x-trace": "t-1", "x-team": "other", "x-env": null } })
    await client.models.retrieve("m", { headers: new Headers({ "x-from-headers": "yes" }) })
    await client.models.retrieve("m", { headers: { "openai-organization": null } })
    const [first, second, third] = server.requests
    expect(first!.headers["x-trace"]).toBe("t-1")
    expect(first!.headers["x-team"]).toBe("other")
    expect(first!.headers).not.toHaveProperty("x-env")
    expect(second!.headers["x-from-headers"]).toBe("yes")
    expect(second!.headers["x-team"]).toBe("core")
    expect(third!.headers).not.toHaveProperty("openai-organization")
  })

  it("query adds parameters beside the method's own", async () => {
    const server = await serve((_req, res) => json(res, 200, { object: "list", data: [], has_more: false }))
    await clientOf(server).files.list({ limit: 3, purpose: "batch" }, { query: { "x-debug": "1" } })
    expect(Object.fromEntries(server.requests[0]!.query)).toEqual({ limit: "3", purpose: "batch", "x-debug": "1" })
  })

  it("body merges extra fields into the JSON body", async () => {
    const server = await serve((_req, res) => json(res, 200, { id: "c" }))
    await clientOf(server).chat.completions.create(chatParams, { body: { extra_field: { nested: true }, seed: 7 } })
    expect(server.requests[0]!.json).toEqual({ ...chatParams, extra_field: { nested: true }, seed: 7 })
  })

  it("idempotencyKey is sent as the Idempotency-Key header, the same on every retry", async () => {
    const server = await serve((req, res) =>
      req.index === 0 ? json(res, 500, { error: { message: "again" } }, { "retry-after-ms": "1" }) : json(res, 200, { id: "c" })
    )
    await clientOf(server).chat.completions.create(chatParams, { idempotencyKey: "idem-42", maxRetries: 1 })
    expect(server.requests.map((r) => r.headers["idempotency-key"])).toEqual(["idem-42", "idem-42"])
  })
})

describe("signal", () => {
  it("already aborted: APIUserAbortError, nothing sent", async () => {
    const server = await modelServer()
    const error = await within(1_000, rejection(clientOf(server).models.retrieve("m", { signal: AbortSignal.abort() })))
    expect(error).toBeInstanceOf(APIUserAbortError)
    await sleep(50)
    expect(server.requests).toHaveLength(0)
  })

  it("aborted while the server thinks: APIUserAbortError promptly, and the connection is closed", async () => {
    const server = await serve(() => {}) // never answers
    const controller = new AbortController()
    const call = rejection(clientOf(server, { timeout: 60_000 }).models.retrieve("m", { signal: controller.signal }))
    await received(server, 1)
    const aborted = Date.now()
    controller.abort()
    const error = await within(1_000, call)
    expect(error).toBeInstanceOf(APIUserAbortError)
    expect(Date.now() - aborted).toBeLessThan(500)
    expect(await within(2_000, server.requests[0]!.closed)).toEqual({ finished: false })
  })

  it("aborted during a retry's backoff: APIUserAbortError promptly, no further attempt", async () => {
    const server = await serve((_req, res) => json(res, 500, { error: { message: "down" } }, { "retry-after-ms": "10000" }))
    const controller = new AbortController()
    const call = rejection(clientOf(server, { maxRetries: 2 }).models.retrieve("m", { signal: controller.signal }))
    await received(server, 1)
    await sleep(50)
    controller.abort()
    const error = await within(1_000, call)
    expect(error).toBeInstanceOf(APIUserAbortError)
    expect(server.requests).toHaveLength(1)
  })

  it("a signal that is never aborted changes nothing", async () => {
    const server = await modelServer()
    const found = await clientOf(server).models.retrieve("m", { signal: new AbortController().signal })
    expect(found.id).toBe("m")
  })

  it("aborting after the call settled is harmless", async () => {
    const server = await modelServer()
    const controller = new AbortController()
    const found = await clientOf(server).models.retrieve("m", { signal: controller.signal })
    controller.abort()
    expect(found.id).toBe("m")
  })
})

describe("fetchOptions", () => {
  it("apply to this call only", async () => {
    const server = await serve((req, res) => {
      if (req.path === "/v1/models/old") {
        res.writeHead(307, { location: "/v1/models/new" })
        res.end()
      } else json(res, 200, model("new"))
    })
    const client = clientOf(server, { fetchOptions: { redirect: "follow" } })
    expect(await rejection(client.models.retrieve("old", { fetchOptions: { redirect: "error" } }))).toBeInstanceOf(
      APIConnectionError
    )
    expect((await client.models.retrieve("old")).id).toBe("new")
  })

  it("given per call, are passed to a custom fetch", async () => {
    const server = await modelServer()
    const inits: Array<RequestInit | undefined> = []
    const client = clientOf(server, {
      fetch: (input, init) => {
        inits.push(init)
        return fetch(input, init)
      }
    })
    await client.models.retrieve("a", { fetchOptions: { cache: "no-store" } })
    await client.models.retrieve("b")
    expect(inits[0]?.cache).toBe("no-store")
    expect(inits[1]?.cache).toBeUndefined()
  })

  it("on a client without fetch options, per-call ones still reach fetch", async () => {
    const server = await serve((req, res) => {
      if (req.path === "/v1/models/old") {
        res.writeHead(307, { location: "/v1/models/new" })
        res.end()
      } else json(res, 200, model("new"))
    })
    const found = await clientOf(server).models.retrieve("old", { fetchOptions: { redirect: "follow" } })
    expect(found.id).toBe("new")
  })

  it("retries still apply to a call with fetchOptions", async () => {
    const server = await serve((req, res) =>
      req.index < 2 ? json(res, 502, { error: { message: "bad gateway" } }, { "retry-after-ms": "1" }) : json(res, 200, model("m"))
    )
    const error = await rejection(clientOf(server).models.retrieve("m", { fetchOptions: { cache: "no-store" }, maxRetries: 0 }))
    expect(error).toBeInstanceOf(InternalServerError)
    const found = await clientOf(server).models.retrieve("m", { fetchOptions: { cache: "no-store" }, maxRetries: 1 })
    expect(found.id).toBe("m")
    expect(server.requests).toHaveLength(3)
  })
})
