import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { Files, Uploads } from "@effect-openai/openai"
import { NodeUploads } from "@effect-openai/openai/node"
import { json, loopback } from "./support/server.js"
import { layerFor, transports } from "./support/transports.js"

for (const [name, httpClient] of transports) {
  const layer = layerFor(httpClient)

  describe(`transport: ${name}`, () => {
    it.scopedLive("multipart uploads from bytes, a file path and a stream reach the server intact", () =>
      Effect.gen(function*() {
        const bodies: Array<{ type: string; body: string }> = []
        const server = yield* loopback((req, res, _i, body) => {
          bodies.push({ type: String(req.headers["content-type"]), body })
          json(res, 200, { id: `file-${bodies.length}`, object: "file" })
        })
        const dir = yield* Effect.promise(() => import("node:fs/promises").then((fs) => fs.mkdtemp("/tmp/upload-")))
        const path = `${dir}/notes.jsonl`
        yield* Effect.promise(() => import("node:fs/promises").then((fs) => fs.writeFile(path, "{\"a\":1}\n".repeat(5000))))
        const inputs = [
          Uploads.toFile(new TextEncoder().encode("bytes body"), "a.txt"),
          NodeUploads.fromPath(path),
          Uploads.toFile(Stream.make(new TextEncoder().encode("streamed "), new TextEncoder().encode("body")), "s.txt")
        ]
        for (const file of inputs) {
          yield* Files.create({ file, purpose: "batch" }).pipe(Effect.provide(layer(server.url)))
        }
        assert.strictEqual(bodies.length, 3)
        assert.isTrue(bodies.every((b) => b.type.startsWith("multipart/form-data; boundary=")))
        assert.include(bodies[0]!.body, "filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nbytes body\r\n")
        assert.include(bodies[1]!.body, "filename=\"notes.jsonl\"")
        assert.strictEqual(bodies[1]!.body.split("{\"a\":1}\n").length - 1, 5000)
        assert.include(bodies[2]!.body, "streamed body")
        assert.include(bodies[2]!.body, "name=\"purpose\"\r\n\r\nbatch")
      }))
  })
}
