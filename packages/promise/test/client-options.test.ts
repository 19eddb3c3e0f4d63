/**
 * Client options about who is calling and where: keys (a string, a function), the environment's defaults,
 * organization and project, the admin key, the base URL, default headers and query, browsers, `withOptions`.
 */
import { describe, expect, it } from "vitest"
import OpenAI, { OpenAIError } from "@effect-openai/promise"
import { asBrowser, withEnv } from "./support/env.js"
import { clientOf, collectingLogger, json, rejection, SECRET, useServers } from "./support/server.js"

const serve = useServers()

const model = (id: string) => ({ id, object: "model", created: 1, owned_by: "test" })
const modelServer = () => serve((req, res) => json(res, 200, model(req.path.split("/").pop()!)))
const emptyList = () => serve((_req, res) => json(res, 200, { object: "list", data: [], has_more: false }))

describe("apiKey", () => {
  it("a string is sent as the bearer token", async () => {
    const server = await modelServer()
    await clientOf(server).models.retrieve("m")
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${SECRET}`)
  })

  it("a function is called before each request, retries included", async () => {
    const server = await serve((req, res) =>
      req.index === 0 ? json(res, 500, { error: { message: "again" } }, { "retry-after-ms": "1" }) : json(res, 200, model("m"))
    )
    let calls = 0
    const client = clientOf(server, { apiKey: async () => `sk-rotated-${++calls}`, maxRetries: 1 })
    await client.models.retrieve("m")
    await client.models.retrieve("m")
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([
      "Bearer sk-rotated-1",
      "Bearer sk-rotated-2",
      "Bearer sk-rotated-3"
    ])
  })

  it("a function that throws fails the call with an OpenAIError saying so, and nothing is sent", async () => {
    const server = await modelServer()
    const client = clientOf(server, {
      apiKey: async () => {
        throw new Error("the vault is sealed")
      }
    })
    const error = await rejection(client.models.retrieve("m"))
    expect(error).toBeInstanceOf(OpenAIError)
    expect(error.message).toContain("apiKey")
    expect(error.message).toContain("the vault is sealed")
    expect(server.requests).toHaveLength(0)
  })

  it("missing credentials throw OpenAIError at construction", async () => {
    await withEnv({}, () => {
      expect(() => new OpenAI()).toThrow(OpenAIError)
      expect(() => new OpenAI({ apiKey: null })).toThrow(/Missing credentials/)
    })
  })
})

describe("the environment", () => {
  it("supplies every default when the options leave them out", async () => {
    const server = await serve((req, res) =>
      req.path.startsWith("/v1/organization/") ? json(res, 200, { object: "list", data: [], has_more: false }) : json(res, 200, model("m"))
    )
    const { lines, logger } = collectingLogger()
    await withEnv({
      OPENAI_API_KEY: "sk-from-env",
      OPENAI_ADMIN_KEY: "sk-admin-from-env",
      OPENAI_BASE_URL: server.url,
      OPENAI_ORG_ID: "org-env",
      OPENAI_PROJECT_ID: "proj-env",
      OPENAI_WEBHOOK_SECRET: "whsec-env",
      OPENAI_LOG: "debug"
    }, async () => {
      const client = new OpenAI({ logger, maxRetries: 0 })
      expect(client.baseURL).toBe(server.url)
      expect(client.webhookSecret).toBe("whsec-env")
      expect(client.logLevel).toBe("debug")
      await client.models.retrieve("m")
      await client.admin.organization.invites.list()
    })
    const [plain, admin] = server.requests
    expect(plain!.path).toBe("/v1/models/m")
    expect(plain!.headers.authorization).toBe("Bearer sk-from-env")
    expect(plain!.headers["openai-organization"]).toBe("org-env")
    expect(plain!.headers["openai-project"]).toBe("proj-env")
    expect(admin!.path).toBe("/v1/organization/invites")
    expect(admin!.headers.authorization).toBe("Bearer sk-admin-from-env")
    expect(lines.some((line) => line.level === "debug")).toBe(true)
  })

  it("options win over the environment", async () => {
    const server = await modelServer()
    const other = await modelServer()
    await withEnv({ OPENAI_API_KEY: "sk-from-env", OPENAI_BASE_URL: other.url, OPENAI_ORG_ID: "org-env" }, async () => {
      const client = new OpenAI({ apiKey: SECRET, baseURL: server.url, organization: "org-option" })
      await client.models.retrieve("m")
    })
    expect(other.requests).toHaveLength(0)
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${SECRET}`)
    expect(server.requests[0]!.headers["openai-organization"]).toBe("org-option")
  })
})

