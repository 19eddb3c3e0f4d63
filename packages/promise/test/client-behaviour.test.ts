/**
 * Client options about how requests are sent: `timeout`, `maxRetries`, a custom `fetch`, `fetchOptions`, and
 * the logger with its level.
 */
import { describe, expect, it } from "vitest"
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, InternalServerError } from "@effect-openai/promise"
import { clientOf, collectingLogger, json, rejection, SECRET, useServers, within } from "./support/server.js"

const serve = useServers()

const model = (id: string) => ({ id, object: "model", created: 1, owned_by: "test" })

describe("timeout", () => {
  it("a server that stalls gets APIConnectionTimeoutError after the client's timeout", async () => {
    const server = await serve(() => {}) // never answers
    const client = clientOf(server, { timeout: 200 })
    const started = Date.now()
    const error = await within(5_000, rejection(client.models.retrieve("m")))
    expect(error).toBeInstanceOf(APIConnectionTimeoutError)
    expect(error).toBeInstanceOf(APIConnectionError)
    expect(Date.now() - started).toBeGreaterThanOrEqual(190)
    expect(server.requests).toHaveLength(1)
  })

  it("a body that stops halfway times out too", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" })
      res.write("{\"id\": \"m\", ")
    })
    const error = await within(5_000, rejection(clientOf(server, { timeout: 200 }).models.retrieve("m")))
    expect(error).toBeInstanceOf(APIConnectionTimeoutError)
  })

  it("timeouts are retried like other connection failures", async () => {
    const server = await serve((req, res) => {
      if (req.index > 0) json(res, 200, model("m"))
    })
    const found = await within(5_000, clientOf(server, { timeout: 200, maxRetries: 1 }).models.retrieve("m"))
    expect(found.id).toBe("m")
    expect(server.requests).toHaveLength(2)
  })
})

describe("maxRetries", () => {
  const failing = () => serve((_req, res) => json(res, 500, { error: { message: "down" } }, { "retry-after-ms": "1" }))

  it("a 500 is attempted maxRetries + 1 times, then thrown", async () => {
    const server = await failing()
    const error = await rejection(clientOf(server, { maxRetries: 3 }).models.retrieve("m"))
    expect(error).toBeInstanceOf(InternalServerError)
    expect(server.requests).toHaveLength(4)
  })

  it("0 means one attempt", async () => {
    const server = await failing()
    await rejection(clientOf(server, { maxRetries: 0 }).models.retrieve("m"))
    expect(server.requests).toHaveLength(1)
  })

  it("the default is two retries", async () => {
    const server = await failing()
    await rejection(new OpenAI({ apiKey: SECRET, baseURL: server.url, logger: collectingLogger().logger }).models.retrieve("m"))
    expect(server.requests).toHaveLength(3)
  })

  it("a retry that succeeds gives its result", async () => {
    const server = await serve((req, res) =>
      req.index < 2 ? json(res, 503, { error: { message: "busy" } }, { "retry-after-ms": "1" }) : json(res, 200, model("m"))
    )
    expect((await clientOf(server, { maxRetries: 2 }).models.retrieve("m")).id).toBe("m")
    expect(server.requests).toHaveLength(3)
  })
})

describe("fetch and fetchOptions", () => {
  it("a custom fetch receives every request and its answer is used", async () => {
    const server = await serve((req, res) => json(res, 200, model(req.path.split("/").pop()!)))
    const seen: Array<string> = []
    const client = clientOf(server, {
      fetch: (input, init) => {
        const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url
        seen.push(`${init?.method ?? "GET"} ${url}`)
        return fetch(input, init)
      }
    })
    await client.models.retrieve("a")
    await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }] }).catch(() => {})
    expect(seen).toEqual([`GET ${server.url}/models/a`, `POST ${server.url}/chat/completions`])
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${SECRET}`)
  })

  it("a custom fetch can answer without any server", async () => {
    const client = new OpenAI({
      apiKey: SECRET,
      baseURL: "http://127.0.0.1:9/v1",
      fetch: async () => new Response(JSON.stringify(model("canned")), { headers: { "content-type": "application/json" } })
    })
    expect((await client.models.retrieve("x")).id).toBe("canned")
  })

  it("fetchOptions are passed to fetch with each request", async () => {
    const server = await serve((_req, res) => json(res, 200, model("m")))
    const inits: Array<RequestInit | undefined> = []
    const client = clientOf(server, {
      fetchOptions: { redirect: "manual", referrerPolicy: "no-referrer" },
      fetch: (input, init) => {
        inits.push(init)
        return fetch(input, init)
      }
    })
    await client.models.retrieve("m")
    expect(inits[0]?.redirect).toBe("manual")
    expect(inits[0]?.referrerPolicy).toBe("no-referrer")
  })

  it("fetchOptions change what fetch does: redirect \"error\" refuses a redirect the default follows", async () => {
    const server = await serve((req, res) => {
      if (req.path === "/v1/models/old") {
        res.writeHead(307, { location: "/v1/models/new" })
        res.end()
      } else json(res, 200, model("new"))
    })
    const following = clientOf(server, { fetchOptions: { redirect: "follow" } })
    expect((await following.models.retrieve("old")).id).toBe("new")
    const refusing = clientOf(server, { fetchOptions: { redirect: "error" } })
    expect(await rejection(refusing.models.retrieve("old"))).toBeInstanceOf(APIConnectionError)
    expect(server.requests.map((r) => r.path)).toEqual(["/v1/models/old", "/v1/models/new", "/v1/models/old"])
  })
})

describe("logLevel and logger", () => {
  it("debug: each request and response arrives at logger.debug", async () => {
    const server = await serve((_req, res) => json(res, 200, model("m"), { "x-request-id": "req_log" }))
    const { lines, logger } = collectingLogger()
    await clientOf(server, { logLevel: "debug", logger }).models.retrieve("m")
    const debug = lines.filter((line) => line.level === "debug")
    expect(debug.length).toBeGreaterThanOrEqual(2)
    const text = debug.map((line) => JSON.stringify(line.args)).join("\n")
    expect(text).toContain(`${server.url}/models/m`)
    expect(text).toContain("req_log")
    expect(lines.every((line) => line.level === "debug")).toBe(true)
  })

  it("info: a retry is logged", async () => {
    const server = await serve((req, res) =>
      req.index === 0 ? json(res, 500, { error: { message: "down" } }, { "retry-after-ms": "1" }) : json(res, 200, model("m"))
    )
    const { lines, logger } = collectingLogger()
    await clientOf(server, { logLevel: "info", logger, maxRetries: 1 }).models.retrieve("m")
    expect(lines.filter((line) => line.level === "info").length).toBeGreaterThanOrEqual(1)
    expect(lines.some((line) => line.level === "debug")).toBe(false)
  })

  it("off: nothing at all, even for calls that fail after retries", async () => {
    const server = await serve((_req, res) => json(res, 500, { error: { message: "down" } }, { "retry-after-ms": "1" }))
    const { lines, logger } = collectingLogger()
    const client = clientOf(server, { logLevel: "off", logger, maxRetries: 1 })
    await rejection(client.models.retrieve("m"))
    expect(server.requests).toHaveLength(2)
    expect(lines).toEqual([])
  })

  it("an unknown level is reported to the logger and warn is used", () => {
    const { lines, logger } = collectingLogger()
    const client = new OpenAI({ apiKey: SECRET, logger, logLevel: "loud" as "warn" })
    expect(client.logLevel).toBe("warn")
    expect(lines.map((line) => line.level)).toEqual(["warn"])
  })
})
