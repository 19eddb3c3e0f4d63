import * as fs from "node:fs/promises"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import * as os from "node:os"
import * as nodePath from "node:path"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, TestClock } from "effect"
import type * as Scope from "effect/Scope"
import * as OpenAI from "../src/OpenAI.js"
import * as OpenAIAuth from "../src/OpenAIAuth.js"
import * as OpenAIError from "../src/OpenAIError.js"
import * as Uploads from "../src/Uploads.js"
import * as WorkloadIdentity from "../src/WorkloadIdentity.js"
import { Chat, Files, Models } from "../src/index.js"
import { chatParams, completion } from "./fixtures.js"
import { collectLogs } from "./utils.js"

// -----------------------------------------------------------------------------
// a loopback stand-in for the token endpoint, the metadata services and the API
// -----------------------------------------------------------------------------

interface Received {
  readonly method: string
  readonly path: string
  readonly query: URLSearchParams
  readonly headers: Http.IncomingHttpHeaders
  readonly body: string
}

/** An answer: `json` is sent as JSON, `text` as it is; 200 unless `status` says otherwise. */
interface Answer {
  readonly status?: number
  readonly headers?: Readonly<Record<string, string>>
  readonly json?: unknown
  readonly text?: string
}

/** Answers a request to one path; `index` counts the requests to that path, from 0. */
type Route = (request: Received, index: number) => Answer | Promise<Answer>

interface Server {
  readonly origin: string
  /** The requests received on `path` so far, in order. */
  readonly received: (path: string) => ReadonlyArray<Received>
}

/** Past this many requests everything gets a 400, so that a client that loops fails its test instead of hanging. */
const maxRequests = 1000

const serve = (routes: Readonly<Record<string, Route>>): Effect.Effect<Server, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<{ readonly server: Http.Server; readonly state: Server }>((resume) => {
      const log: Array<Received> = []
      const server = Http.createServer((req, res) => {
        const parts: Array<Buffer> = []
        req.on("data", (chunk: Buffer) => parts.push(chunk))
        req.on("end", () => {
          const url = new URL(req.url ?? "/", "http://loopback")
          const request: Received = {
            method: req.method ?? "",
            path: url.pathname,
            query: url.searchParams,
            headers: req.headers,
            body: Buffer.concat(parts).toString("utf8")
          }
          const index = log.filter((r) => r.path === request.path).length
          log.push(request)
          const route = routes[request.path]
          const answered: Promise<Answer> = log.length > maxRequests
            ? Promise.resolve({ status: 400, json: { error: { message: "loopback: too many requests" } } })
            : route === undefined
            ? Promise.resolve({ status: 404, json: { error: { message: `loopback: no route ${request.path}` } } })
            : Promise.resolve(route(request, index))
          void answered.then((answer) => {
            const text = answer.text ?? (answer.json === undefined ? "" : JSON.stringify(answer.json))
            res.writeHead(answer.status ?? 200, {
              "content-type": answer.text === undefined ? "application/json" : "text/plain",
              ...answer.headers
            })
            res.end(text)
          })
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed({
          server,
          state: {
            origin: `http://127.0.0.1:${port}`,
            received: (path) => log.filter((r) => r.path === path)
          }
        }))
      })
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map(({ state }) => state))

/** A promise the test opens when it wants a held answer to go. */
const gate = () => {
  let open!: () => void
  const opened = new Promise<void>((resolve) => {
    open = resolve
  })
  return { open, opened }
}

/** Real time, whatever the test clock: background work over real sockets needs it to move. */
const realSleep = (millis: number) => Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, millis)))

/** Waits (in real time, at most 5 s) until `check` holds. */
const eventually = (check: () => boolean, what: string) =>
  Effect.gen(function*() {
    for (let i = 0; i < 500; i++) {
      if (check()) return
      yield* realSleep(10)
    }
    assert.fail(`timed out waiting for ${what}`)
  })

const tokenPath = "/oauth/token"
const modelsPath = "/v1/models"

/** A successful exchange answer. */
const issue = (accessToken: string, expiresIn?: number): Answer => ({
  json: {
    access_token: accessToken,
    issued_token_type: "urn:ietf:params:oauth:token-type:access_token",
    token_type: "Bearer",
    ...(expiresIn === undefined ? {} : { expires_in: expiresIn })
  }
})

/** Exchanges that issue `at-1`, `at-2`, ... (one per exchange), valid for `expiresIn` seconds. */
const numbered = (expiresIn?: number): Route => (_request, index) => issue(`at-${index + 1}`, expiresIn)

const modelList: Answer = { json: { object: "list", data: [] } }

/** The models endpoint: answers 401 to the access tokens in `refused`, a list to any other. */
const models = (...refused: ReadonlyArray<string>): Route => (request) =>
  refused.some((token) => request.headers.authorization === `Bearer ${token}`)
    ? { status: 401, json: { error: { message: "token expired", type: "invalid_request_error", code: null, param: null } } }
    : modelList

