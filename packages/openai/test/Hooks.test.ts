import { afterEach, assert, describe, it } from "@effect/vitest"
import { decodeBase64Vector } from "../src/internal/hooks.js"

const encode = (values: ReadonlyArray<number>) => Buffer.from(new Float32Array(values).buffer).toString("base64")

describe("decodeBase64Vector", () => {
  const realBuffer = globalThis.Buffer
  afterEach(() => {
    globalThis.Buffer = realBuffer
  })

  it("decodes little-endian float32 values with Buffer", () => {
    assert.deepStrictEqual(decodeBase64Vector(encode([1.5, -2, 0.25, 0])), [1.5, -2, 0.25, 0])
  })

  it("gives the same numbers without Buffer (browsers, edge runtimes)", () => {
    const base64 = encode([3.25, -0.5, 1e-3])
    const expected = decodeBase64Vector(base64)
    ;(globalThis as { Buffer?: unknown }).Buffer = undefined
    assert.deepStrictEqual(decodeBase64Vector(base64), expected)
  })

  it("reusing scratch memory never leaks one vector into the next, longer or shorter", () => {
    const long = Array.from({ length: 3072 }, (_, i) => Math.fround(Math.sin(i)))
    const short = [0.5, -1.5]
    assert.deepStrictEqual(decodeBase64Vector(encode(long)), long)
    assert.deepStrictEqual(decodeBase64Vector(encode(short)), short)
    assert.deepStrictEqual(decodeBase64Vector(encode(long.slice(0, 1536))), long.slice(0, 1536))
  })

  it("an empty vector is an empty array", () => {
    assert.deepStrictEqual(decodeBase64Vector(""), [])
  })
})
