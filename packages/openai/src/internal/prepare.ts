/**
 * Turns a `RequestSpec` into everything about a request that does not change between attempts: URL, headers,
 * encoded body. Synchronous unless files are involved; bad input is an `InvalidInputError` before anything is
 * sent.
 */
import * as HttpBody from "@effect/platform/HttpBody"
import * as Effect from "effect/Effect"
import { isRecord } from "effect/Predicate"
import * as OpenAIError from "../OpenAIError.js"
import type { Method, RequestOptions, RequestSpec } from "../OpenAIRequest.js"
import { appendQuery, renderPath } from "./encoding.js"
import * as Multipart from "./multipart.js"
import { version } from "./version.js"

/** A request ready to send. */
export interface Prepared {
  readonly method: Method
  readonly url: string
  /** URL without the query, safe for errors and spans. */
  readonly urlForErrors: string
  readonly headers: Record<string, string>
  readonly body: HttpBody.HttpBody
  /** The body can be sent once only (a one-shot upload source): never retried. */
  readonly oneShot: boolean
  readonly operation: string
  readonly admin: boolean
  readonly options: RequestOptions | undefined
}

/** What the client adds to every request. */
export interface Defaults {
  readonly baseURL: string
  readonly organization?: string | undefined
  readonly project?: string | undefined
  readonly defaultHeaders?: Readonly<Record<string, string | null | undefined>> | undefined
  readonly defaultQuery?: Readonly<Record<string, unknown>> | undefined
  /** Rewrites the rendered path of a request (Azure's deployment-scoped URLs). */
  readonly route?: ((spec: RequestSpec, path: string) => { readonly path: string } | { readonly invalid: string }) | undefined
}

const userAgent = `effect-openai/${version} (${
  typeof process !== "undefined" && process.versions?.node ? `node ${process.versions.node}` : "js"
})`

const invalidHeaderValue = /[\r\n\0]/

/** Applies header changes to `target` (`null` removes); returns the name of an invalid header, if any. */
const applyHeaders = (
  target: Record<string, string>,
  extra: Readonly<Record<string, string | null | undefined>> | undefined
): string | undefined => {
  if (extra === undefined) return undefined
  for (const name in extra) {
    const value = extra[name]
    const key = name.toLowerCase()
    if (value === null) delete target[key]
    else if (value !== undefined) {
      if (invalidHeaderValue.test(value) || invalidHeaderValue.test(name)) return name
      target[key] = value
    }
  }
  return undefined
}

const routed = (
  spec: RequestSpec,
  route: NonNullable<Defaults["route"]>
): { readonly path: string } | { readonly invalid: string } => {
  const rendered = renderPath(spec.path)
  return "invalid" in rendered ? rendered : route(spec, rendered.path)
}

/** The preparer of one client: its own and default headers are merged once; a bad default fails every request. */
export const makePrepare = (defaults: Defaults) => {
  const base: Record<string, string> = { accept: "application/json", "user-agent": userAgent }
  if (defaults.organization !== undefined) base["openai-organization"] = defaults.organization
  if (defaults.project !== undefined) base["openai-project"] = defaults.project
  const badDefaultHeader = applyHeaders(base, defaults.defaultHeaders)

  const finish = (
    spec: RequestSpec,
    body: HttpBody.HttpBody,
    oneShot: boolean
  ): Effect.Effect<Prepared, OpenAIError.InvalidInputError> => {
    const rendered = defaults.route === undefined ? renderPath(spec.path) : routed(spec, defaults.route)
    if ("invalid" in rendered) return Effect.fail(new OpenAIError.InvalidInputError({ message: rendered.invalid }))
    const callOptions = spec.options
    const urlForErrors = `${defaults.baseURL}${rendered.path}`
    let url = urlForErrors
    if (defaults.defaultQuery || spec.query || callOptions?.query) {
      const params = new URLSearchParams()
      if (defaults.defaultQuery) appendQuery(params, defaults.defaultQuery)
      if (spec.query) appendQuery(params, spec.query)
      if (callOptions?.query) appendQuery(params, callOptions.query)
      const search = params.toString()
      if (search !== "") url = `${urlForErrors}?${search}`
    }
    const headers: Record<string, string> = { ...base }
    const bad = badDefaultHeader ?? applyHeaders(headers, spec.headers) ?? applyHeaders(headers, callOptions?.headers)
    if (bad !== undefined) {
      return Effect.fail(
        new OpenAIError.InvalidInputError({
          message: `header ${JSON.stringify(bad.replace(invalidHeaderValue, " "))} contains a line break or NUL`
        })
      )
    }
    if (callOptions?.idempotencyKey !== undefined) headers["idempotency-key"] = callOptions.idempotencyKey
    return Effect.succeed({
      method: spec.method,
      url,
      urlForErrors,
      headers,
      body,
      oneShot,
      operation: spec.operation ??
        `${spec.method} ${typeof spec.path === "string" ? spec.path : spec.path.strings.join("{}")}`,
      admin: spec.admin ?? false,
      options: callOptions
    })
  }

  return (spec: RequestSpec): Effect.Effect<Prepared, OpenAIError.InvalidInputError | OpenAIError.UploadError> => {
    const specBody = spec.body
    const extra = spec.options?.body
    switch (specBody?._tag) {
      case "Multipart":
        return Effect.flatMap(
          Multipart.encode(extra ? { ...specBody.fields, ...extra } : specBody.fields, undefined, specBody.partTypes),
          (encoded) =>
            finish(
              spec,
              encoded.body instanceof Uint8Array
                ? HttpBody.uint8Array(encoded.body, encoded.contentType)
                : HttpBody.stream(encoded.body, encoded.contentType),
              encoded.oneShot
            )
        )
      case "Json": {
        const value = extra !== undefined && isRecord(specBody.value) ? { ...specBody.value, ...extra } : specBody.value
        return finish(spec, HttpBody.text(JSON.stringify(value), "application/json"), false)
      }
      case "Bytes":
        return finish(spec, HttpBody.uint8Array(specBody.value, specBody.contentType), false)
      default:
        return finish(spec, HttpBody.empty, false)
    }
  }
}