const exchanged = (server: Server) => server.received(tokenPath).map((r) => JSON.parse(r.body) as Record<string, string>)
const bearers = (server: Server, path: string = modelsPath) => server.received(path).map((r) => r.headers.authorization)

const subjectToken = "subject-jwt-abc123"
const subject = WorkloadIdentity.custom({ tokenType: "jwt", getToken: Effect.succeed(subjectToken) })

/** The client with workload identity against `server`, no retries unless `settings` says so. */
const client = <R>(
  server: Server,
  options: Pick<WorkloadIdentity.Options<R>, "provider"> & Partial<WorkloadIdentity.Options<R>>,
  settings: OpenAI.Options = {}
) =>
  OpenAI.layerWithAuth(
    OpenAIAuth.layerWorkloadIdentity<R>({
      identityProviderId: "idp-123",
      serviceAccountId: "sa-456",
      tokenURL: `${server.origin}${tokenPath}`,
      ...options
    }),
    { baseURL: `${server.origin}/v1`, maxRetries: 0, ...settings }
  )

/** Every string a program could print or ship of an error. */
const renderings = (error: { readonly message: string }): ReadonlyArray<string> => [
  error.message,
  String(error),
  JSON.stringify(error),
  JSON.stringify({ ...error })
]

// -----------------------------------------------------------------------------
// the exchange
// -----------------------------------------------------------------------------

describe("token exchange", () => {
  it.scopedLive("POSTs an RFC 8693 exchange as JSON, then sends the access token as a bearer", () =>
    Effect.gen(function*() {
      const server = yield* serve({ [tokenPath]: () => issue("at-wire-1"), "/v1/chat/completions": () => ({ json: completion }) })
      yield* Chat.Completions.create(chatParams).pipe(
        Effect.provide(client(server, { provider: subject, clientId: "client-789" }))
      )
      const [exchange] = server.received(tokenPath)
      assert.strictEqual(exchange!.method, "POST")
      assert.match(exchange!.headers["content-type"]!, /^application\/json/)
      assert.strictEqual(exchange!.headers.authorization, undefined)
      assert.deepStrictEqual(JSON.parse(exchange!.body), {
        grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
        subject_token: subjectToken,
        subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
        identity_provider_id: "idp-123",
        service_account_id: "sa-456",
        client_id: "client-789"
      })
      assert.deepStrictEqual(bearers(server, "/v1/chat/completions"), ["Bearer at-wire-1"])
    }))

  it.scopedLive("an identity token is sent as id_token, and no client_id when none is given", () =>
    Effect.gen(function*() {
      const server = yield* serve({ [tokenPath]: () => issue("at-wire-2"), [modelsPath]: () => modelList })
      const provider = WorkloadIdentity.custom({ tokenType: "id", getToken: Effect.succeed("oidc-id-token-1") })
      yield* Models.list().pipe(Effect.provide(client(server, { provider })))
      assert.deepStrictEqual(exchanged(server), [{
        grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
        subject_token: "oidc-id-token-1",
        subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
        identity_provider_id: "idp-123",
        service_account_id: "sa-456"
      }])
      assert.deepStrictEqual(bearers(server), ["Bearer at-wire-2"])
    }))

  it.scopedLive("100 concurrent requests share one exchange", () =>
    Effect.gen(function*() {
      const held = gate()
      const server = yield* serve({
        [tokenPath]: async () => {
          await held.opened
          return issue("at-shared")
        },
        [modelsPath]: () => modelList
      })
      yield* Effect.gen(function*() {
        const all = yield* Effect.fork(Effect.all(Array.from({ length: 100 }, () => Models.list()), { concurrency: "unbounded" }))
        yield* eventually(() => server.received(tokenPath).length > 0, "the exchange")
        // every request has asked for a token by now; none may have started an exchange of its own
        yield* realSleep(50)
        held.open()
        yield* Fiber.join(all)
      }).pipe(Effect.provide(client(server, { provider: subject })))
      assert.strictEqual(server.received(tokenPath).length, 1)
      const sent = bearers(server)
      assert.strictEqual(sent.length, 100)
      assert.isTrue(sent.every((b) => b === "Bearer at-shared"))
    }))
})

// -----------------------------------------------------------------------------
// the cache over time (the test clock; only time is virtual, the sockets are real)
// -----------------------------------------------------------------------------

/** A token endpoint that issues `at-1` at once and holds its second answer (`at-2`) until `held` opens. */
const renewalHeld = Effect.gen(function*() {
  const held = gate()
  const server = yield* serve({
    [tokenPath]: async (_request, index) => {
      if (index === 1) await held.opened
      return issue(`at-${index + 1}`, 3600)
    },
    [modelsPath]: () => modelList
  })
  return { held, server }
})

