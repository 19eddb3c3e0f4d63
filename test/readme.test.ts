/**
 * The README's sample is `scratchpad/readme.ts` word for word, and it runs unchanged against the demo's mock
 * server through the documented command (`pnpm scratch`). The mock's answers have the shapes of the spec, so what
 * runs against it runs against the API.
 */
import { readFileSync } from "node:fs"
import * as Path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { Schemas } from "@effect-openai/openai"
import { assert, describe, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { missingRequired } from "./support/spec-shape.js"
import { runScratch } from "./support/scratch.js"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const readmeFile = Path.join(root, "scratchpad/readme.ts")

/** The first TypeScript block under "What using it looks like". */
const readmeSample = (): string => {
  const readme = readFileSync(Path.join(root, "README.md"), "utf8")
  const section = readme.slice(readme.indexOf("## What using it looks like"))
  const block = /```ts\n([\s\S]*?)```/.exec(section)
  assert.isNotNull(block, "no ts block in the README's sample section")
  return block![1]!
}


// scratchpad is a TypeScript project of its own, so its mock server is loaded at run time, not imported.
interface MockServer {
  readonly url: string
  readonly close: () => Promise<void>
}
const startMock = async (): Promise<MockServer> => {
  const module = await import(pathToFileURL(Path.join(root, "scratchpad/mock-server.ts")).href)
  return module.startMockServer({ delayMs: 0 })
}

const post = (url: string, body: unknown) =>
  fetch(url, { method: "POST", headers: { authorization: "Bearer sk-mock", "content-type": "application/json" }, body: JSON.stringify(body) })

const get = (url: string) => fetch(url, { headers: { authorization: "Bearer sk-mock" } })

/** The events of an SSE body, with the `event:` name given beside each. */
const sse = async (response: Response): Promise<Array<{ name: string | undefined; data: string }>> =>
  (await response.text()).split("\n\n").filter((frame) => frame.trim() !== "").map((frame) => {
    const lines = frame.split("\n")
    const name = lines.find((l) => l.startsWith("event: "))?.slice("event: ".length)
    return { name, data: lines.filter((l) => l.startsWith("data: ")).map((l) => l.slice("data: ".length)).join("\n") }
  })

/** Fails with the paths of what `value` lacks or gets wrong for the spec schema `name`. */
const assertShape = (name: keyof typeof Schemas, value: unknown) => {
  const decoded = Schema.decodeUnknownEither(Schemas[name] as Schema.Schema<unknown>)(value)
  assert.isTrue(Either.isRight(decoded), Either.isLeft(decoded) ? `${name}: ${decoded.left.message}` : "")
  assert.deepStrictEqual(missingRequired(name, value), [], `${name} lacks required fields`)
}

describe("README sample", () => {
  it("is scratchpad/readme.ts, word for word", () => {
    assert.strictEqual(readmeSample(), readFileSync(readmeFile, "utf8"))
  })

  it("runs unchanged against the mock server with `pnpm scratch` and prints what it computes", async () => {
    const { code, stdout, stderr } = await runScratch(readmeFile)
    assert.strictEqual(code, 0, stderr)
    const hello = "Hello! This is the local mock server; set OPENAI_API_KEY to talk to a real model."
    const ids = Array.from({ length: 23 }, (_, i) => `file-${String(i).padStart(3, "0")}`).join(" ")
    assert.strictEqual(stdout, `${hello}\n${hello}\n${ids}\n`)
    assert.match(stderr, /using the local mock server at http:\/\/127\.0\.0\.1:\d+\/v1/)
  })

  it("with OPENAI_API_KEY set, goes to OPENAI_BASE_URL and prints a failure as `Tag: message`, once", async () => {
    const mock = await startMock()
    try {
      // a base URL under which the mock has no routes: the first call fails with a 404
      const { code, stdout, stderr } = await runScratch(readmeFile, { env: { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: `${mock.url}/nowhere` } })
      assert.strictEqual(code, 1)
      assert.strictEqual(stdout, "")
      assert.match(stderr, /^NotFoundError: 404 The local mock server has no POST \/v1\/nowhere\/chat\/completions.* \(request req_mock_\d+\)\n$/)
    } finally {
      await mock.close()
    }
  })
})

describe("mock server", () => {
  it("answers POST /responses with a Response whose output is a message of output_text", async () => {
    const mock = await startMock()
    try {
      const response = await post(`${mock.url}/responses`, { model: "gpt-4o-mini", input: "Hi" })
      assert.strictEqual(response.status, 200)
      const body = await response.json()
      assertShape("Response", body)
      assert.strictEqual(body.status, "completed")
      assert.strictEqual(body.output[0].type, "message")
      assert.strictEqual(body.output[0].content[0].type, "output_text")
      assert.match(body.output[0].content[0].text, /^Hello!/)
    } finally {
      await mock.close()
    }
  })

  it("streams /responses as the API does: the events in order, numbered, in the spec's shapes", async () => {
    const mock = await startMock()
    try {
      const response = await post(`${mock.url}/responses`, { model: "gpt-4o-mini", input: [{ role: "user", content: "Hi" }], stream: true })
      assert.strictEqual(response.headers.get("content-type"), "text/event-stream")
      const frames = await sse(response)
      const events = frames.map((f) => JSON.parse(f.data))
      for (const [i, event] of events.entries()) {
        assert.strictEqual(frames[i]!.name, event.type)
        assert.strictEqual(event.sequence_number, i)
        assertShape("ResponseStreamEvent", event)
      }
      const types = events.map((e) => e.type)
      const deltas = events.filter((e) => e.type === "response.output_text.delta")
      assert.isAbove(deltas.length, 2)
      assert.deepStrictEqual(types, [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        ...deltas.map(() => "response.output_text.delta"),
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed"
      ])
      const text = deltas.map((e) => e.delta).join("")
      assert.strictEqual(events.at(-4).text, text)
      assert.strictEqual(events.at(-1).response.output[0].content[0].text, text)
      assert.strictEqual(events.at(-1).response.status, "completed")
    } finally {
      await mock.close()
    }
  })

  it("answers chat completions, files and models in the spec's shapes", async () => {
    const mock = await startMock()
    try {
      const chat = { model: "gpt-4.1", messages: [{ role: "user", content: "Hi" }] }
      assertShape("CreateChatCompletionResponse", await (await post(`${mock.url}/chat/completions`, chat)).json())
      const chunks = await sse(await post(`${mock.url}/chat/completions`, { ...chat, stream: true }))
      assert.strictEqual(chunks.at(-1)!.data, "[DONE]")
      for (const chunk of chunks.slice(0, -1)) assertShape("CreateChatCompletionStreamResponse", JSON.parse(chunk.data))
      assertShape("ListFilesResponse", await (await get(`${mock.url}/files?limit=10`)).json())
      assertShape("ListModelsResponse", await (await get(`${mock.url}/models`)).json())
      const missing = await get(`${mock.url}/models/no-such-model`)
      assert.strictEqual(missing.status, 404)
      assertShape("ErrorResponse", await missing.json())
    } finally {
      await mock.close()
    }
  })
})
