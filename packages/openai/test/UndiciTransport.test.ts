import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer, Stream } from "effect"
import * as UndiciTransport from "../src/node/UndiciTransport.js"

/**
 * The interface a value offers: getters and methods along its prototype chain (not `Object`'s own), and its own
 * symbol keys (type ids). Own string fields are private state, not interface.
 */
const members = (value: object): Set<string | symbol> => {
  const names = new Set<string | symbol>(Object.getOwnPropertySymbols(value))
  for (let o: object | null = Object.getPrototypeOf(value); o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const key of Reflect.ownKeys(o)) if (key !== "constructor") names.add(key)
  }
  return names
}

const server = Effect.acquireRelease(
  Effect.async<Http.Server>((resume) => {
    const s = Http.createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain", "set-cookie": "a=1" })
      res.end("hello")
    })
    s.listen(0, "127.0.0.1", () => {
      resume(Effect.succeed(s))
    })
  }),
  (s) =>
    Effect.async<void>((resume) => {
      s.close(() => resume(Effect.void))
    })
)

describe("UndiciTransport", () => {
  it.scopedLive("its responses offer every member of a platform response, so a platform change fails here", () =>
    Effect.gen(function*() {
      const s = yield* server
      const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}/x`
      const client = Context.get(yield* Layer.build(UndiciTransport.layer), HttpClient.HttpClient)
      const ours = yield* client.execute(HttpClientRequest.get(url))
      const platform = HttpClientResponse.fromWeb(HttpClientRequest.get(url), new Response("x"))
      const missing = [...members(platform)].filter((name) => !members(ours).has(name))
      assert.deepStrictEqual(missing.map(String), [])
      assert.isAbove(members(platform).size, 10, "the comparison sees the platform's interface")
      assert.isTrue(HttpClientResponse.TypeId in ours)
      assert.strictEqual(ours.status, 200)
      assert.strictEqual(ours.headers["content-type"], "text/plain")
      assert.strictEqual(ours.cookies.cookies["a"]?.value, "1")
      assert.strictEqual(yield* ours.text, "hello")
    }))

  it.scopedLive("its response stream reads the body", () =>
    Effect.gen(function*() {
      const s = yield* server
      const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}/x`
      const client = Context.get(yield* Layer.build(UndiciTransport.layer), HttpClient.HttpClient)
      const response = yield* client.execute(HttpClientRequest.get(url))
      const text = yield* response.stream.pipe(Stream.decodeText(), Stream.mkString)
      assert.strictEqual(text, "hello")
    }))
})