describe("token lifetime", () => {
  it.scoped("renews 20 minutes before expiry in the background, serving the old token meanwhile", () =>
    Effect.gen(function*() {
      const { held, server } = yield* renewalHeld
      yield* Effect.gen(function*() {
        yield* Models.list()
        yield* TestClock.adjust("39 minutes")
        yield* Models.list()
        assert.strictEqual(server.received(tokenPath).length, 1, "no renewal before 40 minutes")
        yield* TestClock.adjust("1 minute")
        // the renewal is held at the token endpoint: this request must not wait for it
        yield* Models.list()
        yield* eventually(() => server.received(tokenPath).length === 2, "the background renewal")
        yield* Models.list()
        assert.deepStrictEqual(bearers(server), ["Bearer at-1", "Bearer at-1", "Bearer at-1", "Bearer at-1"])
        held.open()
        // once the renewal lands, requests carry the new token
        for (let i = 0; i < 500 && bearers(server).at(-1) !== "Bearer at-2"; i++) {
          yield* realSleep(10)
          yield* Models.list()
        }
      }).pipe(Effect.provide(client(server, { provider: subject, refreshBuffer: "20 minutes" })))
      assert.strictEqual(server.received(tokenPath).length, 2)
      const sent = bearers(server)
      // the old token until the renewal landed, the new one from then on
      assert.deepStrictEqual(sent.slice(0, 4), ["Bearer at-1", "Bearer at-1", "Bearer at-1", "Bearer at-1"])
      assert.strictEqual(sent.at(-1), "Bearer at-2")
    }))

  it.scoped("the buffer is capped at half the lifetime: a 600 s token renews at 300 s", () =>
    Effect.gen(function*() {
      const server = yield* serve({ [tokenPath]: numbered(600), [modelsPath]: () => modelList })
      yield* Effect.gen(function*() {
        yield* Models.list()
        yield* Models.list()
        yield* TestClock.adjust("299 seconds")
        yield* Models.list()
        assert.strictEqual(server.received(tokenPath).length, 1, "no renewal before half the lifetime")
        yield* TestClock.adjust("1 second")
        yield* Models.list()
        yield* eventually(() => server.received(tokenPath).length === 2, "the renewal at 300 s")
      }).pipe(Effect.provide(client(server, { provider: subject })))
      assert.deepStrictEqual(bearers(server), ["Bearer at-1", "Bearer at-1", "Bearer at-1", "Bearer at-1"])
    }))

  it.scoped("without expires_in a token lives 3600 s: renewed from 40 minutes on", () =>
    Effect.gen(function*() {
      const server = yield* serve({ [tokenPath]: numbered(), [modelsPath]: () => modelList })
      yield* Effect.gen(function*() {
        yield* Models.list()
        yield* TestClock.adjust("2399 seconds")
        yield* Models.list()
        assert.strictEqual(server.received(tokenPath).length, 1)
        yield* TestClock.adjust("1 second")
        yield* Models.list()
        yield* eventually(() => server.received(tokenPath).length === 2, "the renewal at 2400 s")
      }).pipe(Effect.provide(client(server, { provider: subject })))
      assert.deepStrictEqual(bearers(server), ["Bearer at-1", "Bearer at-1", "Bearer at-1"])
    }))

  it.scoped("an expired token is not sent: the request waits for the exchange", () =>
    Effect.gen(function*() {
      const { held, server } = yield* renewalHeld
      yield* Effect.gen(function*() {
        yield* Models.list()
        yield* TestClock.adjust("1 hour")
        const waiting = yield* Effect.fork(Models.list())
        yield* eventually(() => server.received(tokenPath).length === 2, "the exchange")
        yield* realSleep(20)
        assert.deepStrictEqual(bearers(server), ["Bearer at-1"], "nothing is sent while the exchange is held")
        assert.strictEqual((yield* Fiber.poll(waiting))._tag, "None", "the request waits")
        held.open()
        yield* Fiber.join(waiting)
      }).pipe(Effect.provide(client(server, { provider: subject })))
      assert.deepStrictEqual(bearers(server), ["Bearer at-1", "Bearer at-2"])
    }))

  it.scoped("a failed background renewal keeps the token serving and is tried again after 30 s", () =>
    Effect.gen(function*() {
      const server = yield* serve({
        [tokenPath]: (_request, index) =>
          index === 1 ? { status: 503, json: { error: { message: "busy" } } } : issue(`at-${index + 1}`, 3600),
        [modelsPath]: () => modelList
      })
      yield* Effect.gen(function*() {
        yield* Models.list()
        yield* TestClock.adjust("40 minutes")
        yield* Models.list()
        yield* eventually(() => server.received(tokenPath).length === 2, "the failed renewal")
        yield* realSleep(20)
        yield* TestClock.adjust("29 seconds")
        yield* Models.list()
        yield* realSleep(20)
        assert.strictEqual(server.received(tokenPath).length, 2, "no new try within 30 s")
        yield* TestClock.adjust("1 second")
        yield* Models.list()
        yield* eventually(() => server.received(tokenPath).length === 3, "the second renewal")
      }).pipe(Effect.provide(client(server, { provider: subject })))
      assert.deepStrictEqual(bearers(server), ["Bearer at-1", "Bearer at-1", "Bearer at-1", "Bearer at-1"])
    }))
})

