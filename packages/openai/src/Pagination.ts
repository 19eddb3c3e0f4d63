/**
 * Pages and item streams for list operations. Three cursor styles exist in the API: `after` with
 * `has_more`/`last_id` (the last item's `id` when `last_id` is absent), `next` (a `next` cursor sent back as
 * `after`), and `page` with `next_page`.
 * An empty page that says more is coming is followed (by its `last_id`); a page that says more is coming but
 * gives no cursor at all, or a cursor seen before, fails with `ResponseDecodeError` instead of stopping
 * silently or looping forever.
 *
 * @since 0.1.0
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { isRecord } from "effect/Predicate"
import * as Stream from "effect/Stream"
import * as OpenAIClient from "./OpenAIClient.js"
import * as OpenAIError from "./OpenAIError.js"
import type * as OpenAIRequest from "./OpenAIRequest.js"

/**
 * How a list operation pages: which query parameter takes the cursor and where the next cursor comes from.
 *
 * @since 0.1.0
 * @category models
 */
export type CursorStyle = "after" | "next" | "page" | "none"

/**
 * One page of a list.
 *
 * @since 0.1.0
 * @category models
 */
export interface Page<A> {
  readonly data: ReadonlyArray<A>
  /** Whether the server says more items follow. */
  readonly hasMore: boolean
  /** The cursor for the next page, when there is one. */
  readonly nextCursor: string | undefined
  /** The whole response body, for fields beyond `data` (`first_id`, `object`, ...). */
  readonly body: unknown
  readonly response: OpenAIRequest.ResponseMeta
  /** The request that produced this page; the next one swaps its cursor. */
  readonly spec: OpenAIRequest.RequestSpec
  readonly style: CursorStyle
}

const nextCursor = (style: CursorStyle, body: Record<string, unknown>, data: ReadonlyArray<unknown>): string | undefined => {
  switch (style) {
    case "none":
      return undefined
    case "after": {
      if (body.has_more !== true) return undefined
      if (typeof body.last_id === "string" && body.last_id !== "") return body.last_id
      const last = data[data.length - 1]
      return isRecord(last) && typeof last.id === "string" ? last.id : undefined
    }
    case "next":
      if (body.has_more === false) return undefined
      return typeof body.next === "string" && body.next !== "" ? body.next : undefined
    case "page":
      if (body.has_more === false) return undefined
      return typeof body.next_page === "string" && body.next_page !== "" ? body.next_page : undefined
  }
}

const cursorParam = (style: CursorStyle): string => (style === "page" ? "page" : "after")

/**
 * Fetches one page.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fetchPage = <A>(
  spec: OpenAIRequest.RequestSpec,
  style: CursorStyle
): Effect.Effect<Page<A>, OpenAIError.OpenAIError, OpenAIClient.OpenAIClient> =>
  Effect.flatMap(OpenAIClient.requestWithResponse<unknown>(spec), ({ data: body, response }) => {
    if (!isRecord(body) || !Array.isArray(body.data)) {
      return Effect.fail(
        new OpenAIError.ResponseDecodeError({
          message: `list response has no data array${response.requestId === undefined ? "" : ` (request ${response.requestId})`}`,
          status: response.status,
          requestId: response.requestId,
          body: JSON.stringify(body)?.slice(0, 64 * 1024) ?? ""
        })
      )
    }
    const data = body.data as ReadonlyArray<A>
    const cursor = nextCursor(style, body, data)
    if (cursor === undefined && (style === "after" || style === "next") && body.has_more === true) {
      return Effect.fail(
        new OpenAIError.ResponseDecodeError({
          message: `list page says has_more but gives no cursor (${style === "next" ? "no next" : "no last_id and no item id"})${
            response.requestId === undefined ? "" : ` (request ${response.requestId})`
          }`,
          status: response.status,
          requestId: response.requestId,
          body: JSON.stringify(body).slice(0, 64 * 1024)
        })
      )
    }
    return Effect.succeed<Page<A>>({
      data,
      hasMore: cursor !== undefined,
      nextCursor: cursor,
      body,
      response,
      spec,
      style
    })
  })

const withCursor = (spec: OpenAIRequest.RequestSpec, style: CursorStyle, cursor: string): OpenAIRequest.RequestSpec => ({
  ...spec,
  query: { ...spec.query, [cursorParam(style)]: cursor }
})

/**
 * The page after `page`, or `None` at the end.
 *
 * @since 0.1.0
 * @category pages
 */
export const nextPage = <A>(
  page: Page<A>
): Effect.Effect<Option.Option<Page<A>>, OpenAIError.OpenAIError, OpenAIClient.OpenAIClient> =>
  page.nextCursor === undefined
    ? Effect.succeedNone
    : Effect.asSome(fetchPage<A>(withCursor(page.spec, page.style, page.nextCursor), page.style))

const repeatedCursor = <A>(cursor: string, page: Page<A>) =>
  new OpenAIError.ResponseDecodeError({
    message: `the server returned cursor ${JSON.stringify(cursor)} twice; stopping instead of looping`,
    status: page.response.status,
    requestId: page.response.requestId,
    body: ""
  })

/**
 * Every page from `first` on, lazily. Fails if a cursor repeats.
 *
 * @since 0.1.0
 * @category pages
 */
export const pages = <A>(first: Page<A>): Stream.Stream<Page<A>, OpenAIError.OpenAIError, OpenAIClient.OpenAIClient> =>
  Stream.suspend(() => {
    const seen = new Set<string>()
    const start = first.spec.query?.[cursorParam(first.style)]
    if (typeof start === "string") seen.add(start)
    const after = (page: Page<A>) => [page, Option.fromNullable(page.nextCursor)] as const
    // The state is the page in hand or the cursor of the next one, so a page is fetched only when pulled.
    return Stream.paginateEffect<Page<A> | string, Page<A>, OpenAIError.OpenAIError, OpenAIClient.OpenAIClient>(
      first,
      (state) => {
        if (typeof state !== "string") return Effect.succeed(after(state))
        if (seen.has(state)) return Effect.fail(repeatedCursor(state, first))
        seen.add(state)
        return Effect.map(fetchPage<A>(withCursor(first.spec, first.style, state), first.style), after)
      }
    )
  })

/**
 * Every item of a list across pages, lazily and in constant memory. `check` runs on every page before its items
 * are given out (generated operations use it to check pages against their schema).
 *
 * @since 0.1.0
 * @category items
 */
export const items = <A>(
  spec: OpenAIRequest.RequestSpec,
  style: CursorStyle,
  check?: (page: Page<A>) => Effect.Effect<unknown, OpenAIError.OpenAIError, OpenAIClient.OpenAIClient>
): Stream.Stream<A, OpenAIError.OpenAIError, OpenAIClient.OpenAIClient> =>
  Stream.unwrap(
    Effect.map(fetchPage<A>(spec, style), (first) => {
      const all = check === undefined ? pages(first) : Stream.mapEffect(pages(first), (page) => Effect.as(check(page), page))
      return Stream.mapConcatChunk(all, (page) => Chunk.unsafeFromArray(page.data as Array<A>))
    })
  )
