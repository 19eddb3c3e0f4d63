/**
 * The strict conversion of schemas for structured outputs (internal/strictSchema.ts): what is sent for a schema,
 * what is refused and where, and how an answer's `null`s are turned back into absent keys.
 */
import { assert, describe, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { fromJsonSchema, type Strict, toStrict } from "../src/internal/strictSchema.js"

const strict = (result: Strict) => {
  if (result._tag !== "Strict") return assert.fail(`refused at ${result.path}: ${result.reason}`)
  return result
}

const refused = (result: Strict) => {
  if (result._tag !== "Unsupported") return assert.fail(`not refused: ${JSON.stringify(result.schema)}`)
  return result
}

describe("toStrict", () => {
  it("makes every property required, closes objects, and sends optional properties as nullable", () => {
    const { schema } = strict(toStrict(Schema.Struct({
      name: Schema.String,
      nickname: Schema.optional(Schema.String),
      note: Schema.NullOr(Schema.String),
      address: Schema.optional(Schema.Struct({ city: Schema.String, zip: Schema.optional(Schema.String) })),
      tags: Schema.Array(Schema.Struct({ label: Schema.String }))
    })))
    assert.deepStrictEqual(schema, {
      type: "object",
      required: ["name", "nickname", "note", "address", "tags"],
      properties: {
        name: { type: "string" },
        nickname: { anyOf: [{ type: "string" }, { type: "null" }] },
        note: { anyOf: [{ type: "string" }, { type: "null" }] },
        address: {
          anyOf: [
            {
              type: "object",
              required: ["city", "zip"],
              properties: { city: { type: "string" }, zip: { anyOf: [{ type: "string" }, { type: "null" }] } },
              additionalProperties: false
            },
            { type: "null" }
          ]
        },
        tags: {
          type: "array",
          items: { type: "object", required: ["label"], properties: { label: { type: "string" } }, additionalProperties: false }
        }
      },
      additionalProperties: false
    })
  })

  it("describes the encoded side: a Date is a string, a brand its base, a transform its source", () => {
    const { schema } = strict(toStrict(Schema.Struct({
      at: Schema.Date,
      city: Schema.String.pipe(Schema.brand("City")),
      count: Schema.NumberFromString
    })))
    const properties = schema.properties as Record<string, Record<string, unknown>>
    const defs = schema.$defs as Record<string, Record<string, unknown>>
    assert.deepStrictEqual(properties.city, { type: "string" })
    assert.deepStrictEqual(properties.at, { $ref: "#/$defs/Date" })
    assert.strictEqual(defs.Date?.type, "string")
    assert.strictEqual(defs.NumberFromString?.type, "string")
    // annotations that only cost tokens are left out
    assert.isUndefined(schema.$schema)
  })

  it("keeps only the definitions the strict tree uses, and recursive ones", () => {
    interface Node {
      readonly label: string
      readonly children: ReadonlyArray<Node>
    }
    const Node = Schema.Struct({
      label: Schema.String,
      children: Schema.Array(Schema.suspend((): Schema.Schema<Node> => Node))
    }).annotations({ identifier: "Node" })
    const { schema } = strict(toStrict(Node))
    assert.strictEqual(schema.type, "object")
    assert.deepStrictEqual(Object.keys(schema.$defs as object), ["Node"])
    assert.deepStrictEqual((schema.properties as any).children.items, { $ref: "#/$defs/Node" })
    const { schema: flat } = strict(toStrict(Schema.Struct({ a: Schema.String }).annotations({ identifier: "Flat" })))
    assert.isUndefined(flat.$defs)
  })

  it("refuses records, tuples, any-typed values and free-form objects, naming where", () => {
    const record = refused(toStrict(Schema.Struct({ scores: Schema.Record({ key: Schema.String, value: Schema.Number }) })))
    assert.strictEqual(record.path, "$.scores")
    assert.include(record.reason, "records")
    const tuple = refused(toStrict(Schema.Struct({ point: Schema.Tuple(Schema.Number, Schema.Number) })))
    assert.strictEqual(tuple.path, "$.point")
    assert.include(tuple.reason, "tuples")
    const nested = refused(toStrict(Schema.Struct({ rows: Schema.Array(Schema.Struct({ cell: Schema.Tuple(Schema.String) })) })))
    assert.strictEqual(nested.path, "$.rows[].cell")
    assert.include(refused(toStrict(Schema.Struct({ u: Schema.Unknown }))).reason, "any type")
    assert.include(refused(toStrict(Schema.Struct({ o: Schema.Object }))).reason, "without declared properties")
    const indexed = refused(toStrict(Schema.Struct({ a: Schema.String }, Schema.Record({ key: Schema.String, value: Schema.String }))))
    assert.strictEqual(indexed.path, "$")
    assert.include(indexed.reason, "index signatures")
  })

  it("refuses a root that is not an object: a union of objects, a tuple, an array, a string", () => {
    const union = refused(toStrict(Schema.Union(Schema.Struct({ a: Schema.String }), Schema.Struct({ b: Schema.Number }))))
    assert.strictEqual(union.path, "$")
    assert.include(union.reason, "a union")
    assert.include(refused(toStrict(Schema.Tuple(Schema.String, Schema.Number))).reason, "a tuple")
    assert.include(refused(toStrict(Schema.Array(Schema.String))).reason, "an array")
    assert.include(refused(toStrict(Schema.String)).reason, "not a string")
  })

  it("refuses a value without a JSON form, with its path and what to use instead", () => {
    const result = refused(toStrict(Schema.Struct({ meeting: Schema.Struct({ at: Schema.DateFromSelf }) })))
    assert.strictEqual(result.path, "$.meeting.at")
    assert.include(result.reason, "`Schema.Date` rather than `Schema.DateFromSelf`")
  })

  it("keeps a union below the root, as anyOf", () => {
    const { schema } = strict(toStrict(Schema.Struct({
      shape: Schema.Union(
        Schema.Struct({ kind: Schema.Literal("circle"), radius: Schema.Number }),
        Schema.Struct({ kind: Schema.Literal("square"), side: Schema.Number })
      )
    })))
    const anyOf = (schema.properties as any).shape.anyOf as Array<Record<string, unknown>>
    assert.strictEqual(anyOf.length, 2)
    assert.deepStrictEqual(anyOf.map((b) => b.required), [["kind", "radius"], ["kind", "side"]])
  })
})

describe("normalize", () => {
  const Contact = Schema.Struct({
    name: Schema.String,
    nickname: Schema.optional(Schema.String),
    note: Schema.NullOr(Schema.String),
    previous: Schema.Array(Schema.Struct({ city: Schema.String, until: Schema.optional(Schema.String) }))
  })

  it("turns the null of an optional property into an absent key, and keeps a nullable one's null", () => {
    const { normalize } = strict(toStrict(Contact))
    const answer = {
      name: "Ada",
      nickname: null,
      note: null,
      previous: [{ city: "London", until: null }, { city: "Paris", until: "1850" }]
    }
    const normalized = normalize(answer)
    assert.deepStrictEqual(normalized, {
      name: "Ada",
      note: null,
      previous: [{ city: "London" }, { city: "Paris", until: "1850" }]
    })
    assert.isFalse(Object.hasOwn(normalized as object, "nickname"))
    assert.isTrue(Either.isRight(Schema.decodeUnknownEither(Contact)(normalized)))
    // without it, the optional field's null does not decode
    assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(Contact)(answer)))
  })

  it("follows the branch of a union the answer took", () => {
    const Shape = Schema.Struct({
      shape: Schema.Union(
        Schema.Struct({ kind: Schema.Literal("a"), label: Schema.optional(Schema.String) }),
        Schema.Struct({ kind: Schema.Literal("b"), label: Schema.NullOr(Schema.String) })
      )
    })
    const { normalize } = strict(toStrict(Shape))
    assert.deepStrictEqual(normalize({ shape: { kind: "a", label: null } }), { shape: { kind: "a" } })
    assert.deepStrictEqual(normalize({ shape: { kind: "b", label: null } }), { shape: { kind: "b", label: null } })
  })

  it("keeps a key named __proto__ as data", () => {
    const { normalize } = strict(toStrict(Schema.Struct({ a: Schema.optional(Schema.String) })))
    const out = normalize(JSON.parse(`{"a":null,"__proto__":{"polluted":true}}`)) as Record<string, unknown>
    assert.isTrue(Object.hasOwn(out, "__proto__"))
    assert.isUndefined(({} as Record<string, unknown>).polluted)
    assert.isFalse(Object.hasOwn(out, "a"))
  })
})

