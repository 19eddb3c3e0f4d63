/**
 * File uploads in every form the official client takes, checked in the multipart body the server receives
 * (field names, file name, bytes, content type), and `toFile`, which reads any input whole into a `File`.
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import OpenAI, { toFile } from "@effect-openai/promise"
import { clientOf, json, rejection, useServers } from "./support/server.js"
import type { Received, TestServer } from "./support/server.js"
import type { FileCreateParams } from "@effect-openai/promise/resources/files"

const serve = useServers()

interface Part {
  readonly field: string
  readonly filename?: string
  readonly type?: string
  readonly text: string
}

/** The parts of a multipart body, in order, as a standard parser reads them. */
const partsOf = async (req: Received): Promise<Array<Part>> => {
  expect(req.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/)
  const form = await new Response(new Uint8Array(req.body), { headers: { "content-type": req.headers["content-type"]! } })
    .formData()
  const parts: Array<Part> = []
  for (const [field, value] of form) {
    parts.push(typeof value === "string"
      ? { field, text: value }
      : { field, filename: value.name, type: value.type, text: await value.text() })
  }
  return parts
}

const fileObject = { id: "file-1", object: "file", bytes: 5, created_at: 1, filename: "x", purpose: "assistants" }

/** Serves `files.create`, and a download at `/v1/downloads/report.pdf` for the `Response` case. */
const uploadServer = () =>
  serve((req, res) => {
    if (req.path === "/v1/downloads/report.pdf") {
      res.writeHead(200, { "content-type": "application/pdf" })
      res.end("%PDF-1.4 tiny")
    } else json(res, 200, fileObject)
  })

/** What `files.create` takes as `file`: `fs.createReadStream(path)` and a `Response` typecheck, as in the official client. */
type FileParam = FileCreateParams["file"]

/** Uploads `file` and returns the parts the server received. */
const upload = async (server: TestServer, file: FileParam, client: OpenAI = clientOf(server)) => {
  const result = await client.files.create({ file, purpose: "assistants" })
  expect(result.id).toBe("file-1")
  const request = server.requests.at(-1)!
  expect(request.path).toBe("/v1/files")
  return partsOf(request)
}

const temporary: Array<string> = []
afterEach(() => {
  for (const dir of temporary.splice(0)) Fs.rmSync(dir, { recursive: true, force: true })
})
const tempFile = (name: string, content: string): string => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "promise-upload-"))
  temporary.push(dir)
  const path = Path.join(dir, name)
  Fs.writeFileSync(path, content)
  return path
}

async function* generated() {
  yield new TextEncoder().encode("first ")
  yield "second "
  yield new Uint8Array([0x74, 0x68, 0x69, 0x72, 0x64]) // "third"
}

describe("files.create({ file, purpose })", () => {
  it("toFile(Buffer, name): the name given, the bytes, a type from the name", async () => {
    const server = await uploadServer()
    const parts = await upload(server, await toFile(Buffer.from("hello"), "notes.txt"))
    expect(parts).toEqual([
      { field: "file", filename: "notes.txt", type: "text/plain", text: "hello" },
      { field: "purpose", text: "assistants" }
    ])
  })

  it("toFile(Uint8Array) without a name: unknown_file, application/octet-stream", async () => {
    const server = await uploadServer()
    const [file] = await upload(server, await toFile(new Uint8Array([104, 105])))
    expect(file).toEqual({ field: "file", filename: "unknown_file", type: "application/octet-stream", text: "hi" })
  })

  it("toFile with an explicit type keeps it", async () => {
    const server = await uploadServer()
    const [file] = await upload(server, await toFile(Buffer.from("{}"), "data.bin", { type: "application/json" }))
    expect(file).toMatchObject({ filename: "data.bin", type: "application/json", text: "{}" })
  })

  it("a File: its own name and type", async () => {
    const server = await uploadServer()
    const [file] = await upload(server, new File(["{\"a\":1}\n"], "batch.jsonl", { type: "application/jsonl" }))
    expect(file).toEqual({ field: "file", filename: "batch.jsonl", type: "application/jsonl", text: "{\"a\":1}\n" })
  })

  it("a Blob: its type and bytes, under a default name", async () => {
    const server = await uploadServer()
    const [file] = await upload(server, new Blob(["a,b\n1,2\n"], { type: "text/csv" }))
    expect(file).toMatchObject({ field: "file", type: "text/csv", text: "a,b\n1,2\n" })
    expect(file!.filename).toMatch(/\S/)
  })

  it("fs.createReadStream(path): the name from the path", async () => {
    const server = await uploadServer()
    const path = tempFile("training-data.jsonl", "{\"prompt\":\"p\"}\n")
    const [file] = await upload(server, Fs.createReadStream(path))
    expect(file).toMatchObject({ field: "file", filename: "training-data.jsonl", text: "{\"prompt\":\"p\"}\n" })
  })

  it("a fetch Response: the name from its URL, the type from its headers", async () => {
    const server = await uploadServer()
    const download = await fetch(`${server.url}/downloads/report.pdf`)
    const [file] = await upload(server, download)
    expect(file).toEqual({ field: "file", filename: "report.pdf", type: "application/pdf", text: "%PDF-1.4 tiny" })
  })

  it("an async iterable of bytes and strings", async () => {
    const server = await uploadServer()
    const [file] = await upload(server, generated())
    expect(file).toMatchObject({ field: "file", filename: "unknown_file", text: "first second third" })
  })

  it("a file over 1 MB arrives byte for byte", async () => {
    const server = await uploadServer()
    const bytes = Uint8Array.from({ length: 1_500_000 }, (_, i) => (i * 7) % 251)
    await upload(server, await toFile(bytes, "big.bin"))
    const form = await new Response(new Uint8Array(server.requests[0]!.body), {
      headers: { "content-type": server.requests[0]!.headers["content-type"]! }
    }).formData()
    const received = Buffer.from(await (form.get("file") as File).arrayBuffer())
    expect(received.length).toBe(bytes.length)
    expect(received.equals(bytes)).toBe(true) // (toEqual compares a million elements one by one: too slow)
  })
})

