/**
 * The spec contract: every operation, called through the Effect API against the Steady mock server running on
 * the spec, behind a proxy that records each request (see `steady.ts`). Per operation:
 *
 * - a call with the required values only, and a call with every optional value set too (query and header params,
 *   body fields at every depth; see `samples.ts`);
 * - its stream variants: `…Stream` of an event-stream operation drained to the end, `…Stream` of a list over its
 *   first pages.
 *
 * Every request must be one Steady finds nothing to say about (`x-steady-request-valid: true` and
 * `x-steady-error-count: 0`: an undocumented query parameter is only an info for Steady, and fails here), carry the
 * credential the spec's security scheme asks for, and put every param where the spec says; the client must read
 * every response. An operation conforms when all of its calls do.
 */
import { readFileSync, writeSync } from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as Api from "@effect-openai/openai"
import { OpenAI } from "@effect-openai/openai"
import { Effect, Layer, Stream } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Yaml from "yaml"
import { operations, type ContractOperation } from "./operations.js"
import { type Call, callFor, type Keys, refusedForSteadyLimitation, specOperation, steadyProblems, wireProblems } from "./requests.js"
import * as Steady from "./steady.js"

type Json = any

const here = Path.dirname(fileURLToPath(import.meta.url))
const specPath = Path.resolve(here, "../../../shared/openapi/openapi.yaml")
const spec: Json = Yaml.parse(readFileSync(specPath, "utf8"), { maxAliasCount: -1 })

const keys: Keys = { apiKey: "sk-contract", adminApiKey: "sk-admin-contract" }

/**
 * List streams are followed for this many items: Steady's pages hold one, so the first page and the one its cursor
 * asks for. (Not further: Steady answers every page alike, and a third request would repeat the cursor, which the
 * client rightly refuses.)
 */
const listItems = 2

let steady: Steady.Steady | undefined

const layer = () =>
  Layer.fresh(OpenAI.layer({
    ...keys,
    baseURL: steady!.baseURL,
    maxRetries: 0,
    // Steady's example values are random: reading them through the schemas shows decoding is lenient enough
    decodeResponses: true
  }))

/** The client's error; the body of a request Steady rejected is left out, its diagnostics are listed apart. */
const describeError = (error: any): string =>
  `${error?._tag ?? "error"}: ${error?.message ?? String(error)}${
    error?.body === undefined || error.body?.steady !== undefined
      ? ""
      : `\n      ${(JSON.stringify(error.body) ?? "").slice(0, 1500)}`
  }`

type Client = Api.OpenAIClient.OpenAIClient

/** Calls the operation's function `name` as found at run time, whatever its TypeScript signature says. */
const invoke = (op: ContractOperation, name: string, args: ReadonlyArray<unknown>): any => {
  let ns: any = Api
  for (const segment of op.namespace) ns = ns?.[segment]
  const f = ns?.[name]
  if (typeof f !== "function") throw new Error(`${op.namespace.join(".")}.${name} is not a function`)
  return f(...args)
}
const effectOf = (op: ContractOperation, name: string, args: ReadonlyArray<unknown>): Effect.Effect<any, unknown, Client> =>
  invoke(op, name, args)
const streamOf = (op: ContractOperation, name: string, args: ReadonlyArray<unknown>): Stream.Stream<unknown, unknown, Client> =>
  invoke(op, name, args)

/**
 * Runs one call and checks it: the client's outcome, then each request the proxy saw. For an event stream
 * (`stream`), the effect gives the number of events the client delivered, checked against what Steady sent.
 */
