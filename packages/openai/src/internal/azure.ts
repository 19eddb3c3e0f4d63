/**
 * Azure OpenAI's deployment-scoped URLs: the model endpoints live under `/deployments/{deployment}`, the
 * deployment being the client's (when it names one) or the request's `model`.
 */
import type { RequestSpec } from "../OpenAIRequest.js"
import { path as template, renderPath } from "./encoding.js"

/** The POST endpoints Azure serves per deployment. */
const deploymentPaths: ReadonlySet<string> = new Set([
  "/completions",
  "/chat/completions",
  "/embeddings",
  "/audio/transcriptions",
  "/audio/translations",
  "/audio/speech",
  "/images/generations",
  "/images/edits",
  "/batches"
])

const modelOf = (spec: RequestSpec): unknown => {
  const body = spec.body
  if (body?._tag === "Json") return typeof body.value === "object" && body.value !== null ? (body.value as Record<string, unknown>).model : undefined
  if (body?._tag === "Multipart") return body.fields.model
  return undefined
}

/** Whether a base URL already routes through a `deployments` path segment (then nothing is inserted). */
const routesThroughDeployment = (baseURL: string): boolean => {
  try {
    return new URL(baseURL).pathname.split("/").includes("deployments")
  } catch {
    return false
  }
}

/** The path rewriter of an Azure client: `path` is the rendered path below the base URL. */
export const makeRoute = (baseURL: string, deployment: string | undefined) => {
  const insert = !routesThroughDeployment(baseURL)
  return (spec: RequestSpec, path: string): { readonly path: string } | { readonly invalid: string } => {
    if (!insert || spec.method !== "POST" || !deploymentPaths.has(path)) return { path }
    const name = deployment ?? modelOf(spec)
    if (typeof name !== "string" || name === "") return { path }
    // The name is one encoded segment: a deployment called `../files` cannot reach another endpoint.
    const rendered = renderPath(template`/deployments/${name}`)
    return "invalid" in rendered ? { invalid: `deployment: ${rendered.invalid}` } : { path: rendered.path + path }
  }
}