describe("organization, project and the admin key", () => {
  it("organization and project are sent as headers, and not at all when unset", async () => {
    const server = await modelServer()
    await withEnv({}, async () => {
      await clientOf(server, { organization: "org-1", project: "proj-1" }).models.retrieve("m")
      await clientOf(server).models.retrieve("m")
    })
    expect(server.requests[0]!.headers["openai-organization"]).toBe("org-1")
    expect(server.requests[0]!.headers["openai-project"]).toBe("proj-1")
    expect(server.requests[1]!.headers).not.toHaveProperty("openai-organization")
    expect(server.requests[1]!.headers).not.toHaveProperty("openai-project")
  })

  it("admin endpoints use adminAPIKey, every other endpoint the API key", async () => {
    const server = await emptyList()
    const client = clientOf(server, { adminAPIKey: "sk-admin-1" })
    await client.admin.organization.invites.list()
    await client.admin.organization.adminAPIKeys.list()
    await client.files.list()
    expect(server.requests.map((r) => [r.path, r.headers.authorization])).toEqual([
      ["/v1/organization/invites", "Bearer sk-admin-1"],
      ["/v1/organization/admin_api_keys", "Bearer sk-admin-1"],
      ["/v1/files", `Bearer ${SECRET}`]
    ])
  })

  it("an admin key alone is enough to construct a client and call admin endpoints", async () => {
    const server = await emptyList()
    await withEnv({}, async () => {
      const client = clientOf(server, { apiKey: null, adminAPIKey: "sk-admin-only" })
      await client.admin.organization.invites.list()
    })
    expect(server.requests[0]!.headers.authorization).toBe("Bearer sk-admin-only")
  })
})

describe("baseURL, defaultHeaders, defaultQuery", () => {
  it("baseURL decides where requests go, with the API path under it", async () => {
    const server = await modelServer()
    const client = clientOf(server, { baseURL: `${server.url.replace(/\/v1$/, "")}/proxy/openai` })
    const found = await client.models.retrieve("gpt-x")
    expect(found.id).toBe("gpt-x")
    expect(server.requests[0]!.path).toBe("/proxy/openai/models/gpt-x")
  })

  it("default headers go with every request, and null removes a header the client would send", async () => {
    const server = await modelServer()
    const client = clientOf(server, { defaultHeaders: { "x-team": "core", "user-agent": null } })
    await client.models.retrieve("a")
    await client.models.retrieve("b")
    for (const request of server.requests) {
      expect(request.headers["x-team"]).toBe("core")
      expect(request.headers).not.toHaveProperty("user-agent")
    }
    await clientOf(server).models.retrieve("c")
    expect(server.requests[2]!.headers["user-agent"]).toMatch(/\S/)
  })

  it("default query parameters go with every request, beside the call's own", async () => {
    const server = await emptyList()
    const client = clientOf(server, { defaultQuery: { "api-version": "2025-01-01" } })
    await client.files.list({ limit: 2 })
    await client.models.list()
    expect(server.requests.map((r) => Object.fromEntries(r.query))).toEqual([
      { "api-version": "2025-01-01", limit: "2" },
      { "api-version": "2025-01-01" }
    ])
  })
})

describe("dangerouslyAllowBrowser", () => {
  it("in a browser, construction throws unless it is set", async () => {
    const server = await modelServer()
    const found = await asBrowser(async () => {
      expect(() => new OpenAI({ apiKey: SECRET, baseURL: server.url })).toThrow(OpenAIError)
      expect(() => new OpenAI({ apiKey: SECRET, baseURL: server.url })).toThrow(/dangerouslyAllowBrowser/)
      const client = clientOf(server, { dangerouslyAllowBrowser: true })
      return client.models.retrieve("m")
    })
    expect(found.id).toBe("m")
  })

  it("outside a browser, it is not needed", () => {
    expect(typeof (globalThis as { window?: unknown }).window).toBe("undefined")
    expect(() => new OpenAI({ apiKey: SECRET })).not.toThrow()
  })
})

describe("withOptions", () => {
  it("keeps every option it is not given and changes those it is", async () => {
    const server = await modelServer()
    let calls = 0
    const base = clientOf(server, {
      apiKey: async () => `sk-fn-${++calls}`,
      organization: "org-a",
      defaultHeaders: { "x-team": "core" },
      timeout: 5_000
    })
    const changed = base.withOptions({ organization: "org-b", maxRetries: 1 })
    expect(changed).toBeInstanceOf(OpenAI)
    expect(changed.timeout).toBe(5_000)
    expect(changed.maxRetries).toBe(1)
    expect(base.maxRetries).toBe(0)
    await changed.models.retrieve("m")
    await base.models.retrieve("m")
    const [fromChanged, fromBase] = server.requests
    expect(fromChanged!.headers["openai-organization"]).toBe("org-b")
    expect(fromChanged!.headers["x-team"]).toBe("core")
    expect(fromChanged!.headers.authorization).toBe("Bearer sk-fn-1")
    expect(fromBase!.headers["openai-organization"]).toBe("org-a")
    expect(fromBase!.headers.authorization).toBe("Bearer sk-fn-2")
  })

  it("a new baseURL sends to the new server", async () => {
    const first = await modelServer()
    const second = await modelServer()
    const client = clientOf(first).withOptions({ baseURL: second.url })
    await client.models.retrieve("m")
    expect(first.requests).toHaveLength(0)
    expect(second.requests[0]!.headers.authorization).toBe(`Bearer ${SECRET}`)
  })
})