const run = async (
  label: string,
  op: ContractOperation,
  call: Call,
  effect: () => Effect.Effect<number | undefined, unknown, Client>,
  stream = false
): Promise<Array<string>> => {
  const problems: Array<string> = [...call.problems]
  steady!.take()
  let delivered: number | undefined
  try {
    delivered = await Effect.runPromise(
      Effect.suspend(effect).pipe(
        Effect.catchAll((error) => Effect.sync(() => {
          problems.push(`the client failed: ${describeError(error)}`)
          return undefined
        })),
        Effect.provide(layer())
      )
    )
  } catch (defect) {
    problems.push(`the call threw: ${String(defect)}`)
  }
  const exchanges = steady!.take()
  if (exchanges.length === 0) problems.push("no request reached Steady")
  const { rawPath } = specOperation(spec, op)
  for (const exchange of exchanges) {
    problems.push(...steadyProblems(exchange, rawPath, call), ...wireProblems(exchange, call))
  }
  // Steady refused a correct request it cannot read (see `refusedForSteadyLimitation`): its 400 is not the client's.
  if (exchanges.length === 1 && refusedForSteadyLimitation(exchanges[0]!, call)) {
    const index = problems.indexOf("the client failed: BadRequestError: 400 Bad Request")
    if (index !== -1) problems.splice(index, 1)
  }
  if (stream && exchanges.length > 0 && exchanges[0]!.status < 300) {
    const sent = exchanges[0]!.events
    if (sent === undefined) {
      problems.push(`Steady answered ${exchanges[0]!.responseHeaders["content-type"] ?? "no content type"}, not an event stream`)
    } else if (delivered !== undefined && delivered !== sent) {
      problems.push(`the client delivered ${delivered} events, Steady sent ${sent}`)
    }
  }
  return problems.map((p) => `${label}: ${p}`)
}

/** Every call of an operation; its problems, empty when it conforms. */
const check = async (op: ContractOperation): Promise<Array<string>> => {
  const problems: Array<string> = []
  const { streams } = specOperation(spec, op)
  for (const pass of ["required", "optional"] as const) {
    const call = callFor(spec, op, pass, keys)
    problems.push(...await run(pass, op, call, () => {
      switch (op.kind) {
        case "json":
          return Effect.as(effectOf(op, `${op.method}WithResponse`, call.args), undefined)
        case "page":
          return Effect.as(effectOf(op, op.method, call.args), undefined)
        case "binary":
          return Effect.flatMap(effectOf(op, `${op.method}WithResponse`, call.args), (r) =>
            Effect.as(Stream.runDrain(r.data as Stream.Stream<Uint8Array, unknown>), undefined))
      }
    }))
    if (pass !== "optional") continue
    if (op.kind === "page") {
      problems.push(...await run("listStream", op, call, () =>
        Effect.as(Stream.runDrain(Stream.take(streamOf(op, `${op.method}Stream`, call.args), listItems)), undefined)))
    }
    if (streams) {
      // `stream` is the function's to set. Steady answers as the `accept` header asks, and the client asks for JSON
      // (as the official SDK does, and as the API ignores): here it asks for the event stream.
      const { stream: _, ...params } = call.params ?? {}
      // Where the body declares `stream`, it must say `true`.
      const expected: Call = "stream" in (call.params ?? {}) ? { ...call, params: { ...params, stream: true } } : call
      const options = { headers: { accept: "text/event-stream" } }
      problems.push(...await run("stream", op, expected, () =>
        Stream.runCount(streamOf(op, `${op.method}Stream`, [...call.pathArgs, params, options])), true))
    }
  }
  return problems
}

const results = new Map<string, boolean>()

describe("spec contract (Steady)", () => {
  beforeAll(async () => {
    steady = await Steady.start(specPath)
  }, 90_000)

  afterAll(async () => {
    await steady?.close()
    const conform = [...results.values()].filter((ok) => ok).length
    // written straight to the process's stdout, so the line reaches the log as is, without the runner's decoration
    writeSync(1, `contract: ${conform}/${operations.length} operations conform\n`)
  })

  for (const op of operations) {
    it(`${op.namespace.join(".")}.${op.method} (${op.http} ${op.path})`, async () => {
      const problems = await check(op)
      results.set(op.id, problems.length === 0)
      if (problems.length > 0) expect.fail(`${op.id} does not conform:\n  ${problems.join("\n  ")}`)
    })
  }

  it("every operation conforms", () => {
    const failing = operations.filter((op) => results.get(op.id) !== true)
    expect(failing.map((op) => op.id)).toEqual([])
    expect(results.size).toBe(288)
  })
})