describe("retries of uploads", () => {
  const flaky = () =>
    serve((req, res) =>
      req.index === 0 ? json(res, 500, { error: { message: "again" } }, { "retry-after-ms": "1" }) : json(res, 200, fileObject)
    )

  it("a file in memory is sent again, whole, on a retry", async () => {
    const server = await flaky()
    const client = clientOf(server, { maxRetries: 1 })
    await client.files.create({ file: await toFile(Buffer.from("again"), "a.txt"), purpose: "assistants" })
    expect(server.requests).toHaveLength(2)
    for (const request of server.requests) expect((await partsOf(request))[0]).toMatchObject({ filename: "a.txt", text: "again" })
  })

  it("a file read from a stream can be sent once, so it is not retried", async () => {
    const server = await flaky()
    const client = clientOf(server, { maxRetries: 2 })
    const path = tempFile("once.txt", "once")
    const error = await rejection(client.files.create({ file: Fs.createReadStream(path), purpose: "assistants" }))
    expect(error.status).toBe(500)
    expect(server.requests).toHaveLength(1)
  })
})

describe("toFile reads any input whole into a File", () => {
  const read = async (file: File) => ({ name: file.name, type: file.type, text: await file.text() })

  it("bytes, strings and buffers", async () => {
    expect(await read(await toFile(Buffer.from("buf"), "a.txt"))).toEqual({ name: "a.txt", type: "", text: "buf" })
    expect(await read(await toFile(new Uint8Array([65, 66]).buffer, "ab.bin"))).toMatchObject({ text: "AB" })
    expect(await read(await toFile(new Uint8Array([67]), undefined, { type: "text/plain" }))).toEqual({
      name: "unknown_file",
      type: "text/plain",
      text: "C"
    })
  })

  it("a Blob or File, keeping a File's name unless one is given", async () => {
    const original = new File(["f"], "orig.txt", { type: "text/plain" })
    expect(await read(await toFile(original))).toEqual({ name: "orig.txt", type: "text/plain", text: "f" })
    expect((await toFile(original, "renamed.txt")).name).toBe("renamed.txt")
    expect(await read(await toFile(new Blob(["b"], { type: "text/csv" }), "b.csv"))).toEqual({
      name: "b.csv",
      type: "text/csv",
      text: "b"
    })
  })

  it("a stream, an async iterable, a Response, a promise of one", async () => {
    const path = tempFile("from-disk.txt", "disk")
    expect(await read(await toFile(Fs.createReadStream(path)))).toMatchObject({ name: "from-disk.txt", text: "disk" })
    expect(await read(await toFile(generated(), "gen.txt"))).toMatchObject({ name: "gen.txt", text: "first second third" })
    const response = new Response("resp body")
    expect(await read(await toFile(response, "r.txt"))).toMatchObject({ name: "r.txt", text: "resp body" })
    expect(await read(await toFile(Promise.resolve(Buffer.from("later")), "p.txt"))).toMatchObject({ text: "later" })
  })

  it("the File it gives is complete before it is returned: the source can go away", async () => {
    const path = tempFile("gone.txt", "read already")
    const file = await toFile(Fs.createReadStream(path))
    Fs.rmSync(path)
    expect(file).toBeInstanceOf(File)
    expect(file.size).toBe("read already".length)
    expect(await file.text()).toBe("read already")
  })
})