// -----------------------------------------------------------------------------
// 401: the token is dropped and the request replayed once
// -----------------------------------------------------------------------------

describe("401", () => {
  it.scopedLive("drops the refused token, exchanges once more and replays the request with the new token", () =>
    Effect.gen(function*() {
      const path = "/v1/chat/completions"
      const server = yield* serve({
        [tokenPath]: numbered(),
        [path]: (request) =>
          request.headers.authorization === "Bearer at-1"
            ? { status: 401, json: { error: { message: "expired" } } }
            : { json: completion }
      })
      const result = yield* Chat.Completions.create(chatParams).pipe(Effect.provide(client(server, { provider: subject })))
      assert.strictEqual(result.id, completion.id)
      assert.strictEqual(server.received(tokenPath).length, 2)
      assert.deepStrictEqual(bearers(server, path), ["Bearer at-1", "Bearer at-2"])
      const [first, replay] = server.received(path)
      assert.deepStrictEqual(JSON.parse(replay!.body), JSON.parse(first!.body))
    }))

  it.scopedLive("a 401 to the replay is final: AuthenticationError, no loop", () =>
    Effect.gen(function*() {
      const server = yield* serve({ [tokenPath]: numbered(), [modelsPath]: models("at-1", "at-2", "at-3") })
      const error = yield* Effect.flip(Models.list()).pipe(
        Effect.provide(client(server, { provider: subject }, { maxRetries: 2 }))
      )
      assert.strictEqual(error._tag, "AuthenticationError")
      assert.deepStrictEqual(bearers(server), ["Bearer at-1", "Bearer at-2"])
      assert.strictEqual(server.received(tokenPath).length, 2)
      assert.notInclude(JSON.stringify(error), "at-2")
    }))

  it.scopedLive("concurrent 401s to the same token cause one exchange, even when they land after the renewal", () =>
    Effect.gen(function*() {
      const held = gate()
      const renewed = gate()
      const server = yield* serve({
        [tokenPath]: async (_request, index) => {
          if (index === 0) await held.opened
          return issue(`at-${index + 1}`)
        },
        // the first 401 goes at once; the others only once the renewed token has been used, so that they
        // reach the cache after the renewal and must not drop the new token
        [modelsPath]: async (request, index) => {
          if (request.headers.authorization !== "Bearer at-1") {
            renewed.open()
            return modelList
          }
          if (index > 0) await renewed.opened
          return { status: 401, json: { error: { message: "expired" } } }
        }
      })
      yield* Effect.gen(function*() {
        const all = yield* Effect.fork(Effect.all(Array.from({ length: 10 }, () => Models.list()), { concurrency: "unbounded" }))
        yield* eventually(() => server.received(tokenPath).length > 0, "the first exchange")
        yield* realSleep(20)
        held.open()
        yield* Fiber.join(all)
      }).pipe(Effect.provide(client(server, { provider: subject })))
      assert.strictEqual(server.received(tokenPath).length, 2)
      const sent = bearers(server)
      assert.strictEqual(sent.filter((b) => b === "Bearer at-1").length, 10)
      assert.strictEqual(sent.filter((b) => b === "Bearer at-2").length, 10)
      assert.strictEqual(sent.length, 20)
    }))

  it.scopedLive("an upload that can be read only once is not replayed: its 401 is final, and drops the token", () =>
    Effect.gen(function*() {
      const path = "/v1/files"
      const server = yield* serve({
        [tokenPath]: numbered(),
        [path]: (request) =>
          request.headers.authorization === "Bearer at-1"
            ? { status: 401, json: { error: { message: "expired" } } }
            : { json: { id: "file-1", object: "file" } }
      })
      const line = new TextEncoder().encode("{\"a\":1}\n")
      async function* chunks() {
        yield line
      }
      const upload = () => Uploads.toFile(chunks(), "batch.jsonl")
      assert.isTrue(upload().oneShot)
      const [error, next] = yield* Effect.all([
        Effect.flip(Files.create({ file: upload(), purpose: "batch" })),
        Effect.suspend(() => Files.create({ file: upload(), purpose: "batch" }))
      ]).pipe(Effect.provide(client(server, { provider: subject })))
      assert.strictEqual(error._tag, "AuthenticationError")
      assert.strictEqual(next.id, "file-1")
      // The refused upload went once; the token it used was dropped, so the next request exchanged a fresh one.
      assert.deepStrictEqual(bearers(server, path), ["Bearer at-1", "Bearer at-2"])
      assert.include(server.received(path)[0]!.body, "{\"a\":1}\n", "the stream was sent, once")
      assert.strictEqual(server.received(tokenPath).length, 2)
    }))

  it.scopedLive("bytes in memory are replayed after a 401, with the same body", () =>
    Effect.gen(function*() {
      const path = "/v1/files"
      const server = yield* serve({
        [tokenPath]: numbered(),
        [path]: (request) =>
          request.headers.authorization === "Bearer at-1"
            ? { status: 401, json: { error: { message: "expired" } } }
            : { json: { id: "file-1", object: "file" } }
      })
      const file = yield* Files.create({
        file: Uploads.toFile(new TextEncoder().encode("{\"a\":1}\n"), "batch.jsonl"),
        purpose: "batch"
      }).pipe(Effect.provide(client(server, { provider: subject })))
      assert.strictEqual(file.id, "file-1")
      const [first, replay] = server.received(path)
      assert.deepStrictEqual(bearers(server, path), ["Bearer at-1", "Bearer at-2"])
      assert.include(replay!.body, "{\"a\":1}\n")
      assert.strictEqual(replay!.body.length, first!.body.length)
    }))
})

