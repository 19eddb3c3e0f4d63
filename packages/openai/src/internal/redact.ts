/**
 * Keeps the client's own credentials out of what a server sends back. A server (or a proxy in front of it) may
 * echo the request's `Authorization` header in an error body, a header or a stream event; every error built
 * from server data passes its text through the redactor of the attempt, which knows the secrets actually sent.
 */

/** Request headers whose values are credentials. */
const credentialHeaders: ReadonlyArray<string> = ["authorization", "api-key", "x-api-key", "proxy-authorization"]

/** Shorter values are not redacted: replacing every occurrence of a two-letter "key" would mangle text. */
const minSecretLength = 6

export const redacted = "<redacted>"

/** Replaces the secrets it was made with, in any text. */
export interface Redactor {
  readonly text: (text: string) => string
}

export const none: Redactor = { text: (text) => text }

const add = (secrets: Set<string>, value: string): void => {
  if (value.length < minSecretLength) return
  secrets.add(value)
  // The same secret inside a JSON string: `/` may be escaped.
  const escaped = JSON.stringify(value).slice(1, -1)
  if (escaped !== value) secrets.add(escaped)
  if (value.includes("/")) secrets.add(value.replaceAll("/", "\\/"))
}

/** Redactors by the credential headers they were made from: a static key gets one for the client's life. */
const cache = new WeakMap<Readonly<Record<string, string>>, Redactor>()

/** The redactor of a request whose credentials are `headers`: full values and bare tokens after a scheme. */
export const fromHeaders = (headers: Readonly<Record<string, string>>): Redactor => {
  let redactor = cache.get(headers)
  if (redactor === undefined) {
    redactor = make(headers)
    cache.set(headers, redactor)
  }
  return redactor
}

const make = (headers: Readonly<Record<string, string>>): Redactor => {
  const secrets = new Set<string>()
  for (const name of credentialHeaders) {
    const value = headers[name]
    if (value === undefined) continue
    add(secrets, value)
    const space = value.indexOf(" ")
    if (space > 0) add(secrets, value.slice(space + 1).trim())
  }
  return ofSet(secrets)
}

/** The redactor of plain secret values (a subject token sent to a token endpoint). */
export const fromSecrets = (values: Iterable<string>): Redactor => {
  const secrets = new Set<string>()
  for (const value of values) add(secrets, value)
  return ofSet(secrets)
}

const ofSet = (secrets: Set<string>): Redactor => {
  if (secrets.size === 0) return none
  // Longest first, so that `Bearer sk-…` goes as a whole before `sk-…`.
  const list = [...secrets].sort((a, b) => b.length - a.length)
  return {
    text: (text) => {
      let out = text
      for (const secret of list) if (out.includes(secret)) out = out.replaceAll(secret, redacted)
      return out
    }
  }
}

/** A copy of `headers` with every value redacted. */
export const headers = (redactor: Redactor, values: Readonly<Record<string, string>>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const name in values) out[name] = name === "set-cookie" ? redacted : redactor.text(values[name]!)
  return out
}
