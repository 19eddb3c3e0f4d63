/**
 * Pages of list methods: `await` gives the first page (`data`, `hasNextPage()`, `getNextPage()`), `for await`
 * gives every item of every page. Pages come from the core's pagination, so the cursor rules are the Effect
 * API's: an empty page that says more follows is followed, a page that says more follows without a cursor fails,
 * and a cursor seen twice fails instead of looping.
 */
import * as Pagination from "@effect-openai/openai/Pagination"
import * as Option from "effect/Option"
import type { RunOptions } from "../internal/runtime.js"
import { APIPromise, responseOf, type Source } from "./api-promise.js"
import type { ClientCore } from "./client.js"
import { OpenAIError, ResponseDecodeError } from "./error.js"

/** The parts of a request a page changes to ask for the next one. */
export interface PageRequestOptions {
  query?: Record<string, unknown> | undefined
  headers?: Record<string, string | null | undefined> | undefined
  body?: unknown
  path?: string | undefined
  method?: string | undefined
}

type CorePage<Item> = Pagination.Page<Item>

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true })

export abstract class AbstractPage<Item> implements AsyncIterable<Item> {
  #client: ClientCore
  #page: CorePage<Item>
  #run: RunOptions | undefined
  #response: Response | undefined
  protected options: PageRequestOptions
  protected body: unknown

  constructor(client: ClientCore, page: CorePage<Item>, run?: RunOptions) {
    this.#client = client
    this.#page = page
    this.#run = run
    this.body = page.body
    this.options = {
      method: page.spec.method.toLowerCase(),
      query: page.spec.query === undefined ? undefined : { ...page.spec.query },
      headers: page.spec.headers === undefined ? undefined : { ...page.spec.headers }
    }
  }

  /** The response this page came in (its body already read). */
  protected get response(): Response {
    return this.#response ??= responseOf(this.#page.response)
  }

  getPaginatedItems(): Array<Item> {
    return this.#page.data as Array<Item>
  }