// -----------------------------------------------------------------------------
// errors of the exchange
// -----------------------------------------------------------------------------

const expectOAuthError = (error: OpenAIError.OpenAIError): OpenAIError.OAuthError => {
  assert.strictEqual(error._tag, "OAuthError")
  return error as OpenAIError.OAuthError
}

describe("exchange errors", () => {
  it.scopedLive("a refused exchange is an OAuthError with the OAuth error fields", () =>
    Effect.gen(function*() {
      const server = yield* serve({
        [tokenPath]: () => ({
          status: 400,
          json: { error: "invalid_grant", error_description: "the identity provider is not trusted" }
        }),
        [modelsPath]: () => modelList
      })
      const error = expectOAuthError(
        yield* Effect.flip(Models.list()).pipe(Effect.provide(client(server, { provider: subject }, { maxRetries: 2 })))
      )
      assert.strictEqual(error.status, 400)
      assert.strictEqual(error.errorCode, "invalid_grant")
      assert.strictEqual(error.error_code, "invalid_grant")
      assert.strictEqual(error.errorDescription, "the identity provider is not trusted")
      assert.include(error.message, "invalid_grant")
      assert.include(error.message, "the identity provider is not trusted")
      assert.strictEqual(server.received(tokenPath).length, 1, "a refused exchange is not retried")
      assert.strictEqual(server.received(modelsPath).length, 0)
    }))

  it.scopedLive("a subject token echoed by the endpoint never shows in the error", () =>
    Effect.gen(function*() {
      const server = yield* serve({
        [tokenPath]: () => ({
          status: 401,
          headers: { "x-echo": `subject=${subjectToken}` },
          json: { error: "invalid_grant", error_description: `subject token ${subjectToken} has expired` }
        })
      })
      const error = expectOAuthError(yield* Effect.flip(Models.list()).pipe(Effect.provide(client(server, { provider: subject }))))
      assert.strictEqual(error.status, 401)
      assert.strictEqual(error.errorDescription, "subject token <redacted> has expired")
      assert.strictEqual(error.headers["x-echo"], "subject=<redacted>")
      for (const text of [...renderings(error), JSON.stringify(error.body), JSON.stringify(error.headers)]) {
        assert.notInclude(text, subjectToken)
      }
    }))

  for (
    const [transport, httpClient] of [
      ["undici", undefined],
      ["fetch", FetchHttpClient.layer]
    ] as const
  ) {
    it.scopedLive(`a redirect from the token endpoint is refused, not followed (${transport})`, () =>
      Effect.gen(function*() {
        const server = yield* serve({
          [tokenPath]: () => ({ status: 302, headers: { location: "/elsewhere/token" }, text: "" }),
          "/elsewhere/token": () => issue("at-elsewhere")
        })
        const error = expectOAuthError(
          yield* Effect.flip(Models.list()).pipe(
            Effect.provide(client(server, { provider: subject }, httpClient === undefined ? {} : { httpClient }))
          )
        )
        assert.strictEqual(error.status, 302)
        assert.include(error.message, "redirect")
        assert.strictEqual(server.received("/elsewhere/token").length, 0)
        assert.strictEqual(server.received(modelsPath).length, 0)
      }))
  }

  it.scopedLive("a 200 without an access_token is an OAuthError that keeps none of the answer", () =>
    Effect.gen(function*() {
      const server = yield* serve({
        [tokenPath]: () => ({ json: { token_type: "Bearer", refresh_token: "rt-secret-123456" } })
      })
      const error = expectOAuthError(yield* Effect.flip(Models.list()).pipe(Effect.provide(client(server, { provider: subject }))))
      assert.strictEqual(error.status, 200)
      assert.include(error.message, "access_token")
      assert.isUndefined(error.body)
      assert.isUndefined(error.errorCode)
      for (const text of renderings(error)) assert.notInclude(text, "rt-secret-123456")
      assert.strictEqual(server.received(modelsPath).length, 0)
    }))

  it.scopedLive("a 5xx from the token endpoint is an ordinary status error (redacted too)", () =>
    Effect.gen(function*() {
      const server = yield* serve({
        [tokenPath]: () => ({ status: 500, json: { error: { message: `cannot verify ${subjectToken}` } } })
      })
      const logs = collectLogs()
      const error = yield* Effect.flip(Models.list()).pipe(
        Effect.provide(client(server, { provider: subject })),
        Effect.provide(logs.layer)
      )
      assert.strictEqual(error._tag, "InternalServerError")
      assert.strictEqual((error as OpenAIError.InternalServerError).status, 500)
      for (const text of renderings(error)) assert.notInclude(text, subjectToken)
      // the client's warning about the failure is redacted as well
      assert.include(JSON.stringify(logs.lines), "cannot verify <redacted>")
      assert.notInclude(JSON.stringify(logs.lines), subjectToken)
    }))

  it.scoped("a 5xx from the token endpoint is retried like any request", () =>
    Effect.gen(function*() {
      const server = yield* serve({
        [tokenPath]: (_request, index) => (index === 0 ? { status: 503, json: { error: { message: "busy" } } } : issue("at-2")),
        [modelsPath]: () => modelList
      })
      yield* Effect.gen(function*() {
        const fiber = yield* Effect.fork(Models.list())
        // the backoff sleeps on the test clock: move it until the request is done
        for (let i = 0; i < 500 && (yield* Fiber.poll(fiber))._tag === "None"; i++) {
          yield* realSleep(5)
          yield* TestClock.adjust("1 second")
        }
        yield* Fiber.join(fiber)
      }).pipe(Effect.provide(client(server, { provider: subject }, { maxRetries: 1 })))
      assert.strictEqual(server.received(tokenPath).length, 2)
      assert.deepStrictEqual(bearers(server), ["Bearer at-2"])
    }))
})

