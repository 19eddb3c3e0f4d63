/**
 * A recording loopback server for the parity suite: every request is kept (method, path, query, headers, body,
 * multipart parts) so that a test can compare what each client put on the wire. The server is closed when the
 * test ends. Past `maxRequests` it answers 400 to everything, so a client that loops fails fast instead of
 * hanging the run.
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { onTestFinished } from "vitest"

/** One part of a `multipart/form-data` body. */
export interface Part {
  readonly name: string
  readonly filename: string | undefined
  readonly contentType: string | undefined
  readonly bytes: Buffer
}

/** One request as the server received it. */
export interface Recorded {
  readonly index: number
  readonly method: string
  /** The path without the query, as sent (percent-encoding kept). */
  readonly path: string
  /** The raw query string, without `?`. */
  readonly search: string
  readonly query: Record<string, string>
  /** Lower-cased names; repeated headers joined with `, `. */
  readonly headers: Record<string, string>
  readonly body: Buffer
  /** The body as JSON, `undefined` when empty. */
  readonly json: unknown
  /** The parts of a multipart body (empty otherwise). */
  readonly parts: ReadonlyArray<Part>
  /** Resolves when the response to this request has closed, finished or not. */
  readonly closed: Promise<void>
  /** Whether the response was ended by the server (false when the client went away first). */
  readonly finished: () => boolean
}

export type Handler = (req: Recorded, res: Http.ServerResponse) => void | Promise<void>

export interface Server {
  /** The base URL to give a client, ending in `/v1`. */
  readonly url: string
  readonly requests: Array<Recorded>
  /** Resolves when the server has received `n` requests in all. */
  readonly received: (n: number) => Promise<Recorded>
}

const quoted = (header: string, key: string): string | undefined => {
  const match = new RegExp(`(?:^|;)\\s*${key}="((?:[^"\\\\]|\\\\.)*)"`, "i").exec(header) ??
    new RegExp(`(?:^|;)\\s*${key}=([^;]*)`, "i").exec(header)
  return match === null ? undefined : match[1]!.trim()
}

/** Splits a `multipart/form-data` body into its parts. */
export const parseMultipart = (body: Buffer, contentType: string): Array<Part> => {
  const boundary = quoted(contentType, "boundary")
  if (boundary === undefined) return []
  const delimiter = Buffer.from(`--${boundary}`)
  const parts: Array<Part> = []
  let start = body.indexOf(delimiter)
  while (start !== -1) {
    const after = start + delimiter.length
    if (body.subarray(after, after + 2).toString() === "--") break
    const next = body.indexOf(delimiter, after)
    if (next === -1) break
    // Each part is CRLF, headers, CRLF CRLF, content, CRLF, then the next delimiter.
    const chunk = body.subarray(after + 2, next - 2)
    const split = chunk.indexOf("\r\n\r\n")
    const head = chunk.subarray(0, split).toString("utf8")
    const headers: Record<string, string> = {}
    for (const line of head.split("\r\n")) {
      const colon = line.indexOf(":")
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
    }
    const disposition = headers["content-disposition"] ?? ""
    parts.push({
      name: quoted(disposition, "name") ?? "",
      filename: quoted(disposition, "filename"),
      contentType: headers["content-type"],
      bytes: Buffer.from(chunk.subarray(split + 4))
    })
    start = next
  }
  return parts
}

const record = (req: Http.IncomingMessage, res: Http.ServerResponse, index: number, body: Buffer): Recorded => {
  const url = new URL(req.url ?? "/", "http://loopback")
  const headers: Record<string, string> = {}
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(", ") : value
  }
  const contentType = headers["content-type"] ?? ""
  const text = body.toString("utf8")
  const closed = new Promise<void>((resolve) => res.on("close", () => resolve()))
  return {
    index,
    method: req.method ?? "",
    path: (req.url ?? "/").split("?")[0]!,
    search: url.search.slice(1),
    query: Object.fromEntries(url.searchParams),
    headers,
    body,
    json: contentType.startsWith("application/json") && text !== "" ? JSON.parse(text) : undefined,
    parts: contentType.startsWith("multipart/form-data") ? parseMultipart(body, contentType) : [],
    closed,
    finished: () => res.writableEnded
  }
}

/** Starts a server for the current test; it is closed (with every connection) when the test ends. */
export const serve = async (handler: Handler, options: { readonly maxRequests?: number } = {}): Promise<Server> => {
  const maxRequests = options.maxRequests ?? 20
  const requests: Array<Recorded> = []
  let waiters: Array<() => void> = []
  const server = Http.createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      const recorded = record(req, res, requests.length, Buffer.concat(chunks))
      requests.push(recorded)
      const current = waiters
      waiters = []
      for (const wake of current) wake()
      if (recorded.index >= maxRequests) {
        json(res, 400, { error: { message: `parity server: request ${recorded.index + 1} is past the cap of ${maxRequests}` } })
        return
      }
      Promise.resolve(handler(recorded, res)).catch((error: unknown) => {
        if (!res.headersSent) json(res, 599, { error: { message: `parity server: handler failed: ${String(error)}` } })
        else res.destroy()
      })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  onTestFinished(() =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  )
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    received: (n) =>
      new Promise((resolve) => {
        const check = (): void => {
          if (requests.length >= n) resolve(requests[n - 1]!)
          else waiters.push(check)
        }
        check()
      })
  }
}

/** A base URL where nothing listens: a port the system gave out and took back. */
export const refusedURL = async (): Promise<string> => {
  const server = Http.createServer()
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `http://127.0.0.1:${port}/v1`
}

export const json = (res: Http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { "content-type": "application/json", ...headers })
  res.end(JSON.stringify(body))
}

/** Opens a server-sent events response; `send` writes one event, `end` closes the response. */
export const sse = (res: Http.ServerResponse, headers: Record<string, string> = {}) => {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", ...headers })
  res.flushHeaders()
  return {
    send: (data: unknown, event?: string): void => {
      res.write(`${event === undefined ? "" : `event: ${event}\n`}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`)
    },
    end: (): void => {
      res.end()
    }
  }
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** What a promise did within `ms`: settled with a value or an error, or still pending. */
export const within = async <A>(
  promise: Promise<A>,
  ms: number
): Promise<{ readonly settled: "value"; readonly value: A } | { readonly settled: "error"; readonly error: unknown } | { readonly settled: "pending" }> => {
  let timer: ReturnType<typeof setTimeout> | undefined
  const pending = new Promise<{ readonly settled: "pending" }>((resolve) => {
    timer = setTimeout(() => resolve({ settled: "pending" }), ms)
  })
  try {
    return await Promise.race([
      promise.then((value) => ({ settled: "value" as const, value }), (error: unknown) => ({ settled: "error" as const, error })),
      pending
    ])
  } finally {
    clearTimeout(timer)
  }
}

/** A logger that keeps its lines instead of printing them. */
export const collectingLogger = () => {
  const lines: Array<{ readonly level: string; readonly message: string }> = []
  const at = (level: string) => (message: string) => {
    lines.push({ level, message })
  }
  return { lines, logger: { error: at("error"), warn: at("warn"), info: at("info"), debug: at("debug") } }
}
