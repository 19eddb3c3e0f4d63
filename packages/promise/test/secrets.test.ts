/**
 * The API key stays out of everything the client prints, throws or logs, also when a server echoes it back in an
 * error body, a header or a stream event.
 */
import * as util from "node:util"
import { describe, expect, it } from "vitest"
import OpenAI, { APIError, AuthenticationError, ResponseDecodeError } from "@effect-openai/promise"
import { chunk, clientOf, collectingLogger, json, rejection, SECRET, sse, useServers } from "./support/server.js"
import type { Collected } from "./support/server.js"

const serve = useServers()

const ADMIN_SECRET = "sk-admin-5e4d3c2b1a09f8e7d6c5"

/** Every way a value can be shown: as a string, inspected deeply, as JSON, and its own fields' values. */
const renderings = (value: unknown): Array<string> => {
  const out = [String(value), util.inspect(value, { depth: Infinity }), JSON.stringify(value) ?? ""]
  if (value instanceof Error) out.push(value.message, value.stack ?? "")
  if (typeof value === "object" && value !== null) {
    for (const field of Object.values(value)) {
      out.push(util.inspect(field, { depth: Infinity }))
      if (field instanceof Headers) field.forEach((v, k) => out.push(`${k}: ${v}`))
    }
  }
  return out
}

const expectClean = (value: unknown, ...secrets: Array<string>) => {
  for (const text of renderings(value)) {
    for (const secret of secrets) expect(text).not.toContain(secret)
  }
}

const expectCleanLogs = ({ lines }: Collected, ...secrets: Array<string>) => {
  expect(lines.length).toBeGreaterThan(0)
  for (const line of lines) {
    const text = util.inspect(line.args, { depth: Infinity })
    for (const secret of secrets) expect(text).not.toContain(secret)
  }
}

/** A server that answers 401 and echoes the key it was sent, in the body and in a header. */
const echoing = () =>
  serve((req, res) => {
    const auth = String(req.headers.authorization)
    const key = auth.replace(/^Bearer /, "")
    json(res, 401, {
      error: { message: `Incorrect API key provided: ${key}.`, type: "invalid_request_error", param: null, code: "invalid_api_key" },
      echo: { authorization: auth }
    }, { "x-echo-authorization": auth, "x-echo-key": key })
  })

describe("the client", () => {
  it("keeps the keys out of String, util.inspect (hidden properties too) and JSON.stringify", () => {
    const client = new OpenAI({ apiKey: SECRET, adminAPIKey: ADMIN_SECRET, organization: "org-1", webhookSecret: "whsec_hidden" })
    expect(client.apiKey).toBe(SECRET)
    expect(client.adminAPIKey).toBe(ADMIN_SECRET)
    expect(client.webhookSecret).toBe("whsec_hidden")
    for (
      const text of [
        String(client),
        `${client}`,
        util.inspect(client, { depth: Infinity }),
        util.inspect(client, { depth: Infinity, showHidden: true }),
        JSON.stringify(client)
      ]
    ) {
      expect(text).not.toContain(SECRET)
      expect(text).not.toContain(ADMIN_SECRET)
      expect(text).not.toContain("whsec_hidden")
    }
    expect(String(client)).toContain("api.openai.com")
  })

  it("a client from withOptions too", () => {
    const client = new OpenAI({ apiKey: SECRET }).withOptions({ timeout: 1_000 })
    for (const text of [String(client), util.inspect(client, { depth: Infinity }), JSON.stringify(client)]) {
      expect(text).not.toContain(SECRET)
    }
  })
})

describe("errors", () => {
  it("a key echoed by the server appears in no field, message, String(error) or log line", async () => {
    const server = await echoing()
    const log = collectingLogger()
    const error = await rejection(clientOf(server, { logLevel: "debug", logger: log.logger }).models.retrieve("m"))
    expect(error).toBeInstanceOf(AuthenticationError)
    expect(error.message).toMatch(/^401 Incorrect API key provided: /)
    expect(error.code).toBe("invalid_api_key")
    expect(error.headers.get("x-echo-key")).not.toBeNull()
    expectClean(error, SECRET)
    expectCleanLogs(log, SECRET)
  })

  it("a key from a function is kept out the same way", async () => {
    const server = await echoing()
    const rotated = "sk-rotated-0f1e2d3c4b5a69788796"
    const log = collectingLogger()
    const client = clientOf(server, { apiKey: async () => rotated, logLevel: "debug", logger: log.logger })
    const error = await rejection(client.models.retrieve("m"))
    expect(error).toBeInstanceOf(AuthenticationError)
    expectClean(error, rotated)
    expectCleanLogs(log, rotated)
  })

  it("the admin key, on an admin endpoint, too", async () => {
    const server = await echoing()
    const log = collectingLogger()
    const client = clientOf(server, { adminAPIKey: ADMIN_SECRET, logLevel: "debug", logger: log.logger })
    const error = await rejection(client.admin.organization.invites.list())
    expect(error).toBeInstanceOf(AuthenticationError)
    expectClean(error, ADMIN_SECRET, SECRET)
    expectCleanLogs(log, ADMIN_SECRET, SECRET)
  })

  it("in a body that is not JSON, kept as ResponseDecodeError.body", async () => {
    const server = await serve((req, res) => {
      res.writeHead(200, { "content-type": "application/json" })
      res.end(`{"you sent": "${String(req.headers.authorization)}", broken`)
    })
    const error = await rejection(clientOf(server).models.retrieve("m"))
    expect(error).toBeInstanceOf(ResponseDecodeError)
    expect(error.body).toContain("you sent")
    expectClean(error, SECRET)
  })

  it("in a stream's error event", async () => {
    const server = await serve((req, res) =>
      sse(res, [chunk("a"), { error: { message: `bad key ${String(req.headers.authorization)}`, type: "server_error" } }])
    )
    const log = collectingLogger()
    const client = clientOf(server, { logLevel: "debug", logger: log.logger })
    const stream = await client.chat.completions.create({ model: "m", messages: [], stream: true })
    const error = await rejection((async () => {
      for await (const _ of stream) {
        // read on
      }
    })())
    expect(error).toBeInstanceOf(APIError)
    expect(error.message).toContain("bad key")
    expectClean(error, SECRET)
    expectCleanLogs(log, SECRET)
  })
})

describe("logs", () => {
  it("at every level, for requests that succeed, are retried and fail, no argument holds the key", async () => {
    const server = await serve((req, res) =>
      req.index % 2 === 0
        ? json(res, 500, { error: { message: `down for ${String(req.headers.authorization)}` } }, {
          "retry-after-ms": "1",
          "x-echo": String(req.headers.authorization)
        })
        : json(res, 200, { id: "m", object: "model" }, { "x-echo": String(req.headers.authorization) })
    )
    const log = collectingLogger()
    const client = clientOf(server, { logLevel: "debug", logger: log.logger, maxRetries: 1 })
    await client.models.retrieve("m")
    await rejection(client.models.retrieve("m", { maxRetries: 0 }))
    expect(new Set(log.lines.map((line) => line.level))).toEqual(new Set(["debug", "info", "warn"]))
    expectCleanLogs(log, SECRET)
  })
})
