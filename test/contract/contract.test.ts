/**
 * The spec contract: every operation, called through the Effect API with valid arguments, against the Steady
 * mock server running on the spec. An operation conforms when Steady says the request matched the spec
 * (`x-steady-request-valid: true`) and the client read the response. The suite starts and stops Steady itself.
 */
import { spawn, type ChildProcess } from "node:child_process"
import { readFileSync, writeSync } from "node:fs"
import { createRequire } from "node:module"
import { createServer } from "node:net"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as Api from "@effect-openai/openai"
import { OpenAI } from "@effect-openai/openai"
import { Effect, Layer, Stream } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Yaml from "yaml"
import { operations, type ContractOperation } from "./operations.js"
import { sample } from "./samples.js"

type Json = any

const here = Path.dirname(fileURLToPath(import.meta.url))
const specPath = Path.resolve(here, "../../../shared/openapi/openapi.yaml")
const spec: Json = Yaml.parse(readFileSync(specPath, "utf8"), { maxAliasCount: -1 })

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))))
    })
  })

let steady: ChildProcess | undefined
let baseURL = ""

const startSteady = async (): Promise<void> => {
  const port = await freePort()
  const bin = createRequire(import.meta.url).resolve("@stdy/cli/steady.js")
  steady = spawn(process.execPath, [
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
    steady!.stdout!.on("data", onData)
    steady!.stderr!.on("data", onData)
    steady!.on("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`Steady exited with ${code}:\n${output}`))
    })
  })
  baseURL = `http://127.0.0.1:${port}`
}

/** The spec operation behind a table row. */
const specOperation = (op: ContractOperation): { item: Json; operation: Json } => {
  for (const [rawPath, item] of Object.entries<Json>(spec.paths)) {
    const operation = item[op.http.toLowerCase()]
    if (operation?.operationId === op.id) return { item, operation }
    void rawPath
  }
  throw new Error(`operation ${op.id} not in the spec`)
}

const deref = (node: Json, kind: string): Json =>
  node && typeof node.$ref === "string" ? spec.components[kind][node.$ref.split("/").pop()] : node

/** Path arguments and a params object with every required value (and nothing optional). */
const argumentsFor = (op: ContractOperation): Array<unknown> => {
  const { item, operation } = specOperation(op)
  const ctx = { spec, stack: [] as Array<string> }
  const parameters: Array<Json> = [...(item.parameters ?? []), ...(operation.parameters ?? [])].map((p) => deref(p, "parameters"))
  const pathArgs = [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => {
    const p = parameters.find((q) => q.in === "path" && q.name === m[1])
    const value = p?.schema ? sample(p.schema, ctx) : "x"
    return typeof value === "string" && value !== "" ? `${value}_1` : "id_1"
  })
  if (!op.params) return pathArgs
  const params: Record<string, unknown> = {}
  for (const p of parameters) {
    if ((p.in === "query" || p.in === "header") && p.required) {
      params[p.schema?.["x-stainless-param"] ?? p.name] = sample(p.schema, ctx)
    }
  }
  const body = deref(operation.requestBody, "requestBodies")
  if (body?.content) {
    const content = body.content["multipart/form-data"] ?? body.content["application/json"]
    if (content) {
      const value = sample(content.schema, ctx)
      if (value !== null && typeof value === "object") Object.assign(params, value)
    } else {
      params.body = "v=0"
    }
  }
  return [...pathArgs, params]
}

interface Outcome {
  readonly valid: string | undefined
  readonly read: boolean
  readonly detail: string
}

const call = (op: ContractOperation): Effect.Effect<Outcome, never, Api.OpenAIClient.OpenAIClient> => {
  let ns: any = Api
  for (const segment of op.namespace) ns = ns[segment]
  const args = argumentsFor(op)
  const fn = (name: string) => {
    const f = ns?.[name]
    if (typeof f !== "function") throw new Error(`${op.namespace.join(".")}.${name} is not a function`)
    return f(...args)
  }
  let effect: Effect.Effect<{ headers: Readonly<Record<string, string>> }, any, any>
  switch (op.kind) {
    case "json":
      effect = Effect.map(fn(`${op.method}WithResponse`), (r: any) => r.response)
      break
    case "page":
      effect = Effect.map(fn(op.method), (page: any) => page.response)
      break
    case "binary":
      effect = Effect.flatMap(fn(`${op.method}WithResponse`), (r: any) =>
        Effect.as(Stream.runDrain(r.data as Stream.Stream<Uint8Array>), r.response))
      break
  }
  return effect.pipe(
    Effect.map((response) => ({ valid: response.headers["x-steady-request-valid"], read: true, detail: "" })),
    Effect.catchAll((error: any) =>
      Effect.succeed({
        valid: error?.headers?.["x-steady-request-valid"],
        read: false,
        detail: `${error?._tag}: ${error?.message}\n${JSON.stringify(error?.body ?? "", null, 1)?.slice(0, 1500)}`
      })
    )
  )
}

const results = new Map<string, Outcome>()

describe("spec contract (Steady)", () => {
  beforeAll(async () => {
    await startSteady()
  }, 90_000)

  afterAll(() => {
    steady?.kill()
    const conform = [...results.values()].filter((r) => r.read && r.valid === "true").length
    // written straight to the process's stdout, so the line reaches the log as is, without the runner's decoration
    writeSync(1, `contract: ${conform}/${operations.length} operations conform\n`)
  })

  const layer = () => Layer.fresh(OpenAI.layer({
      apiKey: "sk-contract",
      adminApiKey: "sk-admin-contract",
      baseURL,
      maxRetries: 0,
      // Steady's example values are random: reading them through the schemas shows decoding is lenient enough
      decodeResponses: true
    }))

  for (const op of operations) {
    it(`${op.namespace.join(".")}.${op.method} (${op.http} ${op.path})`, async () => {
      const outcome = await Effect.runPromise(call(op).pipe(Effect.provide(layer())))
      results.set(op.id, outcome)
      expect(outcome.detail, `${op.id}`).toBe("")
      expect(outcome.valid).toBe("true")
    })
  }

  it("every operation conforms", () => {
    const failing = operations.filter((op) => {
      const r = results.get(op.id)
      return !(r?.read && r.valid === "true")
    })
    expect(failing.map((op) => op.id)).toEqual([])
    expect(results.size).toBe(288)
  })
})