// -----------------------------------------------------------------------------
// providers
// -----------------------------------------------------------------------------

const azurePath = "/metadata/identity/oauth2/token"
const gcpPath = "/computeMetadata/v1/instance/service-accounts/default/identity"

/** A temporary directory, removed when the scope closes. */
const tempDir = Effect.acquireRelease(
  Effect.promise(() => fs.mkdtemp(nodePath.join(os.tmpdir(), "effect-openai-wi-"))),
  (dir) => Effect.promise(() => fs.rm(dir, { recursive: true, force: true }))
)

const expectProviderError = (error: OpenAIError.OpenAIError, provider: string): OpenAIError.SubjectTokenProviderError => {
  assert.strictEqual(error._tag, "SubjectTokenProviderError")
  const failure = error as OpenAIError.SubjectTokenProviderError
  assert.strictEqual(failure.provider, provider)
  return failure
}

describe("Azure managed identity", () => {
  it.scopedLive("GETs IMDS with the defaults and Metadata: true, and exchanges its access_token as a JWT", () =>
    Effect.gen(function*() {
      const server = yield* serve({
        [azurePath]: () => ({ json: { access_token: "azure-mi-token-1", expires_in: "3599", token_type: "Bearer" } }),
        [tokenPath]: numbered(),
        [modelsPath]: () => modelList
      })
      const provider = WorkloadIdentity.azureManagedIdentity({ url: `${server.origin}${azurePath}` })
      assert.strictEqual(provider.name, "azure-managed-identity")
      yield* Models.list().pipe(Effect.provide(client(server, { provider })))
      const [imds] = server.received(azurePath)
      assert.strictEqual(imds!.method, "GET")
      assert.strictEqual(imds!.headers.metadata, "true")
      assert.deepStrictEqual(Object.fromEntries(imds!.query), {
        "api-version": "2018-02-01",
        resource: "https://management.azure.com/"
      })
      const [exchange] = exchanged(server)
      assert.strictEqual(exchange!.subject_token, "azure-mi-token-1")
      assert.strictEqual(exchange!.subject_token_type, "urn:ietf:params:oauth:token-type:jwt")
      assert.deepStrictEqual(bearers(server), ["Bearer at-1"])
    }))

  it.scopedLive("sends the chosen identity, resource and api-version", () =>
    Effect.gen(function*() {
      const server = yield* serve({
        [azurePath]: () => ({ json: { access_token: "azure-mi-token-2" } }),
        [tokenPath]: numbered(),
        [modelsPath]: () => modelList
      })
      const provider = WorkloadIdentity.azureManagedIdentity({
        url: `${server.origin}${azurePath}`,
        resource: "api://openai-workload",
        apiVersion: "2019-08-01",
        clientId: "cid-1",
        objectId: "oid-2",
        msiResId: "/subscriptions/s/resourceGroups/g/providers/x/identities/i"
      })
      yield* Models.list().pipe(Effect.provide(client(server, { provider })))
      assert.deepStrictEqual(Object.fromEntries(server.received(azurePath)[0]!.query), {
        "api-version": "2019-08-01",
        resource: "api://openai-workload",
        client_id: "cid-1",
        object_id: "oid-2",
        msi_res_id: "/subscriptions/s/resourceGroups/g/providers/x/identities/i"
      })
      assert.strictEqual(exchanged(server)[0]!.subject_token, "azure-mi-token-2")
    }))

  it.scopedLive("IMDS answering 500 is a SubjectTokenProviderError; nothing is exchanged", () =>
    Effect.gen(function*() {
      const server = yield* serve({
        [azurePath]: () => ({ status: 500, json: { error: "unavailable" } }),
        [tokenPath]: numbered()
      })
      const provider = WorkloadIdentity.azureManagedIdentity({ url: `${server.origin}${azurePath}` })
      const error = expectProviderError(
        yield* Effect.flip(Models.list()).pipe(Effect.provide(client(server, { provider }))),
        "azure-managed-identity"
      )
      assert.include(error.message, "500")
      assert.strictEqual(server.received(tokenPath).length, 0)
      assert.strictEqual(server.received(modelsPath).length, 0)
    }))

  it.scopedLive("an IMDS answer without access_token is a SubjectTokenProviderError", () =>
    Effect.gen(function*() {
      const server = yield* serve({ [azurePath]: () => ({ json: { token_type: "Bearer" } }), [tokenPath]: numbered() })
      const provider = WorkloadIdentity.azureManagedIdentity({ url: `${server.origin}${azurePath}` })
      const error = expectProviderError(
        yield* Effect.flip(Models.list()).pipe(Effect.provide(client(server, { provider }))),
        "azure-managed-identity"
      )
      assert.include(error.message, "access_token")
      assert.strictEqual(server.received(tokenPath).length, 0)
    }))
})