  /** The request options of the next page, or `null` at the end. */
  nextPageRequestOptions(): PageRequestOptions | null {
    const cursor = this.#page.nextCursor
    if (cursor === undefined) return null
    return { ...this.options, query: { ...this.options.query, [this.#page.style === "page" ? "page" : "after"]: cursor } }
  }

  hasNextPage(): boolean {
    return this.#page.nextCursor !== undefined
  }

  /** Fetches the next page; check `hasNextPage()` first. */
  getNextPage(): Promise<this> {
    if (this.#page.nextCursor === undefined) {
      return Promise.reject(
        new OpenAIError("No next page expected; please check `.hasNextPage()` before calling `.getNextPage()`.")
      )
    }
    const Class = this.constructor as new(client: ClientCore, page: CorePage<Item>, run?: RunOptions) => this
    return this.#client._runtime.promise(Pagination.nextPage(this.#page), this.#run).then((next) =>
      new Class(this.#client, Option.getOrThrow(next), this.#run)
    )
  }

  /** Every page from this one on. */
  async *iterPages(): AsyncGenerator<this> {
    let page: this = this
    const seen = new Set<string>()
    yield page
    while (page.hasNextPage()) {
      page = await page.#following(seen)
      yield page
    }
  }

  /** The next page, failing when its cursor was seen before (a server bug that would loop forever). */
  #following(seen: Set<string>): Promise<this> {
    const cursor = this.#page.nextCursor!
    if (seen.has(cursor)) {
      return Promise.reject(
        new ResponseDecodeError(
          this.#page.response.status,
          `the server returned cursor ${JSON.stringify(cursor)} twice; stopping instead of looping`,
          undefined,
          ""
        )
      )
    }
    seen.add(cursor)
    return this.getNextPage()
  }

  [Symbol.asyncIterator](): AsyncIterator<Item> {
    return new Items<Item>(Promise.resolve(this))
  }

  /** @internal */
  static _following<P extends AbstractPage<any>>(page: P, seen: Set<string>): Promise<P> {
    return page.#following(seen)
  }
}

/**
 * Every item of every page, handed out without an async generator: one resolved promise per item. The next page
 * is requested as soon as a page arrives, so its request runs while the loop works through the current page
 * (leaving the loop early leaves at most that one page unread).
 */
class Items<Item> implements AsyncIterator<Item> {
  private items: Array<Item> = []
  private index = 0
  private readonly seen = new Set<string>()

  constructor(private first: Promise<AbstractPage<Item>> | undefined) {}

  next(): Promise<IteratorResult<Item>> {
    if (this.index < this.items.length) return Promise.resolve({ value: this.items[this.index++]!, done: false })
    const first = this.first
    if (first !== undefined) {
      this.first = undefined
      return first.then((page) => this.enter(page))
    }
    const ahead = this.ahead
    if (ahead === undefined) return Promise.resolve(DONE)
    this.ahead = undefined
    return ahead.then((next) => this.enter(next))
  }

  private ahead: Promise<AbstractPage<Item>> | undefined = undefined

  private enter(page: AbstractPage<Item>): Promise<IteratorResult<Item>> {
    this.items = page.getPaginatedItems()
    this.index = 0
    if (page.hasNextPage()) {
      this.ahead = AbstractPage._following(page, this.seen)
      this.ahead.catch(() => {})
    }
    return this.next()
  }

  return(): Promise<IteratorResult<Item>> {
    this.ahead = undefined
    this.items = []
    return Promise.resolve(DONE)
  }
}

/** A list method's promise: awaited, the first page; iterated, every item. */
export class PagePromise<
  PageClass extends AbstractPage<Item>,
  Item = ReturnType<PageClass["getPaginatedItems"]>[number]
> extends APIPromise<PageClass> implements AsyncIterable<Item> {
  constructor(source: Source<PageClass>) {
    super(source)
  }

  [Symbol.asyncIterator](): AsyncIterator<Item> {
    return new Items<Item>(this as unknown as Promise<AbstractPage<Item>>)
  }
}

/** How a list method builds its pages. @internal */
export type PageConstructor = new(client: ClientCore, page: CorePage<any>, run?: RunOptions) => AbstractPage<any>

export interface PageResponse<Item> {
  data: Array<Item>
  object: string
}

/** A list that comes whole, in one page. */
export class Page<Item> extends AbstractPage<Item> implements PageResponse<Item> {
  data: Array<Item>
  object: string
  constructor(client: ClientCore, page: CorePage<Item>, run?: RunOptions) {
    super(client, page, run)
    const body = page.body as Partial<PageResponse<Item>>
    this.data = body.data ?? []
    this.object = body.object ?? "list"
  }
}

export interface CursorPageResponse<Item> {
  data: Array<Item>
  has_more: boolean
}

export interface CursorPageParams {
  after?: string
  limit?: number
}

/** A list paged by `after` with `has_more`. */
export class CursorPage<Item extends { id?: string | null }> extends AbstractPage<Item>
  implements CursorPageResponse<Item>
{
  data: Array<Item>
  has_more: boolean
  constructor(client: ClientCore, page: CorePage<Item>, run?: RunOptions) {
    super(client, page, run)
    const body = page.body as Partial<CursorPageResponse<Item>>
    this.data = body.data ?? []
    this.has_more = body.has_more ?? false
  }
}

export interface ConversationCursorPageResponse<Item> {
  data: Array<Item>
  has_more: boolean
  last_id: string
}

export interface ConversationCursorPageParams {
  after?: string
  limit?: number
}

/** A list paged by `after`, whose next cursor is the page's `last_id`. */
export class ConversationCursorPage<Item> extends AbstractPage<Item> implements ConversationCursorPageResponse<Item> {
  data: Array<Item>
  has_more: boolean
  last_id: string
  constructor(client: ClientCore, page: CorePage<Item>, run?: RunOptions) {
    super(client, page, run)
    const body = page.body as Partial<ConversationCursorPageResponse<Item>>
    this.data = body.data ?? []
    this.has_more = body.has_more ?? false
    this.last_id = body.last_id ?? ""
  }
}

export interface NextCursorPageResponse<Item> {
  data: Array<Item>
  has_more: boolean
  next: string | null
}

export interface NextCursorPageParams {
  after?: string
  limit?: number
}

/** A list paged by a `next` cursor. */
export class NextCursorPage<Item> extends AbstractPage<Item> implements NextCursorPageResponse<Item> {
  data: Array<Item>
  has_more: boolean
  next: string | null
  constructor(client: ClientCore, page: CorePage<Item>, run?: RunOptions) {
    super(client, page, run)
    const body = page.body as Partial<NextCursorPageResponse<Item>>
    this.data = body.data ?? []
    this.has_more = body.has_more ?? false
    this.next = body.next ?? null
  }
}

export interface TokenPageResponse<Item> {
  data: Array<Item>
  has_more: boolean
  next: string | null
}

export interface TokenPageParams {
  page?: string
  limit?: number
}

/** A list paged by a `page` token. */
export class TokenPage<Item> extends AbstractPage<Item> implements TokenPageResponse<Item> {
  data: Array<Item>
  has_more: boolean
  next: string | null
  constructor(client: ClientCore, page: CorePage<Item>, run?: RunOptions) {
    super(client, page, run)
    const body = page.body as Partial<TokenPageResponse<Item>>
    this.data = body.data ?? []
    this.has_more = body.has_more ?? false
    this.next = body.next ?? null
  }
}
