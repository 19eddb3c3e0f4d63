/**
 * `src/generated/EventTypes.ts`: every stream and webhook event type the spec declares, so that a program can tell
 * an event this version does not know (`OpenAIStream.isUnknownEvent`, `Webhooks.isUnknownEvent`) from one it does.
 */
import { deref, type Model, ownsEventType, webhookEvents } from "../model.js"
import { header } from "./shared.js"

type Json = any

/** The kinds of a union of event schemas: its members' `type` (or, for named events, `event`) enum or const. */
const typesOf = (spec: Json, schema: Json, key: "type" | "event", out: Set<string>, seen: Set<Json>): void => {
  const s = deref(spec, schema, "schemas")
  if (s === undefined || seen.has(s)) return
  seen.add(s)
  for (const variant of s.oneOf ?? s.anyOf ?? []) typesOf(spec, variant, key, out, seen)
  const type = deref(spec, s.properties?.[key], "schemas")
  if (type === undefined) return
  if (typeof type.const === "string") out.add(type.const)
  for (const value of type.enum ?? []) if (typeof value === "string") out.add(value)
}

export const emitEventTypes = ({ spec, ops }: Model): string => {
  const types = new Set<string>()
  for (const op of ops) {
    if (op.eventSchema && ownsEventType(op)) typesOf(spec, op.eventSchema, op.eventShape === "named" ? "event" : "type", types, new Set())
  }
  const list = [...types].sort().map((t) => `  ${JSON.stringify(t)}`).join(",\n")
  const webhooks = webhookEvents(spec).map((e) => e.type).sort().map((t) => `  ${JSON.stringify(t)}`).join(",\n")
  return `${header("The stream and webhook event types the OpenAI API declares.")}
/** Every \`type\` of the stream events the spec declares, and every \`event\` of its named events. */
export const knownEventTypes: ReadonlySet<string> = new Set([
${list}
])

/** Every \`type\` of the webhook events the spec declares (its \`webhooks\` section). */
export const knownWebhookEventTypes: ReadonlySet<string> = new Set([
${webhooks}
])
`
}
