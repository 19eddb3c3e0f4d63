import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Option, Stream } from "effect"
import * as OpenAITest from "../src/OpenAITest.js"
import * as Pagination from "../src/Pagination.js"
import { Admin, Files, Models, type Types } from "../src/index.js"

const file = (id: string) =>
  ({ id, object: "file", bytes: 1, created_at: 1, filename: `${id}.txt`, purpose: "batch", status: "processed" }) as const
const requestCount = Effect.map(OpenAITest.requests, (all) => all.length)
const ids = <R>(stream: Stream.Stream<{ readonly id: string }, unknown, R>) =>
  Effect.map(Stream.runCollect(Stream.map(stream, (f) => f.id)), Chunk.toReadonlyArray)

/**
 * Serves `total` files in pages of `limit`, cursor style `after` + `has_more`, optionally with a `last_id` that is
 * NOT the last item's id (`cursor-N`), so that a client following the item id instead of `last_id` is caught.
 */
const filePages = (total: number, options: { readonly lastId?: boolean } = {}) =>
(request: OpenAITest.RecordedRequest): OpenAITest.Reply<OpenAITest.Fixture<Types.ListFilesResponse>> => {
  const limit = Number(request.url.searchParams.get("limit") ?? "2")
  const after = request.url.searchParams.get("after")
  const start = after === null ? 0 : Number(after.slice(after.indexOf("-") + 1)) + 1
  const data = Array.from({ length: Math.max(0, Math.min(limit, total - start)) }, (_, i) => file(`file-${start + i}`))
  const hasMore = start + data.length < total
  if (options.lastId && after !== null && !after.startsWith("cursor-")) return OpenAITest.error(400, { message: `bad cursor ${after}` })
  return OpenAITest.json({
    object: "list",
    data,
    has_more: hasMore,
    ...(options.lastId ? { last_id: `cursor-${start + data.length - 1}` } : {})
  })
}

