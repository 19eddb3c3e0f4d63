/**
 * Errors as users catch them: the class for each status, the official fields, `instanceof` chains, our finer
 * classes as subclasses of the nearest official one, and arguments refused before anything is sent.
 */
import { describe, expect, it } from "vitest"
import OpenAI, {
  APIConnectionError,
  APIError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  InsufficientQuotaError,
  InternalServerError,
  InvalidInputError,
  NotFoundError,
  OpenAIError,
  PermissionDeniedError,
  RateLimitError,
  ResponseDecodeError,
  StreamError,
  StreamTruncatedError,
  UnprocessableEntityError
} from "@effect-openai/promise"
import { clientOf, json, rejection, startServer, useServers } from "./support/server.js"

const serve = useServers()

const errorBody = (message: string) => ({
  error: { message, type: "invalid_request_error", param: "model", code: "model_not_found" }
})

/** The error of a call answered with `status` and the usual error body. */
const errorFor = async (status: number, body: unknown = errorBody("it went wrong")) => {
  const server = await serve((_req, res) => json(res, status, body, { "x-request-id": `req_${status}`, "x-extra": "e" }))
  return rejection(clientOf(server).models.retrieve("m"))
}

describe("status to class", () => {
  const table: ReadonlyArray<readonly [number, new(...args: Array<any>) => APIError, string]> = [
    [400, BadRequestError, "BadRequestError"],
    [401, AuthenticationError, "AuthenticationError"],
    [403, PermissionDeniedError, "PermissionDeniedError"],
    [404, NotFoundError, "NotFoundError"],
    [409, ConflictError, "ConflictError"],
    [422, UnprocessableEntityError, "UnprocessableEntityError"],
    [429, RateLimitError, "RateLimitError"],
    [500, InternalServerError, "InternalServerError"],
    [503, InternalServerError, "InternalServerError"],
    [418, APIError, "APIError"]
  ]

  for (const [status, Class, name] of table) {
    it(`${status} is ${name}`, async () => {
      const error = await errorFor(status)
      expect(error.constructor).toBe(Class)
      expect(error.name).toBe(name)
      expect(error).toBeInstanceOf(APIError)
      expect(error).toBeInstanceOf(OpenAIError)
      expect(error).toBeInstanceOf(Error)
      expect(error.status).toBe(status)
      expect(String(error)).toBe(`${name}: ${status} it went wrong`)
    })
  }

  it("the classes are reachable from the client class too", () => {
    expect(OpenAI.NotFoundError).toBe(NotFoundError)
    expect(OpenAI.APIError).toBe(APIError)
    expect(OpenAI.OpenAIError).toBe(OpenAIError)
    expect(OpenAI.RateLimitError).toBe(RateLimitError)
  })
})

describe("fields", () => {
  it("status, headers, error, code, param, type, requestID and message", async () => {
    const error = await errorFor(404, errorBody("The model `m` does not exist"))
    expect(error).toBeInstanceOf(OpenAI.NotFoundError)
    expect(error).toBeInstanceOf(OpenAI.APIError)
    expect(error.status).toBe(404)
    expect(error.headers).toBeInstanceOf(Headers)
    expect(error.headers.get("x-extra")).toBe("e")
    expect(error.headers.get("content-type")).toBe("application/json")
    expect(error.error).toEqual(errorBody("The model `m` does not exist").error)
    expect(error.code).toBe("model_not_found")
    expect(error.param).toBe("model")
    expect(error.type).toBe("invalid_request_error")
    expect(error.requestID).toBe("req_404")
    expect(error.message).toBe("404 The model `m` does not exist")
  })

  it("a body that is not JSON gives its text as the message", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(502, { "content-type": "text/plain" })
      res.end("upstream unavailable")
    })
    const error = await rejection(clientOf(server).models.retrieve("m"))
    expect(error).toBeInstanceOf(InternalServerError)
    expect(error.message).toBe("502 upstream unavailable")
    expect(error.error).toBeUndefined()
  })

  it("an error without a body still says its status", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(409)
      res.end()
    })
    const error = await rejection(clientOf(server).models.retrieve("m"))
    expect(error).toBeInstanceOf(ConflictError)
    expect(error.message).toMatch(/^409\b/)
  })
})

