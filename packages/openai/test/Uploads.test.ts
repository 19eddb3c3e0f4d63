import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Stream } from "effect"
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as nodePath from "node:path"
import * as Multipart from "../src/internal/multipart.js"
import * as Uploads from "../src/Uploads.js"
import * as NodeUploads from "../src/node/NodeUploads.js"

const encoder = new TextEncoder()
const bytes = (text: string): Uint8Array => encoder.encode(text)
const text = (data: Uint8Array): string => new TextDecoder().decode(data)

const concatBytes = (chunks: Iterable<Uint8Array>): Uint8Array => {
  const arrays = Array.from(chunks)
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0))
  let offset = 0
  for (const a of arrays) {
    out.set(a, offset)
    offset += a.length
  }
  return out
}

const collectBytes = <E>(stream: Stream.Stream<Uint8Array, E>) =>
  Stream.runCollect(stream).pipe(Effect.map((chunk) => concatBytes(Chunk.toArray(chunk))))

/** Everything an Uploadable yields, whether it opens as bytes or as a stream. */
const readAll = (file: Uploads.Uploadable) =>
  Effect.gen(function*() {
    const opened = yield* file.open
    return opened instanceof Uint8Array ? opened : yield* collectBytes(opened)
  })

const bodyBytes = (body: Multipart.EncodedMultipart["body"]) =>
  body instanceof Uint8Array ? Effect.succeed(body) : collectBytes(body)

/** A temporary file that is removed when the scope closes. */
const tempFile = (name: string, content: Uint8Array) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const dir = await fs.mkdtemp(nodePath.join(os.tmpdir(), "effect-openai-uploads-"))
      const file = nodePath.join(dir, name)
      await fs.writeFile(file, content)
      return { dir, file }
    }),
    ({ dir }) => Effect.promise(() => fs.rm(dir, { recursive: true, force: true }))
  ).pipe(Effect.map(({ file }) => file))

/** Bytes that are not valid UTF-8, so a text round trip would change them. */
const binary = Uint8Array.from([0x00, 0xff, 0xfe, 0x0d, 0x0a, 0x80, 0x41])

