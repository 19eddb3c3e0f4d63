/**
 * A response's output as input for the next request: the items that can be sent back, in order, without the
 * fields only responses carry. This is how a conversation is carried on without `previous_response_id` (with
 * `store: false`, or to edit the history): reasoning items keep their `encrypted_content`, function calls their
 * `call_id`, so that the next request can answer them.
 *
 * ```ts
 * const first = yield* Responses.create({ model, input, include: ["reasoning.encrypted_content"], store: false })
 * const next = yield* Responses.create({
 *   model,
 *   store: false,
 *   input: [...input, ...ResponseItems.toResponseInputItems(first), { type: "function_call_output", call_id, output }]
 * })
 * ```
 *
 * | item                                  | as input                                                     |
 * |---------------------------------------|--------------------------------------------------------------|
 * | any                                   | without `created_by` (who made it: a response-only field)    |
 * | `message`                             | its content parts without a `parsed` value (a helper's)       |
 * | `function_call`                       | without `parsed_arguments` (a helper's)                       |
 * | `custom_tool_call_output`             | without `status`; left out unless `completed`                 |
 * | `computer_call_output`                | left out when `failed`                                        |
 * | `additional_tools`                    | left out unless its role is `developer`                       |
 * | `shell_call_output`                   | its output chunks without `created_by`                        |
 * | every other type, and unknown types   | as it is                                                      |
 *
 * Items left out are those the API would refuse or read differently as input. Unknown item types (a newer API)
 * are passed on as they came: the server that made them reads them. Copies are made by spreading, which defines
 * own properties only: a `__proto__` key in an item stays a plain field.
 *
 * @since 0.1.0
 */
import type * as Types from "../generated/Types.js"

/**
 * What can be turned into an input item: an output item, or an input item (from a conversation's or a response's
 * `input_items` list, which mixes both).
 *
 * @since 0.1.0
 * @category models
 */
export type Item = Types.OutputItem | Types.InputItem | Types.ItemResource

type Mutable = Record<string, unknown>

const isObject = (u: unknown): u is Mutable => typeof u === "object" && u !== null && !Array.isArray(u)

/** `item` without the given own fields, or `item` itself when it has none of them. */
const without = (item: Mutable, a: string, b?: string): Mutable => {
  if (!Object.hasOwn(item, a) && (b === undefined || !Object.hasOwn(item, b))) return item
  const out = { ...item }
  delete out[a]
  if (b !== undefined) delete out[b]
  return out
}

/**
 * One item as an input item, or `undefined` when it cannot be sent back (see the table above).
 *
 * @since 0.1.0
 * @category conversions
 */
export const toResponseInputItem = (item: Item): Types.InputItem | undefined => {
  const record = item as unknown as Mutable
  if (!isObject(record)) return undefined
  switch (record.type) {
    case "message": {
      const message = without(record, "created_by")
      const content = message.content
      if (!Array.isArray(content) || !content.some((part) => isObject(part) && Object.hasOwn(part, "parsed"))) {
        return message as unknown as Types.InputItem
      }
      return {
        ...message,
        content: content.map((part: unknown) => (isObject(part) ? without(part, "parsed") : part))
      } as unknown as Types.InputItem
    }
    case "function_call":
      return without(record, "created_by", "parsed_arguments") as unknown as Types.InputItem
    case "custom_tool_call_output":
      if (record.status !== undefined && record.status !== "completed") return undefined
      return without(record, "created_by", "status") as unknown as Types.InputItem
    case "computer_call_output":
      if (record.status === "failed") return undefined
      return without(record, "created_by") as unknown as Types.InputItem
    case "additional_tools":
      if (record.role !== "developer") return undefined
      return without(record, "created_by") as unknown as Types.InputItem
    case "shell_call_output": {
      const out = without(record, "created_by")
      return (Array.isArray(out.output)
        ? { ...out, output: out.output.map((chunk: unknown) => (isObject(chunk) ? without(chunk, "created_by") : chunk)) }
        : out) as unknown as Types.InputItem
    }
    default:
      return without(record, "created_by") as unknown as Types.InputItem
  }
}

/**
 * The input items of a response's output (or of any list of items), in order; items that cannot be sent back are
 * left out (see the table above).
 *
 * @since 0.1.0
 * @category conversions
 */
export const toResponseInputItems = (
  source: Types.Response | Iterable<Item>
): Array<Types.InputItem> => {
  const items: Iterable<Item> = isObject(source) && !(Symbol.iterator in source)
    ? (source as Types.Response).output ?? []
    : source as Iterable<Item>
  const out: Array<Types.InputItem> = []
  for (const item of items) {
    const input = toResponseInputItem(item)
    if (input !== undefined) out.push(input)
  }
  return out
}
