import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber, Redacted, TestClock } from "effect"
import * as OpenAIClient from "../src/OpenAIClient.js"
import * as OpenAIRequest from "../src/OpenAIRequest.js"
import * as OpenAITest from "../src/OpenAITest.js"
import { Audio, Beta, Chat, Embeddings, Files, Models, VectorStores } from "../src/index.js"
import * as NodeUploads from "../src/node/NodeUploads.js"
import { chatParams, completion, requestCount } from "./fixtures.js"

describe("requests", () => {
  it.effect("sends auth, organization, project, user agent, default and per-call headers", () =>
    Effect.gen(function*() {
      yield* Chat.Completions.create(chatParams, {
        headers: { "x-custom": "1", "x-default": null },
        query: { extra: "q" },
        body: { metadata: { a: "b" } },
        idempotencyKey: "idem-1"
      })
      const [request] = yield* OpenAITest.requests
      assert.strictEqual(request!.headers["authorization"], "Bearer sk-secret")
      assert.strictEqual(request!.headers["openai-organization"], "org-1")
      assert.strictEqual(request!.headers["openai-project"], "proj-1")
      assert.match(request!.headers["user-agent"]!, /^effect-openai\/\d+\.\d+\.\d+/)
      assert.strictEqual(request!.headers["x-custom"], "1")
      assert.strictEqual(request!.headers["x-default"], undefined)
      assert.strictEqual(request!.headers["x-other-default"], "kept")
      assert.strictEqual(request!.headers["idempotency-key"], "idem-1")
      assert.strictEqual(request!.url.searchParams.get("extra"), "q")
      assert.strictEqual(request!.url.searchParams.get("api-version"), "v")
      assert.deepStrictEqual(request!.json, { ...chatParams, stream: false, metadata: { a: "b" } })
    }).pipe(Effect.provide(OpenAITest.layer(
      { "POST /chat/completions": OpenAITest.json(completion) },
      {
        apiKey: Redacted.make("sk-secret"),
        organization: "org-1",
        project: "proj-1",
        defaultHeaders: { "x-default": "d", "x-other-default": "kept" },
        defaultQuery: { "api-version": "v" }
      }
    ))))

  it.effect("refuses a header value with a line break before sending", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Chat.Completions.create(chatParams, { headers: { "x-evil": "a\r\nInjected: 1" } }))
      assert.strictEqual(error._tag, "InvalidInputError")
      assert.strictEqual(yield* requestCount, 0)
    }).pipe(Effect.provide(OpenAITest.layer({ "POST /chat/completions": OpenAITest.json(completion) }))))

  it.effect("percent-encodes path parameters and refuses dot segments", () =>
    Effect.gen(function*() {
      yield* Models.retrieve("ft:gpt/../admin")
      const [request] = yield* OpenAITest.requests
      assert.strictEqual(request!.url.pathname, "/v1/models/ft%3Agpt%2F..%2Fadmin")
      const error = yield* Effect.flip(Models.retrieve(".."))
      assert.strictEqual(error._tag, "InvalidInputError")
      assert.strictEqual(yield* requestCount, 1)
    }).pipe(Effect.provide(OpenAITest.layer({ "GET /models/:id": OpenAITest.json({ id: "m" }) }))))

  it.effect("generic request goes through the same pipeline", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(OpenAIClient.request<{ ok: boolean }>({
        method: "POST",
        path: OpenAIRequest.path`/beta/things/${"a b"}`,
        body: { x: 1 },
        query: { include: ["a", "b"] }
      }))
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(yield* Fiber.join(fiber), { ok: true })
      const [request] = yield* OpenAITest.requests
      assert.strictEqual(request!.url.pathname, "/v1/beta/things/a%20b")
      assert.strictEqual(request!.url.search, "?include%5B%5D=a&include%5B%5D=b")
      assert.strictEqual(yield* requestCount, 2)
    }).pipe(Effect.provide(OpenAITest.layer({}, {
      customRoutes: { "POST /beta/things/:id": [OpenAITest.error(503), OpenAITest.json({ ok: true })] }
    }))))

  it.effect("WithResponse exposes status, headers, request id and parsed rate limits", () =>
    Effect.gen(function*() {
      const { data, response } = yield* Chat.Completions.createWithResponse(chatParams)
      assert.strictEqual(data.id, "chatcmpl-1")
      assert.strictEqual(response.status, 200)
      assert.strictEqual(response.requestId, "req_abc")
      assert.strictEqual(response.headers["x-ratelimit-limit-requests"], "60")
      assert.strictEqual(response.rateLimit.limitRequests, 60)
      assert.strictEqual(response.rateLimit.remainingTokens, 149984)
      assert.strictEqual(Duration.toMillis(response.rateLimit.resetRequests!), 360_000)
      assert.strictEqual(Duration.toMillis(response.rateLimit.resetTokens!), 17)
      assert.strictEqual(response.headers["set-cookie"], "<redacted>")
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /chat/completions": OpenAITest.json(completion, {
        headers: {
          "x-request-id": "req_abc",
          "x-ratelimit-limit-requests": "60",
          "x-ratelimit-remaining-tokens": "149984",
          "x-ratelimit-reset-requests": "6m0s",
          "x-ratelimit-reset-tokens": "17ms",
          "set-cookie": "session=secret"
        }
      })
    }))))
})