describe("Pagination", () => {
  it.effect("listStream walks every page with after + has_more (cursor from the last item)", () =>
    Effect.gen(function*() {
      const all = yield* ids(Files.listStream({ limit: 2 }))
      assert.deepStrictEqual(all, ["file-0", "file-1", "file-2", "file-3", "file-4"])
      const requests = yield* OpenAITest.requests
      assert.deepStrictEqual(requests.map((r) => r.url.searchParams.get("after")), [null, "file-1", "file-3"])
      assert.isTrue(requests.every((r) => r.url.searchParams.get("limit") === "2"))
    }).pipe(Effect.provide(OpenAITest.layer({ "GET /files": filePages(5) }))))

  it.effect("uses last_id when the server sends it, not the last item's id", () =>
    Effect.gen(function*() {
      const all = yield* ids(Files.listStream({ limit: 3 }))
      assert.deepStrictEqual(all, ["file-0", "file-1", "file-2", "file-3", "file-4", "file-5", "file-6"])
      const requests = yield* OpenAITest.requests
      assert.deepStrictEqual(requests.map((r) => r.url.searchParams.get("after")), [null, "cursor-2", "cursor-5"])
    }).pipe(Effect.provide(OpenAITest.layer({ "GET /files": filePages(7, { lastId: true }) }))))

  it.effect("is lazy: taking from the first page fetches one page", () =>
    Effect.gen(function*() {
      const first = yield* ids(Stream.take(Files.listStream({ limit: 2 }), 2))
      assert.deepStrictEqual(first, ["file-0", "file-1"])
      assert.strictEqual(yield* requestCount, 1)
      yield* ids(Stream.take(Files.listStream({ limit: 2 }), 3))
      assert.strictEqual(yield* requestCount, 3)
    }).pipe(Effect.provide(OpenAITest.layer({ "GET /files": filePages(100) }))))

  it.effect("page-at-a-time access with nextPage", () =>
    Effect.gen(function*() {
      const page1 = yield* Files.list({ limit: 2 })
      assert.deepStrictEqual(page1.data.map((f) => f.id), ["file-0", "file-1"])
      assert.isTrue(page1.hasMore)
      const page2 = Option.getOrThrow(yield* Pagination.nextPage(page1))
      const page3 = Option.getOrThrow(yield* Pagination.nextPage(page2))
      assert.deepStrictEqual(page3.data.map((f) => f.id), ["file-4"])
      assert.isFalse(page3.hasMore)
      assert.isTrue(Option.isNone(yield* Pagination.nextPage(page3)))
      const pages = yield* Stream.runCollect(Pagination.pages(page1))
      assert.strictEqual(pages.length, 3)
    }).pipe(Effect.provide(OpenAITest.layer({ "GET /files": filePages(5) }))))

  it.effect("an empty page with more to come continues", () =>
    Effect.gen(function*() {
      const all = yield* ids(Files.listStream())
      assert.deepStrictEqual(all, ["a", "b"])
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /files": (request) => {
        switch (request.url.searchParams.get("after")) {
          case null:
            return OpenAITest.json({ data: [file("a")], has_more: true })
          case "a":
            return OpenAITest.json({ data: [], has_more: true, last_id: "skip" })
          default:
            return OpenAITest.json({ data: [file("b")], has_more: false })
        }
      }
    }))))

  it.effect("has_more with no cursor at all fails instead of stopping silently", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Stream.runDrain(Files.listStream()))
      assert.strictEqual(error._tag, "ResponseDecodeError")
      assert.include(error.message, "has_more but gives no cursor")
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /files": OpenAITest.json({ data: [], has_more: true })
    }))))

  it.effect("a repeated cursor fails instead of looping", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Stream.runDrain(Files.listStream()))
      assert.strictEqual(error._tag, "ResponseDecodeError")
      assert.include(error.message, "\"x\" twice")
      assert.strictEqual(yield* requestCount, 2)
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /files": OpenAITest.json({ data: [file("x")], has_more: true })
    }))))

  it.effect("next_page cursor style", () =>
    Effect.gen(function*() {
      const first = yield* Pagination.fetchPage<{ id: string }>({ method: "GET", path: "/organization/costs" }, "page")
      const all = yield* Stream.runCollect(Stream.flatMap(Pagination.pages(first), (p) => Stream.fromIterable(p.data)))
      assert.deepStrictEqual(Chunk.toReadonlyArray(all).map((b) => b.id), ["b1", "b2", "b3"])
      const requests = yield* OpenAITest.requests
      assert.deepStrictEqual(requests.map((r) => r.url.searchParams.get("page")), [null, "page_2", "page_3"])
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /organization/costs": (request) => {
        switch (request.url.searchParams.get("page")) {
          // buckets with ids of their own, to follow them across pages
          case null:
            return OpenAITest.unchecked({ object: "page", data: [{ id: "b1" }], has_more: true, next_page: "page_2" })
          case "page_2":
            return OpenAITest.unchecked({ object: "page", data: [{ id: "b2" }], has_more: true, next_page: "page_3" })
          default:
            return OpenAITest.unchecked({ object: "page", data: [{ id: "b3" }], has_more: false, next_page: null })
        }
      }
    }))))

  it.effect("next cursor style: the page's `next` goes back as `after`, not the last item's id", () =>
    Effect.gen(function*() {
      const all = yield* ids(Admin.Organization.Groups.listStream({ limit: 1 }))
      assert.deepStrictEqual(all, ["group_1", "group_2"])
      const requests = yield* OpenAITest.requests
      assert.deepStrictEqual(requests.map((r) => r.url.searchParams.get("after")), [null, "cursor_opaque"])
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /organization/groups": (request) =>
        OpenAITest.unchecked(
          request.url.searchParams.get("after") === null
            ? { object: "list", data: [{ id: "group_1" }], has_more: true, next: "cursor_opaque" }
            : { object: "list", data: [{ id: "group_2" }], has_more: false, next: null }
        )
    }, { adminApiKey: "sk-admin" }))))

  it.effect("next cursor style: has_more without a next fails", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Admin.Organization.Groups.list())
      assert.strictEqual(error._tag, "ResponseDecodeError")
      assert.include(error.message, "no next")
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /organization/groups": OpenAITest.unchecked({ object: "list", data: [{ id: "group_1" }], has_more: true, next: null })
    }, { adminApiKey: "sk-admin" }))))

  it.effect("a list without pagination is one page", () =>
    Effect.gen(function*() {
      const all = yield* ids(Models.listStream())
      assert.deepStrictEqual(all, ["gpt-4o", "gpt-4o-mini"])
      assert.strictEqual(yield* requestCount, 1)
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /models": OpenAITest.json({ object: "list", data: [{ id: "gpt-4o" }, { id: "gpt-4o-mini" }] })
    }))))

  it.effect("a list body without data is ResponseDecodeError", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Models.list())
      assert.strictEqual(error._tag, "ResponseDecodeError")
    }).pipe(Effect.provide(OpenAITest.layer({ "GET /models": OpenAITest.json({ object: "list" }) }))))
})