describe("GCP", () => {
  it.scopedLive("GETs the identity with the default audience and Metadata-Flavor: Google; the body is an id token", () =>
    Effect.gen(function*() {
      const server = yield* serve({
        [gcpPath]: () => ({ text: "gcp-identity-token-1\n" }),
        [tokenPath]: numbered(),
        [modelsPath]: () => modelList
      })
      const provider = WorkloadIdentity.gcp({ url: `${server.origin}${gcpPath}` })
      assert.strictEqual(provider.name, "gcp")
      assert.strictEqual(provider.tokenType, "id")
      yield* Models.list().pipe(Effect.provide(client(server, { provider })))
      const [metadata] = server.received(gcpPath)
      assert.strictEqual(metadata!.method, "GET")
      assert.strictEqual(metadata!.headers["metadata-flavor"], "Google")
      assert.deepStrictEqual(Object.fromEntries(metadata!.query), { audience: "https://api.openai.com/v1" })
      const [exchange] = exchanged(server)
      assert.strictEqual(exchange!.subject_token, "gcp-identity-token-1")
      assert.strictEqual(exchange!.subject_token_type, "urn:ietf:params:oauth:token-type:id_token")
      assert.deepStrictEqual(bearers(server), ["Bearer at-1"])
    }))

  it.scopedLive("asks for the given audience", () =>
    Effect.gen(function*() {
      const server = yield* serve({
        [gcpPath]: () => ({ text: "gcp-identity-token-2" }),
        [tokenPath]: numbered(),
        [modelsPath]: () => modelList
      })
      const provider = WorkloadIdentity.gcp({ url: `${server.origin}${gcpPath}`, audience: "https://openai.example/aud" })
      yield* Models.list().pipe(Effect.provide(client(server, { provider })))
      assert.strictEqual(server.received(gcpPath)[0]!.query.get("audience"), "https://openai.example/aud")
    }))

  it.scopedLive("an empty identity is a SubjectTokenProviderError", () =>
    Effect.gen(function*() {
      const server = yield* serve({ [gcpPath]: () => ({ text: "" }), [tokenPath]: numbered() })
      const provider = WorkloadIdentity.gcp({ url: `${server.origin}${gcpPath}` })
      const error = expectProviderError(
        yield* Effect.flip(Models.list()).pipe(Effect.provide(client(server, { provider }))),
        "gcp"
      )
      assert.include(error.message, "empty")
      assert.strictEqual(server.received(tokenPath).length, 0)
    }))
})

