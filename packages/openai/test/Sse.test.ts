import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Stream } from "effect"
import { RawEvents } from "../src/internal/events.js"
import { SseCollector, SseDecoder, SseEventTooLargeError } from "../src/internal/sse.js"
import type { SseEvent, SseItem } from "../src/internal/sse.js"
import { decodeBytes } from "../src/internal/stream.js"

const encoder = new TextEncoder()
const bytes = (text: string): Uint8Array => encoder.encode(text)

const concatBytes = (...parts: ReadonlyArray<Uint8Array | ReadonlyArray<number>>): Uint8Array => {
  const arrays = parts.map((p) => (p instanceof Uint8Array ? p : Uint8Array.from(p)))
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0))
  let offset = 0
  for (const a of arrays) {
    out.set(a, offset)
    offset += a.length
  }
  return out
}

const splitEvery = (data: Uint8Array, size: number): Array<Uint8Array> => {
  const out: Array<Uint8Array> = []
  for (let i = 0; i < data.length; i += size) out.push(data.slice(i, i + size))
  return out
}

/** Runs a fresh decoder over the chunks, including `end()`. */
const decodeChunks = (chunks: ReadonlyArray<Uint8Array>, maxEventSize?: number): Array<SseItem> => {
  const collector = new SseCollector()
  const decoder = maxEventSize === undefined ? new SseDecoder(collector) : new SseDecoder(collector, maxEventSize)
  for (const chunk of chunks) decoder.push(chunk)
  decoder.end()
  return collector.items
}

const decodeText = (text: string): Array<SseItem> => decodeChunks([bytes(text)])

const ev = (
  data: string,
  fields: { readonly event?: string; readonly id?: string; readonly retry?: number } = {}
): SseEvent => ({ _tag: "Event", event: fields.event, data, id: fields.id, retry: fields.retry })

const comment = (text: string): SseItem => ({ _tag: "Comment", text })

/** Deterministic PRNG (mulberry32) for random chunk splits. */
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const randomSplit = (data: Uint8Array, random: () => number): Array<Uint8Array> => {
  const out: Array<Uint8Array> = []
  let i = 0
  while (i < data.length) {
    const size = 1 + Math.floor(random() * 9)
    out.push(data.slice(i, i + size))
    i += size
  }
  return out
}

