/**
 * The building blocks of the generated schemas, lenient by design:
 * - objects keep fields they do not declare (an index signature of `unknown`);
 * - enums of several strings accept any string (the API adds values); one-value enums stay literals;
 * - a union whose members are told apart by `type` accepts an object of a `type` it does not know;
 * - a field that is present must match; any field may be absent and optional ones may be `null`;
 *   values are never rewritten, so `null` and absent stay distinct in the data.
 *
 * Every helper is typed as `Schema<any>`: the generated constants carry their real type as an annotation,
 * which keeps the compiler from inferring a thousand nested struct types.
 */
import * as Schema from "effect/Schema"

export type Any = Schema.Schema<any>

export const string: Any = Schema.String
export const number: Any = Schema.Number
export const boolean: Any = Schema.Boolean
export const null_: Any = Schema.Null
export const unknown: Any = Schema.Unknown

export const literal = (value: string | number | boolean): Any => Schema.Literal(value)

export const nullable = (schema: Any): Any => Schema.NullOr(schema)

export const array = (item: Any): Any => Schema.Array(item)

export const record = (value: Any): Any => Schema.Record({ key: Schema.String, value })

/**
 * A generated schema: built on first use. Declaration order and cycles stop mattering, and a bundler can drop
 * every schema a program never reaches.
 */
export const lazy = (f: () => Any): Any => Schema.suspend(f)

const rest = Schema.Record({ key: Schema.String, value: Schema.Unknown })

/**
 * An object: `[schema, required, nullable]` per declared field, other fields kept as they are. A present field
 * must match its schema; absence is tolerated and an optional field may be `null`, because servers (the real
 * API and mocks alike) leave out fields the spec requires and send `null` where it says optional. The
 * `required` flag stays in the output for readers and for stricter checks later. Values are never rewritten:
 * `null` stays `null` and an absent field stays absent.
 */
export const struct = (fields: Record<string, readonly [Any, boolean, boolean?]>): Any => {
  const out: Record<string, Schema.Struct.Field> = {}
  for (const key of Object.keys(fields)) {
    const [schema, required, nullable] = fields[key]!
    out[key] = Schema.optionalWith(required || nullable ? schema : Schema.NullOr(schema), { exact: true })
  }
  return Schema.Struct(out, rest) as unknown as Any
}

/**
 * A union. With `knownTypes`, the members are objects told apart by `type`, and an object whose `type` is not
 * one of them is accepted as it is (a new event or item kind).
 */
export const union = (members: ReadonlyArray<Any>, knownTypes?: ReadonlyArray<string>): Any => {
  const all = [...members]
  if (knownTypes !== undefined) {
    const known = new Set(knownTypes)
    all.push(
      Schema.Struct({ type: Schema.String.pipe(Schema.filter((t) => !known.has(t))) }, rest)
    )
  }
  return all.length === 1 ? all[0]! : Schema.Union(...all)
}