describe("Kubernetes", () => {
  it.scoped("reads the service-account token file before every exchange, so a rotated token is used", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const path = nodePath.join(dir, "token")
      yield* Effect.promise(() => fs.writeFile(path, "k8s-jwt-one\n"))
      const server = yield* serve({ [tokenPath]: numbered(3600), [modelsPath]: () => modelList })
      const provider = WorkloadIdentity.kubernetes({ path })
      assert.strictEqual(provider.tokenType, "jwt")
      yield* Effect.gen(function*() {
        yield* Models.list()
        yield* Effect.promise(() => fs.writeFile(path, "k8s-jwt-two\n"))
        yield* TestClock.adjust("1 hour")
        yield* Models.list()
      }).pipe(Effect.provide(client(server, { provider }).pipe(Layer.provide(NodeFileSystem.layer))))
      assert.deepStrictEqual(exchanged(server).map((e) => e.subject_token), ["k8s-jwt-one", "k8s-jwt-two"])
      assert.deepStrictEqual(exchanged(server).map((e) => e.subject_token_type), [
        "urn:ietf:params:oauth:token-type:jwt",
        "urn:ietf:params:oauth:token-type:jwt"
      ])
      assert.deepStrictEqual(bearers(server), ["Bearer at-1", "Bearer at-2"])
    }))

  it.scopedLive("a missing token file is a SubjectTokenProviderError naming the path", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const path = nodePath.join(dir, "no-such-token")
      const server = yield* serve({ [tokenPath]: numbered() })
      const error = expectProviderError(
        yield* Effect.flip(Models.list()).pipe(
          Effect.provide(client(server, { provider: WorkloadIdentity.kubernetes({ path }) }).pipe(Layer.provide(NodeFileSystem.layer)))
        ),
        "kubernetes"
      )
      assert.include(error.message, path)
      assert.strictEqual(server.received(tokenPath).length, 0)
    }))

  it.scopedLive("an empty token file is a SubjectTokenProviderError", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const path = nodePath.join(dir, "token")
      yield* Effect.promise(() => fs.writeFile(path, "  \n"))
      const server = yield* serve({ [tokenPath]: numbered() })
      const error = expectProviderError(
        yield* Effect.flip(Models.list()).pipe(
          Effect.provide(client(server, { provider: WorkloadIdentity.kubernetes({ path }) }).pipe(Layer.provide(NodeFileSystem.layer)))
        ),
        "kubernetes"
      )
      assert.include(error.message, "empty")
      assert.strictEqual(server.received(tokenPath).length, 0)
    }))
})

describe("custom", () => {
  it.scopedLive("a failing effect is a SubjectTokenProviderError named after the provider, with its cause", () =>
    Effect.gen(function*() {
      const server = yield* serve({ [tokenPath]: numbered() })
      const cause = new Error("vault is sealed")
      const provider = WorkloadIdentity.custom({ tokenType: "jwt", name: "vault", getToken: Effect.fail(cause) })
      const error = expectProviderError(
        yield* Effect.flip(Models.list()).pipe(Effect.provide(client(server, { provider }, { maxRetries: 2 }))),
        "vault"
      )
      assert.include(error.message, "vault is sealed")
      assert.strictEqual(error.cause, cause)
      assert.strictEqual(server.received(tokenPath).length, 0)
    }))

  it.scoped("a provider that never answers fails the exchange after 60 s, and the next request exchanges again", () =>
    Effect.gen(function*() {
      let calls = 0
      const server = yield* serve({ [tokenPath]: numbered(), [modelsPath]: () => modelList })
      const provider = WorkloadIdentity.custom({
        tokenType: "jwt",
        getToken: Effect.suspend(() => ++calls === 1 ? Effect.never : Effect.succeed("subject-after-hang"))
      })
      yield* Effect.gen(function*() {
        const fiber = yield* Effect.fork(Effect.flip(Models.list()))
        yield* realSleep(20)
        yield* TestClock.adjust("59 seconds")
        yield* realSleep(20)
        assert.strictEqual((yield* Fiber.poll(fiber))._tag, "None", "the exchange may take up to 60 s")
        yield* TestClock.adjust("1 second")
        const error = yield* Fiber.join(fiber)
        assert.strictEqual(error._tag, "APIConnectionTimeoutError")
        assert.include(error.message, "timed out")
        // the hung exchange is not left in flight: the next request starts a new one
        yield* Models.list()
      }).pipe(Effect.provide(client(server, { provider })))
      assert.strictEqual(calls, 2)
      assert.deepStrictEqual(exchanged(server).map((e) => e.subject_token), ["subject-after-hang"])
      assert.deepStrictEqual(bearers(server), ["Bearer at-1"])
    }))

  it.scopedLive("an empty token is a SubjectTokenProviderError; the default name is custom", () =>
    Effect.gen(function*() {
      const server = yield* serve({ [tokenPath]: numbered() })
      const provider = WorkloadIdentity.custom({ tokenType: "id", getToken: Effect.succeed("   ") })
      const error = expectProviderError(
        yield* Effect.flip(Models.list()).pipe(Effect.provide(client(server, { provider }))),
        "custom"
      )
      assert.include(error.message, "no token")
      assert.strictEqual(server.received(tokenPath).length, 0)
    }))

  it.scopedLive("the provider is asked again for every exchange", () =>
    Effect.gen(function*() {
      let calls = 0
      const server = yield* serve({ [tokenPath]: numbered(), [modelsPath]: models("at-1") })
      const provider = WorkloadIdentity.custom({
        tokenType: "jwt",
        getToken: Effect.sync(() => `rotating-subject-${++calls}`)
      })
      yield* Models.list().pipe(Effect.provide(client(server, { provider })))
      assert.deepStrictEqual(exchanged(server).map((e) => e.subject_token), ["rotating-subject-1", "rotating-subject-2"])
    }))
})