describe("our finer classes are subclasses of the official ones", () => {
  it("InsufficientQuotaError: a 429 whose code is insufficient_quota, a RateLimitError, not retried", async () => {
    const server = await serve((_req, res) =>
      json(res, 429, { error: { message: "You exceeded your quota", type: "insufficient_quota", code: "insufficient_quota" } }, {
        "retry-after-ms": "1"
      })
    )
    const error = await rejection(clientOf(server, { maxRetries: 2 }).models.retrieve("m"))
    expect(error).toBeInstanceOf(InsufficientQuotaError)
    expect(error).toBeInstanceOf(RateLimitError)
    expect(error.name).toBe("InsufficientQuotaError")
    expect(error.status).toBe(429)
    expect(error.code).toBe("insufficient_quota")
    expect(server.requests).toHaveLength(1)
  })

  it("an ordinary 429 is a plain RateLimitError and is retried", async () => {
    const server = await serve((_req, res) =>
      json(res, 429, { error: { message: "slow down", type: "requests", code: "rate_limit_exceeded" } }, { "retry-after-ms": "1" })
    )
    const error = await rejection(clientOf(server, { maxRetries: 2 }).models.retrieve("m"))
    expect(error.constructor).toBe(RateLimitError)
    expect(server.requests).toHaveLength(3)
  })

  it("ResponseDecodeError: a body that is not valid JSON, an APIError carrying the raw text", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" })
      res.end("{\"id\": \"m\", oops")
    })
    const error = await rejection(clientOf(server).models.retrieve("m"))
    expect(error).toBeInstanceOf(ResponseDecodeError)
    expect(error).toBeInstanceOf(APIError)
    expect(error.name).toBe("ResponseDecodeError")
    expect(error.status).toBe(200)
    expect(error.body).toContain("oops")
  })

  it("StreamTruncatedError is an APIConnectionError, StreamError an APIError", () => {
    expect(StreamTruncatedError.prototype).toBeInstanceOf(APIConnectionError)
    expect(StreamError.prototype).toBeInstanceOf(APIError)
    expect(StreamError.prototype).not.toBeInstanceOf(APIConnectionError)
  })
})

describe("no response at all", () => {
  it("a refused connection is APIConnectionError", async () => {
    const server = await startServer(() => {})
    await server.close()
    const error = await rejection(clientOf(server).models.retrieve("m"))
    expect(error).toBeInstanceOf(APIConnectionError)
    expect(error.name).toBe("APIConnectionError")
    expect(error.status).toBeUndefined()
    expect(error.headers).toBeUndefined()
  })

  it("a connection reset before the answer is APIConnectionError", async () => {
    const server = await serve((_req, res) => {
      res.socket?.destroy()
    })
    const error = await rejection(clientOf(server).models.retrieve("m"))
    expect(error).toBeInstanceOf(APIConnectionError)
  })
})

describe("InvalidInputError: arguments refused before anything is sent", () => {
  it("a path parameter that would be a dot segment", async () => {
    const server = await serve((_req, res) => json(res, 200, {}))
    const client = clientOf(server)
    for (const id of ["..", ".", "%2e%2e", ""]) {
      const error = await rejection(client.models.retrieve(id))
      expect(error).toBeInstanceOf(InvalidInputError)
      expect(error).toBeInstanceOf(OpenAIError)
      expect(error).not.toBeInstanceOf(APIError)
      expect(error.name).toBe("InvalidInputError")
    }
    expect(server.requests).toHaveLength(0)
  })

  it("a parameter with a slash is sent as one encoded segment, never as a path", async () => {
    const server = await serve((_req, res) => json(res, 200, { id: "x" }))
    await clientOf(server).models.retrieve("../x")
    await clientOf(server).containers.files.retrieve("f/../../admin", { container_id: "c 1" })
    expect(server.requests.map((r) => r.path)).toEqual([
      "/v1/models/..%2Fx",
      "/v1/containers/c%201/files/f%2F..%2F..%2Fadmin"
    ])
  })

  it("a header value with CR or LF", async () => {
    const server = await serve((_req, res) => json(res, 200, {}))
    const client = clientOf(server)
    for (const value of ["a\r\nx-injected: 1", "a\nb", "a\rb"]) {
      const error = await rejection(client.models.retrieve("m", { headers: { "x-note": value } }))
      expect(error).toBeInstanceOf(InvalidInputError)
      expect(error.message).toContain("x-note")
    }
    await expect(() => clientOf(server, { defaultHeaders: { "x-bad": "a\r\nb" } }).models.retrieve("m")).rejects.toBeInstanceOf(
      InvalidInputError
    )
    expect(server.requests).toHaveLength(0)
  })
})
