/**
 * `src/generated/Schemas.ts`: a lenient runtime schema for every component schema and inline response.
 */
import { type Model, ownsResponseType } from "../model.js"
import { schemaExpr } from "../schemas.js"
import { typeName } from "../types.js"
import { header } from "./shared.js"

type Json = any

export const emitSchemasFile = ({ spec, ops, names }: Model): string => {
  const out: Array<string> = [header("Lenient runtime schemas of every component schema, for optional response decoding.")]
  out.push(`import type * as Schema from "effect/Schema"\nimport * as S from "../internal/lenient.js"\nimport type * as Types from "./Types.js"\n`)
  const constant = (name: string, schema: Json) =>
    `export const ${name}: Schema.Schema<Types.${name}> = /* @__PURE__ */ S.lazy(() => ${schemaExpr(spec, schema)})\n`
  for (const [raw, schema] of Object.entries<Json>(spec.components.schemas)) out.push(constant(typeName(raw), schema))
  for (const op of ops) {
    if (ownsResponseType(op)) out.push(constant(names.get(op.id)!.response, op.response.schema))
  }
  return out.join("\n")
}