describe("SseDecoder", () => {
  describe("line endings", () => {
    for (const [label, nl] of [["LF", "\n"], ["CRLF", "\r\n"], ["CR", "\r"]] as const) {
      it(`accepts ${label}`, () => {
        const input = `data: a${nl}data: b${nl}${nl}event: x${nl}data: c${nl}${nl}`
        assert.deepStrictEqual(decodeText(input), [ev("a\nb"), ev("c", { event: "x" })])
      })
    }

    it("accepts mixed line endings in one stream", () => {
      assert.deepStrictEqual(decodeText("data: a\rdata: b\r\ndata: c\n\r\n"), [ev("a\nb\nc")])
    })

    it("reads LF followed by CR as two line endings", () => {
      assert.deepStrictEqual(decodeText("data: a\n\rdata: b\n\n"), [ev("a"), ev("b")])
    })

    it("treats CR at the end of a chunk and LF at the start of the next as one line ending", () => {
      assert.deepStrictEqual(decodeChunks([bytes("data: a\r"), bytes("\ndata: b\r\n\r\n")]), [ev("a\nb")])
      assert.deepStrictEqual(decodeChunks([bytes("data: a\r\n\r"), bytes("\ndata: b\r\n\r\n")]), [ev("a"), ev("b")])
    })

    it("treats CR at the end of a chunk followed by another line as one line ending", () => {
      assert.deepStrictEqual(decodeChunks([bytes("data: a\r"), bytes("data: b\r\r")]), [ev("a\nb")])
    })

    it("treats CR at the end of a chunk and CR at the start of the next as two line endings", () => {
      assert.deepStrictEqual(decodeChunks([bytes("data: a\r"), bytes("\rdata: b\r\r")]), [ev("a"), ev("b")])
    })

    it("treats CR, an empty chunk, then LF as one line ending", () => {
      // An empty chunk (a transport may deliver one) must not change how CRLF is read.
      const chunks = [bytes("data: a\r"), new Uint8Array(0), bytes("\ndata: b\n\n")]
      assert.deepStrictEqual(decodeChunks(chunks), [ev("a\nb")])
    })

    it("delivers an event whose last line ends in a lone CR at the end of input", () => {
      assert.deepStrictEqual(decodeChunks([bytes("data: a\r")]), [ev("a")])
    })
  })

  describe("UTF-8", () => {
    for (const text of ["é", "€", "😀", "aé€😀z"]) {
      it(`decodes ${JSON.stringify(text)} split across two chunks at every byte position`, () => {
        const input = bytes(`data: ${text}\n\n`)
        for (let i = 1; i < input.length; i++) {
          const result = decodeChunks([input.slice(0, i), input.slice(i)])
          assert.deepStrictEqual(result, [ev(text)], `split at byte ${i}`)
        }
        assert.deepStrictEqual(decodeChunks(splitEvery(input, 1)), [ev(text)], "1-byte chunks")
      })
    }

    it("replaces invalid bytes with U+FFFD", () => {
      assert.deepStrictEqual(decodeChunks([concatBytes(bytes("data: a"), [0xff], bytes("b\n\n"))]), [ev("a\uFFFDb")])
      assert.deepStrictEqual(decodeChunks([concatBytes(bytes("data: a"), [0xc3]), bytes("x\n\n")]), [ev("a\uFFFDx")])
    })

    it("replaces a truncated sequence at the end of input with U+FFFD", () => {
      assert.deepStrictEqual(decodeChunks([concatBytes(bytes("data: a"), [0xe2, 0x82])]), [ev("a\uFFFD")])
    })
  })

  describe("fields", () => {
    it("joins multi-line data with LF", () => {
      assert.deepStrictEqual(decodeText("data: one\ndata: two\ndata: three\n\n"), [ev("one\ntwo\nthree")])
    })

    it("keeps empty data lines", () => {
      assert.deepStrictEqual(decodeText("data:\n\n"), [ev("")])
      assert.deepStrictEqual(decodeText("data\ndata\n\n"), [ev("\n")])
      assert.deepStrictEqual(decodeText("data: a\ndata:\ndata: b\n\n"), [ev("a\n\nb")])
    })

    it("emits comments as Comment items without dispatching the pending event", () => {
      assert.deepStrictEqual(decodeText(": ping\n"), [comment("ping")])
      assert.deepStrictEqual(decodeText(":no-space\n:\n"), [comment("no-space"), comment("")])
      assert.deepStrictEqual(decodeText("data: a\n: keepalive\ndata: b\n\n"), [comment("keepalive"), ev("a\nb")])
    })

    it("reads event, id and retry", () => {
      assert.deepStrictEqual(
        decodeText("event: update\nid: 42\nretry: 1500\ndata: x\n\n"),
        [ev("x", { event: "update", id: "42", retry: 1500 })]
      )
    })

    it("resets the event type after each dispatch but keeps the last id", () => {
      assert.deepStrictEqual(
        decodeText("event: a\nid: 7\ndata: 1\n\ndata: 2\n\n"),
        [ev("1", { event: "a", id: "7" }), ev("2", { id: "7" })]
      )
    })

    it("ignores a retry that is not all digits and an id containing NUL", () => {
      assert.deepStrictEqual(decodeText("retry: 1.5\nretry: abc\nid: a\u0000b\ndata: x\n\n"), [ev("x")])
    })

    it("ignores unknown fields", () => {
      assert.deepStrictEqual(decodeText("foo: bar\nDATA: y\ndata: x\n\n"), [ev("x")])
    })

    it("reads a line without a colon as a field with an empty value", () => {
      assert.deepStrictEqual(decodeText("data\n\n"), [ev("")])
      assert.deepStrictEqual(decodeText("id: 1\ndata: a\n\nid\ndata: b\n\n"), [ev("a", { id: "1" }), ev("b", { id: "" })])
    })

    it("strips exactly one leading space after the colon", () => {
      assert.deepStrictEqual(decodeText("data:x\n\n"), [ev("x")])
      assert.deepStrictEqual(decodeText("data: x\n\n"), [ev("x")])
      assert.deepStrictEqual(decodeText("data:  x \n\n"), [ev(" x ")])
      assert.deepStrictEqual(decodeText("data:\tx\n\n"), [ev("\tx")])
      assert.deepStrictEqual(decodeText("event:  sp\ndata: x\n\n"), [ev("x", { event: " sp" })])
      assert.deepStrictEqual(decodeText(":  two\n"), [comment(" two")])
    })

    it("splits a field at the first colon only", () => {
      assert.deepStrictEqual(decodeText("data: a: b:c\n\n"), [ev("a: b:c")])
    })
  })

  describe("BOM", () => {
    const bom = [0xef, 0xbb, 0xbf]

    it("ignores a leading BOM", () => {
      const input = concatBytes(bom, bytes("data: x\n\n"))
      assert.deepStrictEqual(decodeChunks([input]), [ev("x")])
      assert.deepStrictEqual(decodeChunks(splitEvery(input, 1)), [ev("x")])
    })

    it("ignores only the leading BOM: a later one is part of the field name", () => {
      const input = concatBytes(bom, bytes("data: x\n\n"), bom, bytes("data: y\n\n"))
      assert.deepStrictEqual(decodeChunks([input]), [ev("x")])
    })
  })

  describe("dispatch", () => {
    it("dispatches nothing for blank lines without data", () => {
      assert.deepStrictEqual(decodeText("\n\n\r\n\r\r"), [])
      assert.deepStrictEqual(decodeText("event: x\nid: 1\nretry: 5\n\n"), [])
    })

    it("drops the event type of an event without data", () => {
      assert.deepStrictEqual(decodeText("event: x\n\ndata: y\n\n"), [ev("y")])
    })

    it("delivers a final event without its blank line only at end()", () => {
      const collector = new SseCollector()
      const decoder = new SseDecoder(collector)
      decoder.push(bytes("data: a\n\ndata: b"))
      assert.deepStrictEqual(collector.items, [ev("a")])
      decoder.end()
      assert.deepStrictEqual(collector.items, [ev("a"), ev("b")])
    })

    it("delivers a final event whose last line has its line ending but no blank line", () => {
      assert.deepStrictEqual(decodeText("event: e\ndata: b\n"), [ev("b", { event: "e" })])
    })
  })

  describe("chunking", () => {
    const inputs: ReadonlyArray<Uint8Array> = [
      bytes("data: a\n\ndata: b\r\ndata: c\r\n\r\n"),
      bytes("event: x\rid: 1\rretry: 10\rdata: €😀é\r\r: ping\r\ndata: tail"),
      bytes(": c1\n:c2\r\ndata\r\rdata:  two spaces\n\n\n\ndata: é\r\n"),
      concatBytes([0xef, 0xbb, 0xbf], bytes("data: ok\r\n\r\ndata: a"), [0xff, 0xe2, 0x82], bytes("b\r\n\r\n")),
      bytes(
        Array.from({ length: 40 }, (_, i) => `id: ${i}\r\ndata: line ${i} ${"ü".repeat(i)}\r\ndata: more\r\n\r\n`).join(
          ""
        )
      )
    ]

    it("gives the same items for every chunk size", () => {
      for (const [n, input] of inputs.entries()) {
        const whole = decodeChunks([input])
        assert.isAbove(whole.length, 0, `input ${n} decodes to something`)
        for (const size of [1, 2, 3, 5, 7, 64]) {
          assert.deepStrictEqual(decodeChunks(splitEvery(input, size)), whole, `input ${n}, ${size}-byte chunks`)
        }
      }
    })

    it("gives the same items for random splits", () => {
      const random = prng(42)
      for (const [n, input] of inputs.entries()) {
        const whole = decodeChunks([input])
        for (let round = 0; round < 25; round++) {
          assert.deepStrictEqual(decodeChunks(randomSplit(input, random)), whole, `input ${n}, round ${round}`)
        }
      }
    })

    it("decodes the mixed inputs to the expected items", () => {
      assert.deepStrictEqual(decodeChunks([inputs[1]!]), [
        ev("€😀é", { event: "x", id: "1", retry: 10 }),
        comment("ping"),
        ev("tail", { id: "1", retry: 10 })
      ])
      assert.deepStrictEqual(decodeChunks([inputs[3]!]), [ev("ok"), ev("a\uFFFD\uFFFDb")])
    })
  })

  describe("max event size", () => {
    it("throws SseEventTooLargeError when data grows past the limit", () => {
      assert.throws(() => decodeChunks([bytes(`data: ${"x".repeat(11)}\n\n`)], 10), SseEventTooLargeError)
      const error = (() => {
        try {
          decodeChunks([bytes("data: 12345\ndata: 12345\n\n")], 10)
        } catch (e) {
          return e
        }
      })()
      assert.instanceOf(error, SseEventTooLargeError)
      assert.strictEqual((error as SseEventTooLargeError).limit, 10)
    })

    it("throws when a partial line grows past the limit", () => {
      const decoder = new SseDecoder(new SseCollector(), 100)
      decoder.push(bytes(`data: ${"x".repeat(50)}`))
      decoder.push(bytes("x".repeat(60))) // 116 characters: within the room left for a field name
      assert.throws(() => decoder.push(bytes("x".repeat(60))), SseEventTooLargeError)
    })

    it("gives the same verdict however the input is chunked", () => {
      const oneByte = (text: string) => Array.from(bytes(text), (b) => Uint8Array.of(b))
      assert.deepStrictEqual(decodeChunks(oneByte("data: 1234567890\n\n"), 10), [ev("1234567890")])
      assert.throws(() => decodeChunks(oneByte("data: 12345678901\n\n"), 10), SseEventTooLargeError)
      assert.throws(() => decodeChunks([bytes("data: 12345678901\n\n")], 10), SseEventTooLargeError)
      const comment = `: ${"c".repeat(200)}\n\n`
      assert.throws(() => decodeChunks(oneByte(comment), 10), SseEventTooLargeError)
      assert.throws(() => decodeChunks([bytes(comment)], 10), SseEventTooLargeError)
    })

    it("accepts data exactly at the limit", () => {
      assert.deepStrictEqual(decodeChunks([bytes("data: 1234567890\n\n")], 10), [ev("1234567890")])
    })

    it("resets the size after each dispatched event", () => {
      const input = bytes("data: 12345678\n\ndata: 12345678\n\ndata: 12345678\n\n")
      assert.deepStrictEqual(decodeChunks([input], 10), [ev("12345678"), ev("12345678"), ev("12345678")])
    })
  })

  describe("linear work", () => {
    // A decoder that rescans or recopies the pending line per chunk would do ~10^12 steps here and time out.
    const decodeBig = (payload: string, size: number): void => {
      const input = bytes(`data: ${payload}\n\n`)
      const collector = new SseCollector()
      const decoder = new SseDecoder(collector)
      for (let i = 0; i < input.length; i += size) decoder.push(input.subarray(i, i + size))
      decoder.end()
      const out = collector.items
      assert.strictEqual(out.length, 1, `${size}-byte chunks`)
      const item = out[0]!
      assert.strictEqual(item._tag, "Event")
      assert.isTrue(item._tag === "Event" && item.data === payload, `${size}-byte chunks: data intact`)
    }

    it("decodes a 5 MB event fed in 64-byte chunks and in one chunk", () => {
      const payload = "x".repeat(5 * 1024 * 1024)
      decodeBig(payload, 64)
      decodeBig(payload, Number.MAX_SAFE_INTEGER)
    })

    it("decodes a 2 MB event fed in 1-byte chunks", () => {
      decodeBig("é".repeat(1024 * 1024), 1)
    })

    it("decodes 500k LF-terminated data lines in one chunk", () => {
      const lines = 500_000
      const out = decodeChunks([bytes("data: x\n".repeat(lines) + "\n")])
      assert.strictEqual(out.length, 1)
      const item = out[0]!
      assert.isTrue(item._tag === "Event" && item.data.length === lines * 2 - 1)
      assert.isTrue(item._tag === "Event" && item.data === Array(lines).fill("x").join("\n"))
    })

    it("decodes 500k CR-terminated data lines in 64-byte chunks", () => {
      const lines = 500_000
      const out = decodeChunks(splitEvery(bytes("data: y\r".repeat(lines) + "\r"), 64))
      assert.strictEqual(out.length, 1)
      const item = out[0]!
      assert.isTrue(item._tag === "Event" && item.data === Array(lines).fill("y").join("\n"))
    })
  })
})