describe("sanitizeFileName", () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ["report.pdf", "report.pdf"],
    ["/etc/passwd", "passwd"],
    ["../../secret.txt", "secret.txt"],
    ["C:\\Users\\me\\data.jsonl", "data.jsonl"],
    ["dir/sub\\mixed.csv", "mixed.csv"],
    ["a\r\nb.txt", "ab.txt"],
    ["a\u0000b\u0007c\u001f\u007f.txt", "abc.txt"],
    ["tab\there.txt", "tabhere.txt"],
    ["say \"hi\".txt", "say %22hi%22.txt"],
    ["  spaced.txt  ", "spaced.txt"],
    ["résumé 😀.md", "résumé 😀.md"],
    ["", "file"],
    ["dir/", "file"],
    ["\r\n", "file"],
    ["   ", "file"],
    [".", "file"],
    ["..", "file"],
    ["a/..", "file"]
  ]
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} -> ${JSON.stringify(expected)}`, () => {
      assert.strictEqual(Uploads.sanitizeFileName(input), expected)
    })
  }
})

describe("toFile", () => {
  it.effect("wraps a Uint8Array", () =>
    Effect.gen(function*() {
      const file = Uploads.toFile(binary, "data.jsonl")
      assert.isTrue(Uploads.isUploadable(file))
      assert.strictEqual(file.name, "data.jsonl")
      assert.strictEqual(file.type, "application/jsonl")
      assert.isFalse(file.oneShot)
      assert.deepStrictEqual(yield* readAll(file), binary)
      assert.deepStrictEqual(yield* readAll(file), binary)
    }))

  it("defaults the name to file and the type to application/octet-stream", () => {
    const file = Uploads.toFile(binary)
    assert.strictEqual(file.name, "file")
    assert.strictEqual(file.type, "application/octet-stream")
  })

  it("sanitizes the given name and honours an explicit type", () => {
    const file = Uploads.toFile(binary, "/tmp/x/photo.PNG", { type: "image/x-custom" })
    assert.strictEqual(file.name, "photo.PNG")
    assert.strictEqual(file.type, "image/x-custom")
    assert.strictEqual(Uploads.toFile(binary, "photo.PNG").type, "image/png")
  })

  it.effect("wraps an ArrayBuffer", () =>
    Effect.gen(function*() {
      const buffer = binary.slice().buffer
      const file = Uploads.toFile(buffer, "a.bin")
      assert.strictEqual(file.name, "a.bin")
      assert.isFalse(file.oneShot)
      assert.deepStrictEqual(yield* readAll(file), binary)
    }))

  it.effect("wraps a Blob and takes its type", () =>
    Effect.gen(function*() {
      const file = Uploads.toFile(new Blob([binary], { type: "text/csv" }), "table.csv")
      assert.strictEqual(file.name, "table.csv")
      assert.strictEqual(file.type, "text/csv")
      assert.isFalse(file.oneShot)
      assert.deepStrictEqual(yield* readAll(file), binary)
      assert.deepStrictEqual(yield* readAll(file), binary, "a Blob can be read again")
    }))

  it("names an untyped Blob file and guesses nothing from an absent name", () => {
    const file = Uploads.toFile(new Blob([binary]))
    assert.strictEqual(file.name, "file")
    assert.strictEqual(file.type, "application/octet-stream")
  })

  it.effect("wraps a File and keeps its name", () =>
    Effect.gen(function*() {
      const file = Uploads.toFile(new File([binary], "report.pdf", { type: "application/pdf" }))
      assert.strictEqual(file.name, "report.pdf")
      assert.strictEqual(file.type, "application/pdf")
      assert.isFalse(file.oneShot)
      assert.deepStrictEqual(yield* readAll(file), binary)
      assert.strictEqual(Uploads.toFile(new File([binary], "report.pdf"), "renamed.txt").name, "renamed.txt")
      assert.strictEqual(Uploads.toFile(new File([binary], "dir/evil\r\n.pdf")).name, "evil.pdf")
    }))

  it.effect("wraps a Stream as a one-shot source", () =>
    Effect.gen(function*() {
      const file = Uploads.toFile(Stream.make(binary.slice(0, 3), binary.slice(3)), "audio.mp3")
      assert.strictEqual(file.name, "audio.mp3")
      assert.strictEqual(file.type, "audio/mpeg")
      assert.isTrue(file.oneShot)
      const opened = yield* file.open
      assert.isFalse(opened instanceof Uint8Array)
      assert.deepStrictEqual(yield* readAll(file), binary)
    }))

  it.effect("maps a failing Stream to UploadError", () =>
    Effect.gen(function*() {
      const file = Uploads.toFile(Stream.fail(new Error("disk on fire")), "a.txt")
      const error = yield* Effect.flip(readAll(file))
      assert.strictEqual(error._tag, "UploadError")
      assert.include(error.message, "disk on fire")
    }))

  it.effect("wraps an async iterable as a one-shot source", () =>
    Effect.gen(function*() {
      async function* chunks() {
        yield binary.slice(0, 2)
        yield binary.slice(2)
      }
      const file = Uploads.toFile(chunks(), "speech.wav")
      assert.strictEqual(file.name, "speech.wav")
      assert.strictEqual(file.type, "audio/wav")
      assert.isTrue(file.oneShot)
      assert.deepStrictEqual(yield* readAll(file), binary)
    }))
})

describe("fromPath", () => {
  it.scoped("reads the file from disk and is not one-shot", () =>
    Effect.gen(function*() {
      const filePath = yield* tempFile("train.jsonl", binary)
      const file = NodeUploads.fromPath(filePath)
      assert.strictEqual(file.name, "train.jsonl")
      assert.strictEqual(file.type, "application/jsonl")
      assert.isFalse(file.oneShot)
      assert.deepStrictEqual(yield* readAll(file), binary)
      assert.deepStrictEqual(yield* readAll(file), binary, "read again from the start")
    }))

  it.scoped("takes name and type from options", () =>
    Effect.gen(function*() {
      const filePath = yield* tempFile("x.bin", binary)
      const file = NodeUploads.fromPath(filePath, { name: "nice.txt", type: "text/x-nice" })
      assert.strictEqual(file.name, "nice.txt")
      assert.strictEqual(file.type, "text/x-nice")
    }))

  it.effect("fails with UploadError for a missing file when opened", () =>
    Effect.gen(function*() {
      const missing = nodePath.join(os.tmpdir(), `effect-openai-missing-${process.pid}-${Date.now()}.txt`)
      const file = NodeUploads.fromPath(missing)
      assert.strictEqual(file.name, nodePath.basename(missing))
      const error = yield* Effect.flip(file.open)
      assert.strictEqual(error._tag, "UploadError")
      assert.include(error.message, missing)
    }))

  it.effect("fails with UploadError for a directory", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(NodeUploads.fromPath(os.tmpdir()).open)
      assert.strictEqual(error._tag, "UploadError")
    }))
})

describe("fromInput", () => {
  it("passes an Uploadable through and wraps anything else", () => {
    const file = Uploads.toFile(binary, "a.txt")
    assert.strictEqual(Uploads.fromInput(file), file)
    assert.isTrue(Uploads.isUploadable(Uploads.fromInput(binary)))
    assert.isTrue(Uploads.isFileInput(binary))
    assert.isTrue(Uploads.isFileInput(new Blob([])))
    assert.isFalse(Uploads.isFileInput("a.txt"))
    assert.isFalse(Uploads.isFileInput({ name: "a.txt" }))
  })

  it.effect("a fetch Response is named after its URL, typed by its content-type, and read once", () =>
    Effect.gen(function*() {
      const response = new Response("a,b\n1,2\n", { headers: { "content-type": "text/csv" } })
      Object.defineProperty(response, "url", { value: "https://files.example/exports/report%201.csv?sig=x" })
      assert.isTrue(Uploads.isFileInput(response))
      const file = Uploads.fromInput(response)
      assert.strictEqual(file.name, "report 1.csv")
      assert.strictEqual(file.type, "text/csv")
      assert.isTrue(file.oneShot)
      assert.strictEqual(text(yield* readAll(file)), "a,b\n1,2\n")
    }))

  it.effect("a Node ReadStream is named after its path; an iterable of strings is sent as UTF-8", () =>
    Effect.gen(function*() {
      const dir = yield* Effect.promise(() => fs.mkdtemp(nodePath.join(os.tmpdir(), "uploads-")))
      const path = nodePath.join(dir, "notes.jsonl")
      yield* Effect.promise(() => fs.writeFile(path, "{\"a\":1}\n"))
      const { createReadStream } = yield* Effect.promise(() => import("node:fs"))
      const stream = Uploads.fromInput(createReadStream(path))
      assert.strictEqual(stream.name, "notes.jsonl")
      assert.strictEqual(stream.type, "application/jsonl")
      assert.strictEqual(text(yield* readAll(stream)), "{\"a\":1}\n")
      const strings = Uploads.fromInput((async function*() {
        yield "héllo "
        yield "wörld"
      })())
      assert.strictEqual(strings.name, "file")
      assert.strictEqual(text(yield* readAll(strings)), "héllo wörld")
      yield* Effect.promise(() => fs.rm(dir, { recursive: true }))
    }))
})

describe("Multipart.encode", () => {
  const boundary = "BOUNDARY"

  /** The exact body for `{ purpose: "fine-tune", file: <binary as data.jsonl> }`. */
  const expectedPurposeAndFile = concatBytes([
    bytes(
      "--BOUNDARY\r\n" +
        "Content-Disposition: form-data; name=\"purpose\"\r\n" +
        "\r\n" +
        "fine-tune\r\n" +
        "--BOUNDARY\r\n" +
        "Content-Disposition: form-data; name=\"file\"; filename=\"data.jsonl\"\r\n" +
        "Content-Type: application/jsonl\r\n" +
        "\r\n"
    ),
    binary,
    bytes("\r\n--BOUNDARY--\r\n")
  ])

  it.effect("encodes text fields and an in-memory file as exact bytes", () =>
    Effect.gen(function*() {
      const encoded = yield* Multipart.encode({ purpose: "fine-tune", file: Uploads.toFile(binary, "data.jsonl") }, boundary)
      assert.strictEqual(encoded.contentType, "multipart/form-data; boundary=BOUNDARY")
      assert.isFalse(encoded.oneShot)
      assert.instanceOf(encoded.body, Uint8Array)
      assert.deepStrictEqual(encoded.body, expectedPurposeAndFile)
    }))

  it.effect("encodes a raw Uint8Array field as a file named file", () =>
    Effect.gen(function*() {
      const encoded = yield* Multipart.encode({ file: binary }, boundary)
      assert.instanceOf(encoded.body, Uint8Array)
      assert.deepStrictEqual(
        encoded.body,
        concatBytes([
          bytes(
            "--BOUNDARY\r\nContent-Disposition: form-data; name=\"file\"; filename=\"file\"\r\n" +
              "Content-Type: application/octet-stream\r\n\r\n"
          ),
          binary,
          bytes("\r\n--BOUNDARY--\r\n")
        ])
      )
    }))

  it.effect("encodes arrays and objects in bracket style and skips undefined and null", () =>
    Effect.gen(function*() {
      const date = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6))
      const encoded = yield* Multipart.encode(
        {
          model: "whisper-1",
          timestamp_granularities: ["word", "segment"],
          metadata: { k: "v", n: 1, skip: undefined },
          temperature: 0,
          stream: false,
          at: date,
          absent: undefined,
          none: null
        },
        boundary
      )
      const part = (name: string, value: string) =>
        `--BOUNDARY\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`
      assert.instanceOf(encoded.body, Uint8Array)
      assert.strictEqual(
        text(encoded.body as Uint8Array),
        part("model", "whisper-1") +
          part("timestamp_granularities[]", "word") +
          part("timestamp_granularities[]", "segment") +
          part("metadata[k]", "v") +
          part("metadata[n]", "1") +
          part("temperature", "0") +
          part("stream", "false") +
          part("at", "2024-01-02T03:04:05.006Z") +
          "--BOUNDARY--\r\n"
      )
    }))

  it.effect("encodes files inside arrays with bracket names", () =>
    Effect.gen(function*() {
      const encoded = yield* Multipart.encode(
        { image: [Uploads.toFile(bytes("A"), "a.png"), Uploads.toFile(bytes("B"), "b.png")] },
        boundary
      )
      assert.strictEqual(
        text(encoded.body as Uint8Array),
        "--BOUNDARY\r\nContent-Disposition: form-data; name=\"image[]\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\nA\r\n" +
          "--BOUNDARY\r\nContent-Disposition: form-data; name=\"image[]\"; filename=\"b.png\"\r\nContent-Type: image/png\r\n\r\nB\r\n" +
          "--BOUNDARY--\r\n"
      )
    }))

  it.effect("cannot be given a new header line through a file name", () =>
    Effect.gen(function*() {
      const encoded = yield* Multipart.encode({ file: Uploads.toFile(bytes("x"), "a.txt\"\r\nX-Evil: 1") }, boundary)
      const body = text(yield* bodyBytes(encoded.body))
      assert.notInclude(body, "\r\nX-Evil")
      assert.notInclude(body, "\nX-Evil")
      const lines = body.split("\r\n")
      assert.isFalse(lines.some((line) => /^x-evil/i.test(line)))
      assert.include(body, "filename=\"a.txt%22X-Evil: 1\"\r\n")
      const headerLines = lines.slice(1, lines.indexOf(""))
      assert.deepStrictEqual(headerLines, [
        "Content-Disposition: form-data; name=\"file\"; filename=\"a.txt%22X-Evil: 1\"",
        "Content-Type: application/octet-stream"
      ])
    }))

  it.effect("cannot be given a new header line through a field name or a content type", () =>
    Effect.gen(function*() {
      const encoded = yield* Multipart.encode(
        {
          "a\"\r\nX-Evil: 1": "v",
          file: Uploads.toFile(bytes("x"), "a.txt", { type: "text/plain\r\nX-Evil: 2" })
        },
        boundary
      )
      const lines = text(yield* bodyBytes(encoded.body)).split("\r\n")
      assert.isFalse(lines.some((line) => /^x-evil/i.test(line)), lines.join("\n"))
      assert.include(lines, "Content-Disposition: form-data; name=\"a%22%0D%0AX-Evil: 1\"")
    }))

  it.effect("produces a one-shot Stream body when a part is a stream", () =>
    Effect.gen(function*() {
      const encoded = yield* Multipart.encode(
        { purpose: "fine-tune", file: Uploads.toFile(Stream.make(binary.slice(0, 4), binary.slice(4)), "data.jsonl") },
        boundary
      )
      assert.isFalse(encoded.body instanceof Uint8Array)
      assert.isTrue(encoded.oneShot)
      assert.deepStrictEqual(yield* bodyBytes(encoded.body), expectedPurposeAndFile)
    }))

  it.scoped("produces a re-readable Stream body for a file on disk", () =>
    Effect.gen(function*() {
      const filePath = yield* tempFile("data.jsonl", binary)
      const encoded = yield* Multipart.encode({ purpose: "fine-tune", file: NodeUploads.fromPath(filePath) }, boundary)
      assert.isFalse(encoded.body instanceof Uint8Array)
      assert.isFalse(encoded.oneShot)
      const first = yield* bodyBytes(encoded.body)
      const second = yield* bodyBytes(encoded.body)
      assert.deepStrictEqual(first, expectedPurposeAndFile)
      assert.deepStrictEqual(second, first)
    }))

  it.effect("fails with UploadError before sending when a file is missing", () =>
    Effect.gen(function*() {
      const missing = nodePath.join(os.tmpdir(), `effect-openai-missing-${process.pid}-${Date.now()}.jsonl`)
      const error = yield* Effect.flip(Multipart.encode({ file: NodeUploads.fromPath(missing) }, boundary))
      assert.strictEqual(error._tag, "UploadError")
    }))

  it.effect("uses a random boundary by default", () =>
    Effect.gen(function*() {
      const a = yield* Multipart.encode({ x: "1" })
      const b = yield* Multipart.encode({ x: "1" })
      const boundaryOf = (contentType: string) => contentType.replace("multipart/form-data; boundary=", "")
      assert.match(boundaryOf(a.contentType), /^[-\w]{20,70}$/)
      assert.notStrictEqual(a.contentType, b.contentType)
      assert.isTrue(text(a.body as Uint8Array).startsWith(`--${boundaryOf(a.contentType)}\r\n`))
    }))
})
