import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import * as Effect from "effect/Effect"

/** A loopback HTTP server for transport tests, closed with its scope. */
export interface LoopbackServer {
  readonly url: string
  /** Requests received so far. */
  readonly requests: () => number
  /** Resolves when a socket the server accepted has been closed (by either side). */
  readonly socketClosed: () => Promise<void>
  readonly sockets: () => { readonly opened: number; readonly closed: number }
}

export type Handler = (req: Http.IncomingMessage, res: Http.ServerResponse, index: number, body: string) => void

/**
 * A server for one test, closed with its scope. Past `maxRequests` (default 1,000) it answers 400 to everything,
 * so a client that loops fails its test instead of hanging the run.
 */
export const loopback = (
  handler: Handler,
  options: { readonly maxRequests?: number } = {}
): Effect.Effect<LoopbackServer, never, import("effect/Scope").Scope> =>
  Effect.acquireRelease(
    Effect.async<{ server: Http.Server; state: LoopbackServer }>((resume) => {
      let count = 0
      let opened = 0
      let closed = 0
      let waiters: Array<() => void> = []
      const maxRequests = options.maxRequests ?? 1000
      const server = Http.createServer((req, res) => {
        const index = count++
        const parts: Array<Buffer> = []
        req.on("data", (c: Buffer) => parts.push(c))
        req.on("end", () => {
          if (index >= maxRequests) {
            res.writeHead(400, { "content-type": "application/json" })
            res.end(JSON.stringify({ error: { message: `loopback server: request ${index + 1} is past the cap of ${maxRequests}` } }))
            return
          }
          handler(req, res, index, Buffer.concat(parts).toString("utf8"))
        })
      })
      server.on("connection", (socket) => {
        opened++
        socket.on("close", () => {
          closed++
          const current = waiters
          waiters = []
          for (const w of current) w()
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed({
          server,
          state: {
            url: `http://127.0.0.1:${port}/v1`,
            requests: () => count,
            socketClosed: () => new Promise<void>((resolve) => waiters.push(resolve)),
            sockets: () => ({ opened, closed })
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

/** Writes `text` in pieces of `size` bytes, yielding to the event loop between writes. */
export const writeInPieces = async (res: Http.ServerResponse, bytes: Uint8Array, size: number): Promise<void> => {
  for (let i = 0; i < bytes.length; i += size) {
    res.write(bytes.subarray(i, i + size))
    await new Promise((r) => setImmediate(r))
  }
}

export const json = (res: Http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { "content-type": "application/json", ...headers })
  res.end(JSON.stringify(body))
}