describe("decodeBytes (raw events over a byte stream)", () => {
  const origin = { status: 200, requestId: undefined, redact: (text: string) => text }
  const decode = <E>(stream: Stream.Stream<Uint8Array, E>, max = 1_000) =>
    Stream.runCollect(decodeBytes(stream, () => new RawEvents(origin, max))).pipe(
      Effect.map((chunk) => Chunk.toArray(chunk))
    )

  it.effect("decodes events from a stream of 1-byte chunks, comments dropped", () =>
    Effect.gen(function*() {
      const input = bytes(": hi\r\nevent: e\r\ndata: é€\r\ndata: 😀\r\n\r\ndata: two\n\n")
      const items = yield* decode(Stream.fromIterable(splitEvery(input, 1)))
      assert.deepStrictEqual(items, [ev("é€\n😀", { event: "e" }), ev("two")])
    }))

  it.effect("delivers a final event without its blank line", () =>
    Effect.gen(function*() {
      const items = yield* decode(Stream.make(bytes("data: a\n\n"), bytes("data: b")))
      assert.deepStrictEqual(items, [ev("a"), ev("b")])
    }))

  it.effect("an oversized event is ResponseDecodeError after the events before it", () =>
    Effect.gen(function*() {
      const stream = decodeBytes(
        Stream.make(bytes("data: ok\n\n"), bytes(`data: ${"x".repeat(20)}\n\n`)),
        () => new RawEvents(origin, 10)
      )
      const seen: Array<SseEvent> = []
      const error = yield* Effect.flip(Stream.runForEach(stream, (e) => Effect.sync(() => seen.push(e))))
      assert.deepStrictEqual(seen, [ev("ok")])
      assert.strictEqual(error._tag, "ResponseDecodeError")
    }))

  it.effect("a partial line past the limit fails too", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(decode(Stream.make(bytes(`data: ${"x".repeat(20)}`)), 10))
      assert.strictEqual(error._tag, "ResponseDecodeError")
    }))

  it.effect("passes upstream failures through", () =>
    Effect.gen(function*() {
      const upstream = Stream.concat(Stream.make(bytes("data: a\n\n")), Stream.fail("boom" as const))
      const error = yield* Effect.flip(decode(upstream))
      assert.strictEqual(error, "boom")
    }))
})
