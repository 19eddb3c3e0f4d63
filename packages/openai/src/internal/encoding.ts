/**
 * Path and query encoding. Path parameters are percent-encoded so that no value can change the path; values
 * that would be dot segments or empty are refused, because URL parsers resolve `..` and `%2e%2e` alike.
 */

/** A path with its parameters kept apart until the request is built. */
export interface PathTemplate {
  readonly strings: ReadonlyArray<string>
  readonly values: ReadonlyArray<string | number>
}

/** Tag for path templates: `` path`/files/${id}/content` ``. */
export const path = (strings: TemplateStringsArray, ...values: ReadonlyArray<string | number>): PathTemplate => ({
  strings,
  values
})

/** Renders a template, or returns the reason a parameter is refused. */
export const renderPath = (template: string | PathTemplate): { readonly path: string } | { readonly invalid: string } => {
  if (typeof template === "string") return { path: template }
  let out = template.strings[0]!
  for (let i = 0; i < template.values.length; i++) {
    const raw = template.values[i]
    const value = typeof raw === "number" ? String(raw) : raw
    if (typeof value !== "string") {
      return { invalid: `path parameter ${i + 1} must be a string, got ${value === null ? "null" : typeof value}` }
    }
    if (value === "" || value === "." || value === ".." || /^(\.|%2e){1,2}$/i.test(value)) {
      return { invalid: `path parameter ${JSON.stringify(value)} is not a valid id` }
    }
    let encoded: string
    try {
      encoded = encodeURIComponent(value)
    } catch {
      return { invalid: `path parameter ${i + 1} is not well-formed UTF-16 (a lone surrogate)` }
    }
    out += encoded + template.strings[i + 1]!
  }
  return { path: out }
}

const encodeValue = (value: unknown): string | undefined => {
  switch (typeof value) {
    case "string":
      return value
    case "number":
    case "bigint":
    case "boolean":
      return String(value)
    default:
      return value instanceof Date ? value.toISOString() : undefined
  }
}

/**
 * Appends query parameters in bracket style: arrays as `key[]=a&key[]=b`, objects as `key[sub]=v`.
 * `undefined` and `null` are left out.
 */
export const appendQuery = (params: URLSearchParams, query: Readonly<Record<string, unknown>>): void => {
  const add = (key: string, value: unknown): void => {
    if (value === undefined || value === null) return
    if (Array.isArray(value)) {
      for (const item of value) add(`${key}[]`, item)
      return
    }
    const simple = encodeValue(value)
    if (simple !== undefined) {
      params.append(key, simple)
      return
    }
    if (typeof value === "object") {
      for (const [sub, item] of Object.entries(value)) add(`${key}[${sub}]`, item)
    }
  }
  for (const [key, value] of Object.entries(query)) add(key, value)
}
