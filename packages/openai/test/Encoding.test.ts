import { assert, describe, it } from "@effect/vitest"
import { appendQuery, path, renderPath } from "../src/internal/encoding.js"

const rendered = (template: Parameters<typeof renderPath>[0]): string => {
  const result = renderPath(template)
  if ("invalid" in result) return assert.fail(`refused: ${result.invalid}`)
  return result.path
}

const query = (value: Readonly<Record<string, unknown>>): Array<[string, string]> => {
  const params = new URLSearchParams()
  appendQuery(params, value)
  return Array.from(params.entries())
}

describe("renderPath", () => {
  it("returns a plain string path as is", () => {
    assert.deepStrictEqual(renderPath("/models"), { path: "/models" })
  })

  it("renders a template without parameters", () => {
    assert.strictEqual(rendered(path`/files`), "/files")
  })

  it("interpolates string and number parameters", () => {
    assert.strictEqual(rendered(path`/files/${"file-abc123"}/content`), "/files/file-abc123/content")
    assert.strictEqual(rendered(path`/a/${1}/b/${"x"}`), "/a/1/b/x")
  })

  it("percent-encodes parameters so they cannot change the path", () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ["a/b", "a%2Fb"],
      ["../admin", "..%2Fadmin"],
      ["..\\admin", "..%5Cadmin"],
      ["?x=1#y", "%3Fx%3D1%23y"],
      ["a b", "a%20b"],
      ["é", "%C3%A9"],
      ["😀", "%F0%9F%98%80"],
      ["%2e%2e/x", "%252e%252e%2Fx"],
      ["a&b", "a%26b"]
    ]
    for (const [value, encoded] of cases) {
      assert.strictEqual(rendered(path`/files/${value}/content`), `/files/${encoded}/content`, value)
    }
  })

  it("refuses empty values and dot segments in any spelling", () => {
    for (const value of ["", ".", "..", "%2e", "%2E", "%2e%2e", ".%2E", "%2E.", "%2e."]) {
      const result = renderPath(path`/files/${value}`)
      assert.isTrue("invalid" in result, JSON.stringify(value))
      if ("invalid" in result) assert.include(result.invalid, JSON.stringify(value))
    }
  })

  it("refuses a bad value in any position", () => {
    assert.isTrue("invalid" in renderPath(path`/threads/${"thread_1"}/runs/${".."}`))
  })

  it("accepts values that only contain dots alongside other characters", () => {
    assert.strictEqual(rendered(path`/x/${"..."}`), "/x/...")
    assert.strictEqual(rendered(path`/x/${".env"}`), "/x/.env")
    assert.strictEqual(rendered(path`/x/${"a..b"}`), "/x/a..b")
  })

  it("refuses a non-string parameter instead of rendering it", () => {
    const result = renderPath(path`/files/${undefined as unknown as string}`)
    assert.isTrue("invalid" in result)
  })

  it("refuses a value that is not well-formed UTF-16 instead of throwing", () => {
    // A lone surrogate cannot be percent-encoded; it is an invalid id, not a defect.
    let result: ReturnType<typeof renderPath> | undefined
    assert.doesNotThrow(() => {
      result = renderPath(path`/files/${"abc\uD800"}`)
    })
    assert.isTrue(result !== undefined && "invalid" in result)
  })
})

describe("appendQuery", () => {
  it("writes arrays in bracket style", () => {
    assert.deepStrictEqual(query({ include: ["a", "b"] }), [["include[]", "a"], ["include[]", "b"]])
    const params = new URLSearchParams()
    appendQuery(params, { include: ["a", "b"] })
    assert.strictEqual(decodeURIComponent(params.toString()), "include[]=a&include[]=b")
  })

  it("writes nested objects in bracket style", () => {
    assert.deepStrictEqual(query({ metadata: { k: "v", n: 1 } }), [["metadata[k]", "v"], ["metadata[n]", "1"]])
    assert.deepStrictEqual(query({ a: { b: ["x", "y"], c: { d: true } } }), [
      ["a[b][]", "x"],
      ["a[b][]", "y"],
      ["a[c][d]", "true"]
    ])
  })

  it("skips undefined and null at every level", () => {
    assert.deepStrictEqual(
      query({ a: undefined, b: null, c: [undefined, "x", null], d: { e: undefined, f: null, g: "y" }, h: "z" }),
      [["c[]", "x"], ["d[g]", "y"], ["h", "z"]]
    )
    assert.deepStrictEqual(query({ empty: [] }), [])
  })

  it("writes booleans and numbers as strings", () => {
    assert.deepStrictEqual(query({ t: true, f: false, zero: 0, n: 1.5, big: 10n }), [
      ["t", "true"],
      ["f", "false"],
      ["zero", "0"],
      ["n", "1.5"],
      ["big", "10"]
    ])
  })

  it("writes Dates as ISO strings", () => {
    const date = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6))
    assert.deepStrictEqual(query({ after: date, range: { from: date } }), [
      ["after", "2024-01-02T03:04:05.006Z"],
      ["range[from]", "2024-01-02T03:04:05.006Z"]
    ])
  })

  it("appends to the parameters already present", () => {
    const params = new URLSearchParams("limit=10")
    appendQuery(params, { limit: 20, order: "desc" })
    assert.deepStrictEqual(Array.from(params.entries()), [["limit", "10"], ["limit", "20"], ["order", "desc"]])
  })

  it("keeps reserved characters inside values", () => {
    const params = new URLSearchParams()
    appendQuery(params, { q: "a&b=c#d" })
    assert.strictEqual(params.toString(), "q=a%26b%3Dc%23d")
    assert.deepStrictEqual(Array.from(new URLSearchParams(params.toString()).entries()), [["q", "a&b=c#d"]])
  })
})
