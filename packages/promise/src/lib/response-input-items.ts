/**
 * `openai/lib/responses/ResponseInputItems`: a response's output (or any stored items) as input items for the next
 * request, over the core's `ResponseItems`. Items that cannot be sent back are left out (`null` for one item):
 * a custom tool's output that did not complete, a failed computer call's output, additional tools not of the
 * developer; fields only responses carry are dropped (`created_by`, the helpers' `parsed` and
 * `parsed_arguments`, a custom tool output's `status`).
 *
 * Unlike the official function, an item of a type this version does not know is passed on as it came (the server
 * that made it reads it) instead of throwing a `TypeError`.
 */
import * as ResponseItems from "@effect-openai/openai/helpers/ResponseItems"
import type { ResponseInputItem, ResponseOutputItem } from "../generated/resources/responses/responses.js"

/** A stored response input or output item. */
export type ResponseInputItemLike = ResponseInputItem | ResponseOutputItem

/** The items that can be sent back, in order, as input items. */
export const toResponseInputItems = (items: Iterable<ResponseInputItemLike>): Array<ResponseInputItem> =>
  ResponseItems.toResponseInputItems(items as Iterable<ResponseItems.Item>) as Array<ResponseInputItem>

/** One item as an input item, or `null` when it cannot be sent back. */
export const toResponseInputItem = (item: ResponseInputItemLike): ResponseInputItem | null =>
  (ResponseItems.toResponseInputItem(item as ResponseItems.Item) as ResponseInputItem | undefined) ?? null
