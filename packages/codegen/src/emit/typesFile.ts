/**
 * `src/generated/Types.ts`: a type for every component schema, and the params, response and event types of
 * each operation (named in the model).
 */
import { knownEventType, type Model, type Op, ownsEventType, ownsResponseType, webhookEvents } from "../model.js"
import { isPlainObject, objectPart, propertyKey, refName, request, tsType, typeName } from "../types.js"
import { header } from "./shared.js"

type Json = any

export const emitTypesFile = ({ spec, ops, names }: Model): string => {
  const out: Array<string> = [header("Types of every component schema of the OpenAI API, and of every operation's parameters.")]
  out.push(`import type { FileInput } from "../Uploads.js"\n`)
  for (const [raw, schema] of Object.entries<Json>(spec.components.schemas)) out.push(declare(typeName(raw), schema))
  out.push(`/**
 * What the type of an event this version does not know looks like to the compiler. At run time the event keeps
 * its own \`type\` string; this literal only keeps such events out of the way when a program narrows on
 * \`type\`. Compare it as a string (\`(event.type as string) === "..."\`), or use \`OpenAIStream.isUnknownEvent\`.
 */
export type UnknownEventType = "(unknown event type)"

/** A stream event of a type this version does not know yet; it is passed through unchanged. */
export interface UnknownStreamEvent {
  readonly type: UnknownEventType
  readonly [key: string]: unknown
}

/**
 * A named stream event (an Assistants run's \`{ event, data }\`) this version does not know yet; its \`data\` is
 * passed through unchanged.
 */
export interface UnknownNamedStreamEvent {
  readonly event: UnknownEventType
  readonly data: unknown
}
`)
  out.push(webhookDeclarations(spec))
  for (const op of ops) {
    const t = names.get(op.id)!
    if (t.params !== undefined) out.push(paramsDeclaration(op, t.params))
    if (ownsResponseType(op)) out.push(`export type ${t.response} = ${tsType(op.response.schema, { mode: "response", indent: "" })}\n`)
    if (op.eventSchema && ownsEventType(op)) {
      const unknown = op.eventShape === "named" ? "UnknownNamedStreamEvent" : "UnknownStreamEvent"
      out.push(`export type ${t.event} = ${knownEventType(op.eventSchema)} | ${unknown}\n`)
    }
  }
  return out.join("\n")
}

/** The events of the spec's `webhooks` section as one union, and the member for events this version does not know. */
const webhookDeclarations = (spec: Json): string => {
  const names = webhookEvents(spec).map((e) => e.name)
  for (const name of ["WebhookEvent", "UnknownWebhookEvent"]) {
    if (spec.components.schemas[name] !== undefined) throw new Error(`a component schema is named ${name}, which Types.ts declares itself`)
  }
  return `/** Every event the spec's \`webhooks\` section declares: what OpenAI posts to a webhook endpoint. */
export type WebhookEvent =${names.length ? names.map((n) => `\n  | ${n}`).join("") : " never"}

/** A webhook event of a type this version does not know yet; it is passed through unchanged. */
export interface UnknownWebhookEvent {
  readonly type: UnknownEventType
  readonly [key: string]: unknown
}
`
}

const declare = (name: string, schema: Json): string => {
  if (isPlainObject(schema)) {
    const body = objectPart(schema, request)!
    return `export interface ${name} ${body}\n`
  }
  return `export type ${name} = ${tsType(schema, request)}\n`
}

/** Body fields, then query and header params. */
const paramsDeclaration = (op: Op, name: string): string => {
  const members: Array<string> = []
  let bodyType: string | undefined
  if (op.body) {
    const schema = op.body.schema
    if (op.body.kind === "text") {
      members.push(`  readonly body${op.body.required ? "" : "?"}: string`)
    } else if (schema.$ref) {
      bodyType = refName(schema.$ref)
    } else {
      const part = objectPart(schema, { mode: "request", indent: "" })
      bodyType = part ?? tsType(schema, request)
    }
  }
  for (const p of [...op.query, ...op.headers]) {
    const key = p.schema?.["x-stainless-param"] ?? p.name
    members.push(`  readonly ${propertyKey(key)}${p.required ? "" : "?"}: ${tsType(p.schema, { mode: "request", indent: "  " })}`)
  }
  const own = members.length > 0 ? `{\n${members.join("\n")}\n}` : undefined
  if (bodyType !== undefined && own !== undefined) return `export type ${name} = ${bodyType} & ${own}\n`
  if (bodyType !== undefined) return `export type ${name} = ${bodyType}\n`
  return `export interface ${name} ${own}\n`
}
