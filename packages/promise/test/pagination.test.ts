/**
 * List methods: the first page when awaited, every item when iterated, `iterPages()`, and the cursor rules (a
 * repeated cursor or `has_more` without a cursor fails instead of looping or stopping silently).
 */
import { describe, expect, it } from "vitest"
import { OpenAIError, ResponseDecodeError } from "@effect-openai/promise"
import { clientOf, json, rejection, sleep, useServers, within } from "./support/server.js"
import type { Received, TestServer } from "./support/server.js"

const serve = useServers()

const file = (id: string) => ({ id, object: "file", bytes: 1, created_at: 1, filename: `${id}.txt`, purpose: "assistants" })
const ids = ["f1", "f2", "f3", "f4", "f5"]

/** Files in pages of `limit` (default 2), paged by `after` like the real endpoint. */
const filesServer = (): Promise<TestServer> =>
  serve((req, res) => {
    const limit = Number(req.query.get("limit") ?? "2")
    const after = req.query.get("after")
    const start = after === null ? 0 : ids.indexOf(after) + 1
    const page = ids.slice(start, start + limit)
    json(res, 200, { object: "list", data: page.map(file), has_more: start + limit < ids.length })
  })

const cursors = (requests: ReadonlyArray<Received>) => requests.map((r) => r.query.get("after"))

describe("awaiting list()", () => {
  it("gives the first page with its items and how to get the next", async () => {
    const server = await filesServer()
    const page = await clientOf(server).files.list({ limit: 2 })
    expect(page.data.map((f) => f.id)).toEqual(["f1", "f2"])
    expect(page.getPaginatedItems().map((f) => f.id)).toEqual(["f1", "f2"])
    expect(page.has_more).toBe(true)
    expect(page.hasNextPage()).toBe(true)
    expect(page.nextPageRequestOptions()).toMatchObject({ query: { limit: 2, after: "f2" } })
    const second = await page.getNextPage()
    expect(second.data.map((f) => f.id)).toEqual(["f3", "f4"])
    const last = await second.getNextPage()
    expect(last.data.map((f) => f.id)).toEqual(["f5"])
    expect(last.has_more).toBe(false)
    expect(last.hasNextPage()).toBe(false)
    expect(last.nextPageRequestOptions()).toBeNull()
    await expect(last.getNextPage()).rejects.toBeInstanceOf(OpenAIError)
    expect(cursors(server.requests)).toEqual([null, "f2", "f4"])
  })

  it("a list that comes whole is one page", async () => {
    const server = await serve((_req, res) =>
      json(res, 200, { object: "list", data: [{ id: "m1", object: "model" }, { id: "m2", object: "model" }] })
    )
    const page = await clientOf(server).models.list()
    expect(page.data.map((m) => m.id)).toEqual(["m1", "m2"])
    expect(page.object).toBe("list")
    expect(page.hasNextPage()).toBe(false)
    const all: Array<string> = []
    for await (const m of clientOf(server).models.list()) all.push(m.id)
    expect(all).toEqual(["m1", "m2"])
  })
})

describe("for await over list()", () => {
  it("yields every item of every page, following the cursors", async () => {
    const server = await filesServer()
    const seen: Array<string> = []
    for await (const f of clientOf(server).files.list({ limit: 2 })) seen.push(f.id)
    expect(seen).toEqual(ids)
    expect(cursors(server.requests)).toEqual([null, "f2", "f4"])
    expect(server.requests.map((r) => r.query.get("limit"))).toEqual(["2", "2", "2"])
  })

  it("over an awaited page too", async () => {
    const server = await filesServer()
    const page = await clientOf(server).files.list({ limit: 3 })
    const seen: Array<string> = []
    for await (const f of page) seen.push(f.id)
    expect(seen).toEqual(ids)
    expect(cursors(server.requests)).toEqual([null, "f3"])
  })

  it("prefetches at most one page: after break, at most one more request", async () => {
    const server = await filesServer()
    for await (const f of clientOf(server).files.list({ limit: 1 })) {
      if (f.id === "f2") break
    }
    await sleep(100)
    expect(server.requests.length).toBeGreaterThanOrEqual(2)
    expect(server.requests.length).toBeLessThanOrEqual(3)
  })

  it("a failing page request rejects the loop with the error class", async () => {
    const server = await serve((req, res) =>
      req.query.get("after") === null
        ? json(res, 200, { object: "list", data: [file("f1")], has_more: true })
        : json(res, 500, { error: { message: "page two is gone" } })
    )
    const seen: Array<string> = []
    const error = await rejection((async () => {
      for await (const f of clientOf(server).files.list()) seen.push(f.id)
    })())
    expect(seen).toEqual(["f1"])
    expect(error.status).toBe(500)
    expect(error.message).toBe("500 page two is gone")
  })
})

describe("iterPages()", () => {
  it("gives every page in turn", async () => {
    const server = await filesServer()
    const first = await clientOf(server).files.list({ limit: 2 })
    const pages: Array<Array<string>> = []
    for await (const page of first.iterPages()) pages.push(page.data.map((f) => f.id))
    expect(pages).toEqual([["f1", "f2"], ["f3", "f4"], ["f5"]])
    expect(cursors(server.requests)).toEqual([null, "f2", "f4"])
  })
})

describe("cursor rules", () => {
  /** A server that answers every request with the same page, which says more follows. */
  const stuck = () => serve((_req, res) => json(res, 200, { object: "list", data: [file("f1"), file("f2")], has_more: true }))

  it("a page that repeats a cursor fails the loop instead of looping", async () => {
    const server = await stuck()
    const seen: Array<string> = []
    const error = await within(5_000, rejection((async () => {
      for await (const f of clientOf(server).files.list()) seen.push(f.id)
    })()))
    expect(error).toBeInstanceOf(ResponseDecodeError)
    expect(error.message).toContain("\"f2\"")
    expect(seen).toEqual(["f1", "f2", "f1", "f2"])
    expect(server.requests).toHaveLength(2)
  })

  it("iterPages() stops the same way", async () => {
    const server = await stuck()
    const first = await clientOf(server).files.list()
    const error = await within(5_000, rejection((async () => {
      for await (const _ of first.iterPages()) {
        // read on
      }
    })()))
    expect(error).toBeInstanceOf(ResponseDecodeError)
    expect(server.requests).toHaveLength(2)
  })

  it("has_more without any cursor fails instead of ending quietly", async () => {
    const server = await serve((_req, res) => json(res, 200, { object: "list", data: [{ object: "file" }], has_more: true }))
    const error = await rejection(clientOf(server).files.list())
    expect(error).toBeInstanceOf(ResponseDecodeError)
    expect(error.message).toContain("has_more")
    const empty = await serve((_req, res) => json(res, 200, { object: "list", data: [], has_more: true }))
    await expect(clientOf(empty).files.list()).rejects.toBeInstanceOf(ResponseDecodeError)
  })

  it("an empty page that names its last_id is followed", async () => {
    const server = await serve((req, res) =>
      req.query.get("after") === null
        ? json(res, 200, { object: "list", data: [], has_more: true, last_id: "f0" })
        : json(res, 200, { object: "list", data: [file("f1")], has_more: false })
    )
    const seen: Array<string> = []
    for await (const f of clientOf(server).files.list()) seen.push(f.id)
    expect(seen).toEqual(["f1"])
    expect(cursors(server.requests)).toEqual([null, "f0"])
  })
})
