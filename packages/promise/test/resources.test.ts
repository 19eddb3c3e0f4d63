/**
 * The resource tree: deep paths exist and call the right endpoint with the official argument layout (the last
 * path parameter positional, the others in the params), and binary results come as a `Response`.
 */
import { describe, expect, it } from "vitest"
import { clientOf, json, useServers } from "./support/server.js"

const serve = useServers()

/** Answers JSON naming the request, or bytes for the binary endpoints. */
const AUDIO = Uint8Array.from({ length: 2048 }, (_, i) => (i * 31) % 256)
const treeServer = () =>
  serve((req, res) => {
    if (req.path === "/v1/audio/speech" || req.path.endsWith("/content")) {
      res.writeHead(200, { "content-type": "audio/mpeg", "x-request-id": "req_audio" })
      res.end(AUDIO)
      return
    }
    if (req.method === "GET" && /\/(messages|checkpoints|input_items|files)$/.test(req.path)) {
      json(res, 200, { object: "list", data: [{ id: "item_1" }], has_more: false })
      return
    }
    json(res, 200, { id: "x", object: "thing", seen: `${req.method} ${req.path}` })
  })

const seen = (server: { requests: ReadonlyArray<{ method: string; path: string; query: URLSearchParams }> }) =>
  server.requests.map((r) => `${r.method} ${r.path}${r.query.size === 0 ? "" : `?${r.query}`}`)

describe("deep paths", () => {
  it("path parameters other than the last come in the params", async () => {
    const server = await treeServer()
    const client = clientOf(server)
    await client.containers.files.retrieve("cfile_1", { container_id: "cntr_1" })
    await client.beta.threads.messages.retrieve("msg_1", { thread_id: "thread_1" })
    await client.vectorStores.files.retrieve("file_1", { vector_store_id: "vs_1" })
    expect(seen(server)).toEqual([
      "GET /v1/containers/cntr_1/files/cfile_1",
      "GET /v1/threads/thread_1/messages/msg_1",
      "GET /v1/vector_stores/vs_1/files/file_1"
    ])
  })

  it("list methods take their parent id positionally and the rest as query", async () => {
    const server = await treeServer()
    const client = clientOf(server)
    const messages = await client.chat.completions.messages.list("cmpl_1", { limit: 5 })
    expect(messages.data).toEqual([{ id: "item_1" }])
    await client.fineTuning.jobs.checkpoints.list("ftjob_1")
    await client.responses.inputItems.list("resp_1", { order: "asc" })
    await client.vectorStores.files.list("vs_1")
    expect(seen(server)).toEqual([
      "GET /v1/chat/completions/cmpl_1/messages?limit=5",
      "GET /v1/fine_tuning/jobs/ftjob_1/checkpoints",
      "GET /v1/responses/resp_1/input_items?order=asc",
      "GET /v1/vector_stores/vs_1/files"
    ])
  })

  it("update and delete go to the item's own path", async () => {
    const server = await treeServer()
    const client = clientOf(server)
    await client.chat.completions.update("cmpl_1", { metadata: { k: "v" } })
    await client.files.delete("file_1")
    await client.beta.threads.messages.update("msg_1", { thread_id: "thread_1", metadata: { k: "v" } })
    expect(seen(server)).toEqual([
      "POST /v1/chat/completions/cmpl_1",
      "DELETE /v1/files/file_1",
      "POST /v1/threads/thread_1/messages/msg_1"
    ])
    expect(server.requests[0]!.json).toEqual({ metadata: { k: "v" } })
    // the parent id is a path parameter, not a body field
    expect(server.requests[2]!.json).toEqual({ metadata: { k: "v" } })
  })

  it("the admin tree reaches the organization endpoints", async () => {
    const server = await serve((_req, res) => json(res, 200, { object: "list", data: [], has_more: false }))
    const client = clientOf(server, { adminAPIKey: "sk-admin-tree-000000" })
    await client.admin.organization.invites.list({ limit: 1 })
    await client.admin.organization.users.list()
    expect(seen(server)).toEqual(["GET /v1/organization/invites?limit=1", "GET /v1/organization/users"])
  })

  // As the official client does: the API refuses Assistants calls without `OpenAI-Beta: assistants=v2`.
  it("Assistants, threads and vector stores endpoints send OpenAI-Beta: assistants=v2; others do not", async () => {
    const server = await treeServer()
    const client = clientOf(server)
    await client.beta.threads.messages.retrieve("msg_1", { thread_id: "thread_1" })
    await client.vectorStores.files.retrieve("file_1", { vector_store_id: "vs_1" })
    await client.models.retrieve("gpt-4o")
    expect(server.requests.map((r) => r.headers["openai-beta"])).toEqual(["assistants=v2", "assistants=v2", undefined])
  })
})

describe("binary results", () => {
  it("audio.speech.create gives a Response whose bytes you read", async () => {
    const server = await treeServer()
    const params = { model: "gpt-4o-mini-tts", voice: "alloy", input: "Hello there" } as const
    const response = await clientOf(server).audio.speech.create(params)
    expect(response).toBeInstanceOf(Response)
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toBe("audio/mpeg")
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(AUDIO)
    expect(seen(server)).toEqual(["POST /v1/audio/speech"])
    expect(server.requests[0]!.json).toEqual(params)
  })

  it("files.content gives the file's bytes, streamed as a body", async () => {
    const server = await treeServer()
    const response = await clientOf(server).files.content("file_1")
    const chunks: Array<Uint8Array> = []
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk)
    expect(new Uint8Array(Buffer.concat(chunks))).toEqual(AUDIO)
    expect(seen(server)).toEqual(["GET /v1/files/file_1/content"])
  })

  it(".withResponse() on a binary result gives the request id", async () => {
    const server = await treeServer()
    const { data, request_id } = await clientOf(server).audio.speech.create({ model: "tts-1", voice: "alloy", input: "hi" })
      .withResponse()
    expect(request_id).toBe("req_audio")
    expect((await data.arrayBuffer()).byteLength).toBe(AUDIO.length)
  })
})
