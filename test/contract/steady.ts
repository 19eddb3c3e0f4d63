/**
 * The Steady mock server on the spec, behind a loopback proxy that records every exchange: the request as it
 * went on the wire (method, URL, headers, body) and Steady's verdict on it (its `x-steady-*` response headers).
 *
 * Steady's verdict per request, in its response headers:
 * - `x-steady-request-valid`: `"false"` when it found an SDK issue (an E3xxx error such as a missing required
 *   field, a wrong type, an unknown property where the schema forbids one);
 * - `x-steady-error-count`: the number of diagnostics of every level, errors, warnings and infos alike: an
 *   undocumented query parameter (E3015, info) or a value out of range (E4004, info) count here while the
 *   request stays "valid";
 * - `x-steady-error-<n>-code`, `-path`, `-message`: each diagnostic (`E3015`, `query.bogus`,
 *   `Query parameter "bogus" is not defined in the spec`).
 */
import { spawn, type ChildProcess } from "node:child_process"
import * as Http from "node:http"
import { createRequire } from "node:module"
import type { AddressInfo } from "node:net"

export interface Diagnostic {
  readonly code: string
  readonly path: string
  readonly message: string
}

export interface Exchange {
  readonly method: string
  /** Path and query, as sent. */
  readonly url: string
  readonly headers: Http.IncomingHttpHeaders
  readonly body: Buffer
  readonly status: number
  readonly responseHeaders: Http.IncomingHttpHeaders
  /** Steady's `x-steady-request-valid`. */
  readonly valid: string | undefined
  /** Steady's `x-steady-error-count`. */
  readonly errorCount: number
  readonly diagnostics: ReadonlyArray<Diagnostic>
  /** For an event stream: the data events Steady sent (its closing `done` event not counted). */
  readonly events: number | undefined
}

const header = (headers: Http.IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name]
  return Array.isArray(value) ? value.join(", ") : value
}

const diagnosticsOf = (headers: Http.IncomingHttpHeaders): Array<Diagnostic> => {
  const out: Array<Diagnostic> = []
  for (let n = 1; header(headers, `x-steady-error-${n}-code`) !== undefined; n++) {
    out.push({
      code: header(headers, `x-steady-error-${n}-code`)!,
      path: header(headers, `x-steady-error-${n}-path`) ?? "",
      message: header(headers, `x-steady-error-${n}-message`) ?? ""
    })
  }
  return out
}

/**
 * Steady ends every event stream with an `event: done` / `data: {}` event of its own (its README: appended when
 * the last event is not `done`, `complete` or `end`). OpenAI ends a stream with `data: [DONE]` or a terminal event;
 * the proxy puts `data: [DONE]` in place of Steady's closing event, so the client ends the stream as it would
 * against the API, and every event it delivers is one Steady generated from the spec.
 */
const closingEvent = /(^|\n)(?:id: [^\n]*\n)?event: done\ndata: \{\}\n\n$/

const rewriteStream = (text: string): { readonly text: string; readonly events: number } => {
  const events = text.split("\n\n").filter((frame) => /^data: /m.test(frame) && !/^event: done$/m.test(frame)).length
  return { text: text.replace(closingEvent, "$1data: [DONE]\n\n"), events }
}

export interface Steady {
  /** The proxy's base URL: point the client here. */
  readonly baseURL: string
  /** The exchanges recorded since the last `take`, oldest first; recording starts afresh. */
  readonly take: () => Array<Exchange>
  readonly close: () => Promise<void>
}

const listen = (server: Http.Server): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port))
  })

const freePort = async (): Promise<number> => {
  const server = Http.createServer()
  const port = await listen(server)
  await new Promise((resolve) => server.close(resolve))
  return port
}

const startProcess = async (specPath: string, port: number): Promise<ChildProcess> => {
  const bin = createRequire(import.meta.url).resolve("@stdy/cli/steady.js")
  const child = spawn(process.execPath, [
    bin,
    "--port", String(port),
    "--host", "127.0.0.1",
    "--quiet",
    "--no-color",
    "--log-format", "text",
    // the client sends arrays and objects in bracket style, as the official SDK does
    "--validator-query-array-format=brackets",
    "--validator-query-object-format=brackets",
    "--validator-form-array-format=brackets",
    "--validator-form-object-format=brackets",
    // streamed events one after another, not 100 ms apart
    "--stream-interval=0",
    specPath
  ], { stdio: ["ignore", "pipe", "pipe"] })
  let output = ""
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Steady did not start in 60 s:\n${output}`)), 60_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      // the ready line differs by log format (and Steady picks the CI format when CI is set)
      if (/Ready to accept requests|Server listening at/i.test(output)) {
        clearTimeout(timer)
        resolve()
      }
    }
    child.stdout!.on("data", onData)
    child.stderr!.on("data", onData)
    child.on("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`Steady exited with ${code}:\n${output}`))
    })
  })
  return child
}

/** Starts Steady on the spec and the recording proxy in front of it. */
export const start = async (specPath: string): Promise<Steady> => {
  const steadyPort = await freePort()
  const child = await startProcess(specPath, steadyPort)
  const agent = new Http.Agent({ keepAlive: true })
  let recorded: Array<Exchange> = []
  const proxy = Http.createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      const body = Buffer.concat(chunks)
      const headers: Http.OutgoingHttpHeaders = { ...req.headers, host: `127.0.0.1:${steadyPort}` }
      const upstream = Http.request({
        host: "127.0.0.1",
        port: steadyPort,
        method: req.method,
        path: req.url,
        headers,
        agent
      }, (response) => {
        const parts: Array<Buffer> = []
        response.on("data", (chunk: Buffer) => parts.push(chunk))
        response.on("end", () => {
          let payload = Buffer.concat(parts)
          let events: number | undefined
          if ((header(response.headers, "content-type") ?? "").startsWith("text/event-stream")) {
            const rewritten = rewriteStream(payload.toString("utf8"))
            payload = Buffer.from(rewritten.text, "utf8")
            events = rewritten.events
          }
          recorded.push({
            method: req.method ?? "",
            url: req.url ?? "",
            headers: req.headers,
            body,
            status: response.statusCode ?? 0,
            responseHeaders: response.headers,
            valid: header(response.headers, "x-steady-request-valid"),
            errorCount: Number(header(response.headers, "x-steady-error-count") ?? "0"),
            diagnostics: diagnosticsOf(response.headers),
            events
          })
          const headers = { ...response.headers }
          delete headers["transfer-encoding"]
          delete headers["content-length"]
          res.writeHead(response.statusCode ?? 502, { ...headers, "content-length": String(payload.length) })
          res.end(payload)
        })
      })
      upstream.on("error", (error) => {
        res.writeHead(502, { "content-type": "text/plain" })
        res.end(`contract proxy: ${error.message}`)
      })
      upstream.end(body)
    })
  })
  const port = await listen(proxy)
  return {
    baseURL: `http://127.0.0.1:${port}`,
    take: () => {
      const out = recorded
      recorded = []
      return out
    },
    close: async () => {
      child.kill()
      agent.destroy()
      proxy.closeAllConnections()
      await new Promise((resolve) => proxy.close(resolve))
    }
  }
}