describe("operations", () => {
  it.effect("embeddings ask for base64 and return number[]", () =>
    Effect.gen(function*() {
      const result = yield* Embeddings.create({ model: "text-embedding-3-small", input: "hi" })
      assert.deepStrictEqual(result.data[0]!.embedding, [1.5, -2, 0.25])
      const [request] = yield* OpenAITest.requests
      assert.strictEqual((request!.json as { encoding_format: string }).encoding_format, "base64")
    }).pipe(Effect.provide(OpenAITest.layer({
      // the wire carries base64, which the operation decodes to the typed number[]
      "POST /embeddings": OpenAITest.unchecked({
        object: "list",
        model: "text-embedding-3-small",
        data: [{
          object: "embedding",
          index: 0,
          embedding: Buffer.from(new Float32Array([1.5, -2, 0.25]).buffer).toString("base64")
        }],
        usage: { prompt_tokens: 1, total_tokens: 1 }
      })
    }))))

  it.effect("embeddings with an explicit float format pass through", () =>
    Effect.gen(function*() {
      const result = yield* Embeddings.create({ model: "m", input: "hi", encoding_format: "float" })
      assert.deepStrictEqual(result.data[0]!.embedding, [0.5])
      const [request] = yield* OpenAITest.requests
      assert.strictEqual((request!.json as { encoding_format: string }).encoding_format, "float")
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /embeddings": OpenAITest.json({
        object: "list",
        model: "m",
        data: [{ object: "embedding", index: 0, embedding: [0.5] }],
        usage: { prompt_tokens: 1, total_tokens: 1 }
      })
    }))))

  it.effect("files upload as multipart with a sanitized name; content streams bytes", () =>
    Effect.gen(function*() {
      const { Stream, Chunk } = yield* Effect.promise(() => import("effect"))
      const Uploads = yield* Effect.promise(() => import("../src/Uploads.js"))
      const file = yield* Files.create({
        file: Uploads.toFile(new TextEncoder().encode("{\"a\":1}\n"), "../../etc/x\r\n.jsonl"),
        purpose: "batch"
      })
      assert.strictEqual(file.id, "file-1")
      const [request] = yield* OpenAITest.requests
      assert.match(request!.headers["content-type"]!, /^multipart\/form-data; boundary=/)
      assert.include(request!.text!, "name=\"purpose\"\r\n\r\nbatch\r\n")
      assert.include(request!.text!, "filename=\"x.jsonl\"")
      assert.include(request!.text!, "{\"a\":1}\n")
      const bytes = yield* Files.content("file-1").pipe(Stream.runCollect)
      assert.deepStrictEqual(
        Chunk.toReadonlyArray(bytes).map((b) => new TextDecoder().decode(b)).join(""),
        "hello world"
      )
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /files": OpenAITest.json({ id: "file-1", object: "file" }),
      "GET /files/:id/content": OpenAITest.bytes([new TextEncoder().encode("hello "), new TextEncoder().encode("world")])
    }))))

  it.effect("Assistants, threads and vector stores operations send OpenAI-Beta: assistants=v2; others do not", () =>
    Effect.gen(function*() {
      yield* Beta.Threads.Messages.retrieve("thread_1", "msg_1")
      yield* VectorStores.Files.retrieve("vs_1", "file_1")
      yield* Models.retrieve("gpt-4o")
      const requests = yield* OpenAITest.requests
      assert.deepStrictEqual(requests.map((r) => r.headers["openai-beta"]), ["assistants=v2", "assistants=v2", undefined])
    }).pipe(Effect.provide(OpenAITest.layer({
      "GET /threads/:thread/messages/:message": OpenAITest.unchecked({ id: "msg_1", object: "thread.message" }),
      "GET /vector_stores/:store/files/:file": OpenAITest.unchecked({ id: "file_1", object: "vector_store.file" }),
      "GET /models/:id": OpenAITest.unchecked({ id: "gpt-4o", object: "model" })
    }))))

  it.effect("a text answer where JSON is the norm (a transcription as text) is the text itself", () =>
    Effect.gen(function*() {
      const text = yield* Audio.Transcriptions.create({
        file: new Uint8Array([82, 73, 70, 70]),
        model: "whisper-1",
        response_format: "text"
      })
      assert.strictEqual(text, "Hello there.\n")
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /audio/transcriptions": OpenAITest.text("Hello there.\n", { contentType: "text/plain; charset=utf-8" })
    }))))

  it.effect("a missing upload path fails with UploadError before sending", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Files.create({ file: NodeUploads.fromPath("/nonexistent/x.jsonl"), purpose: "batch" }))
      assert.strictEqual(error._tag, "UploadError")
      assert.strictEqual(yield* requestCount, 0)
    }).pipe(Effect.provide(OpenAITest.layer({ "POST /files": OpenAITest.json({ id: "file-1" }) }))))

  it.effect("unmatched routes answer 404 naming the request", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Models.retrieve("m"))
      assert.isTrue(Exit.isFailure(exit))
      const error = yield* Effect.flip(Models.retrieve("m"))
      assert.strictEqual(error._tag, "NotFoundError")
      assert.include(error.message, "no scripted route for GET /models/m")
    }).pipe(Effect.provide(OpenAITest.layer({}))))
})