describe("fromJsonSchema", () => {
  it("keeps annotations by default, sends oneOf as anyOf, and follows `definitions` references", () => {
    const { schema } = strict(fromJsonSchema({
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "object",
      title: "Pet",
      properties: {
        kind: { oneOf: [{ type: "string", const: "cat" }, { type: "string", const: "dog" }] },
        owner: { $ref: "#/definitions/Owner" },
        age: { type: "integer", default: 1 }
      },
      required: ["kind", "owner"],
      definitions: { Owner: { type: "object", properties: { name: { type: "string", minLength: 1 } }, required: ["name"] }, Unused: { type: "string" } }
    }))
    assert.deepStrictEqual(schema, {
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "object",
      title: "Pet",
      properties: {
        kind: { anyOf: [{ type: "string", const: "cat" }, { type: "string", const: "dog" }] },
        owner: { $ref: "#/definitions/Owner" },
        age: { anyOf: [{ type: "integer", default: 1 }, { type: "null" }] }
      },
      required: ["kind", "owner", "age"],
      additionalProperties: false,
      definitions: {
        Owner: {
          type: "object",
          properties: { name: { type: "string", minLength: 1 } },
          required: ["name"],
          additionalProperties: false
        }
      }
    })
  })

  it("refuses what strict mode rejects, and external references", () => {
    const base = (property: unknown) => ({ type: "object", properties: { p: property }, required: ["p"] })
    assert.include(refused(fromJsonSchema(base({ allOf: [{ type: "string" }] }))).reason, "intersections")
    assert.include(refused(fromJsonSchema(base({ type: "array", prefixItems: [{ type: "string" }] }))).reason, "tuples")
    assert.include(refused(fromJsonSchema(base({ type: "array" }))).reason, "without an item schema")
    assert.include(refused(fromJsonSchema(base({ $ref: "https://example.com/s.json" }))).reason, "references")
    assert.include(refused(fromJsonSchema(base({ type: "string", not: { const: "x" } }))).reason, "negations")
    assert.include(refused(fromJsonSchema(base(true))).reason, "boolean schema")
    assert.strictEqual(refused(fromJsonSchema(base({ type: "object", additionalProperties: { type: "string" }, properties: {} }))).path, "$.p")
  })
})
