/**
 * Loopback HTTP servers for the facade's tests: each records what it received, answers past a request cap with a
 * 400 (so a client that loops fails its test instead of hanging it), and is closed after each test by `useServers`.
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { afterEach } from "vitest"
import OpenAI, { type ClientOptions } from "@effect-openai/promise"

/** A key distinctive enough to search for in anything the client prints, throws or logs. */
export const SECRET = "sk-test-9f8e7d6c5b4a39281706fedcba"

/** One request as the server saw it. */
export interface Received {
  readonly index: number
  readonly method: string
  /** Path without the query, e.g. `/v1/models`. */
  readonly path: string
  readonly query: URLSearchParams
  readonly headers: Http.IncomingHttpHeaders
  readonly body: Buffer
  readonly text: string
  /** The body as JSON, or `undefined` when it is not JSON. */
  readonly json: any
  /** Resolves when the response is over: `finished` false means the connection closed before it was. */
  readonly closed: Promise<{ readonly finished: boolean }>
}

export type Handler = (req: Received, res: Http.ServerResponse) => void | Promise<void>

export interface TestServer {
  /** The base URL to give the client (`.../v1`). */
  readonly url: string
  readonly requests: Array<Received>
  /** How many sockets were accepted and closed so far. */
  readonly sockets: () => { readonly opened: number; readonly closed: number }
  readonly close: () => Promise<void>
}

const parse = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** Starts a server; close it yourself, or use `useServers`. */
export const startServer = (handler: Handler, options: { readonly maxRequests?: number } = {}): Promise<TestServer> =>
  new Promise((resolve) => {
    const maxRequests = options.maxRequests ?? 20
    const requests: Array<Received> = []
    let opened = 0
    let closed = 0
    const server = Http.createServer((req, res) => {
      const parts: Array<Buffer> = []
      req.on("data", (chunk: Buffer) => parts.push(chunk))
      req.on("end", () => {
        const body = Buffer.concat(parts)
        const text = body.toString("utf8")
        const url = new URL(req.url ?? "/", "http://loopback")
        const received: Received = {
          index: requests.length,
          method: req.method ?? "",
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          body,
          text,
          json: parse(text),
          closed: new Promise((done) => res.on("close", () => done({ finished: res.writableFinished })))
        }
        requests.push(received)
        if (received.index >= maxRequests) {
          json(res, 400, { error: { message: `test server: request ${received.index + 1} is past the cap of ${maxRequests}` } })
          return
        }
        Promise.resolve(handler(received, res)).catch((error) => {
          if (!res.headersSent) json(res, 599, { error: { message: `test handler failed: ${String(error)}` } })
          else res.destroy()
        })
      })
    })
    server.on("connection", (socket) => {
      opened++
      socket.on("close", () => closed++)
    })
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resolve({
        url: `http://127.0.0.1:${port}/v1`,
        requests,
        sockets: () => ({ opened, closed }),
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections()
            server.close(() => done())
          })
      })
    })
  })

/** `serve(handler)` for a test file: every server it starts is closed after each test. */
export const useServers = (): (handler: Handler, options?: { readonly maxRequests?: number }) => Promise<TestServer> => {
  const open: Array<TestServer> = []
  afterEach(async () => {
    const closing = open.splice(0)
    await Promise.all(closing.map((server) => server.close()))
  })
  return async (handler, options) => {
    const server = await startServer(handler, options)
    open.push(server)
    return server
  }
}

/** A client of `server` with the test key, no retries unless asked, and a logger that collects. */
export const clientOf = (server: TestServer, options: ClientOptions = {}): OpenAI =>
  new OpenAI({ apiKey: SECRET, baseURL: server.url, maxRetries: 0, logger: collectingLogger().logger, ...options })

export const json = (res: Http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { "content-type": "application/json", ...headers })
  res.end(JSON.stringify(body))
}

/** One server-sent event: `data:` JSON (or text as given), with an `event:` line when named. */
export const sseEvent = (data: unknown, event?: string): string =>
  `${event === undefined ? "" : `event: ${event}\n`}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`

/** Starts an event stream response. */
export const sseHead = (res: Http.ServerResponse, headers: Record<string, string> = {}): void => {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", ...headers })
  res.flushHeaders()
}

/** A whole event stream: the events, then `[DONE]` unless told otherwise. */
export const sse = (
  res: Http.ServerResponse,
  events: ReadonlyArray<unknown>,
  options: { readonly done?: boolean; readonly headers?: Record<string, string> } = {}
): void => {
  sseHead(res, options.headers)
  for (const event of events) res.write(sseEvent(event))
  res.end(options.done === false ? "" : "data: [DONE]\n\n")
}

/** A chat completion chunk carrying `content`. */
export const chunk = (content: string, index = 0) => ({
  id: "chatcmpl-1",
  object: "chat.completion.chunk",
  created: 1,
  model: "gpt-test",
  choices: [{ index, delta: { content }, finish_reason: null }]
})

export interface Collected {
  readonly logger: { error: LogFn; warn: LogFn; info: LogFn; debug: LogFn }
  /** Every call, in order: its level and arguments. */
  readonly lines: Array<{ readonly level: "error" | "warn" | "info" | "debug"; readonly args: ReadonlyArray<unknown> }>
}

type LogFn = (message: string, ...rest: Array<unknown>) => void

/** A logger that keeps what it is given instead of printing it. */
export const collectingLogger = (): Collected => {
  const lines: Collected["lines"] = []
  const at = (level: "error" | "warn" | "info" | "debug"): LogFn => (...args) => void lines.push({ level, args })
  return { lines, logger: { error: at("error"), warn: at("warn"), info: at("info"), debug: at("debug") } }
}

/** Waits `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Rejects if `promise` takes longer than `ms`: for asserting that something ends promptly. */
export const within = <A>(ms: number, promise: Promise<A>): Promise<A> =>
  new Promise<A>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`did not settle within ${ms} ms`)), ms)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error) => {
        clearTimeout(timer)
        reject(error)
      }
    )
  })

/** The rejection of `promise` (fails the test when it resolves). */
export const rejection = async (promise: PromiseLike<unknown>): Promise<any> => {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error("expected a rejection, but the promise resolved")
}
