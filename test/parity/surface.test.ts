/**
 * The facade's resource tree against the official SDK's, at run time: both clients are built with a dummy key and
 * walked. Every official method whose endpoint our spec has is on our client at the same path with the official
 * argument layout, and our client has nothing the official one lacks. The official methods' facts (which are in
 * scope, their argument layout) are generated into `official-methods.ts` from the official declarations.
 */
import OpenAI from "@effect-openai/promise"
import OfficialOpenAI from "openai"
import { describe, expect, it } from "vitest"
import { helpers, inScope, outOfScope } from "./official-methods.js"

type Method = (...args: Array<unknown>) => unknown

/** Own and inherited member names, up to `Object.prototype`. */
const memberNames = (obj: object): Set<string> => {
  const names = new Set<string>()
  for (let p: object | null = obj; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const name of Object.getOwnPropertyNames(p)) names.add(name)
  }
  return names
}

const isResource = (value: unknown): value is object => typeof value === "object" && value !== null && "_client" in value

/** Every resource reachable from a client, by path (`chat.completions`), with its methods by name. */
const resourcesOf = (client: object): Map<string, Map<string, Method>> => {
  const out = new Map<string, Map<string, Method>>()
  const visit = (obj: object, path: string): void => {
    const methods = new Map<string, Method>()
    for (const name of memberNames(obj)) {
      if (name.startsWith("_") || name.startsWith("#") || name === "constructor") continue
      const value: unknown = (obj as Record<string, unknown>)[name]
      if (isResource(value) && value !== obj) visit(value, path === "" ? name : `${path}.${name}`)
      else if (typeof value === "function" && path !== "") methods.set(name, value as Method)
    }
    if (path !== "") out.set(path, methods)
  }
  visit(client, "")
  return out
}

const ours = resourcesOf(new OpenAI({ apiKey: "sk-parity" }))
const official = resourcesOf(new OfficialOpenAI({ apiKey: "sk-parity" }))

describe("the facade's resource tree", () => {
  it("has every official method our spec serves, at the official path, with the official argument layout", () => {
    const missing: Array<string> = []
    const layout: Array<string> = []
    for (const [path, name, args] of inScope) {
      const method = ours.get(path)?.get(name)
      if (method === undefined) missing.push(`${path}.${name}`)
      // Our methods take their arguments without defaults, so `length` counts them all.
      else if (method.length !== args) layout.push(`${path}.${name}: ${method.length} arguments, the official layout has ${args}`)
    }
    expect(missing).toEqual([])
    expect(layout).toEqual([])
  })

  it("has no resource or method the official client lacks", () => {
    const extra: Array<string> = []
    for (const [path, methods] of ours) {
      const theirs = official.get(path)
      if (theirs === undefined) {
        extra.push(path)
        continue
      }
      for (const name of methods.keys()) if (!theirs.has(name)) extra.push(`${path}.${name}`)
    }
    expect(extra).toEqual([])
  })

  it("is checked against facts that cover the official client as it runs", () => {
    const known = new Map<string, number | undefined>()
    for (const [path, name, args] of inScope) known.set(`${path}.${name}`, args)
    for (const [path, name] of [...outOfScope, ...helpers]) known.set(`${path}.${name}`, undefined)
    const unknown: Array<string> = []
    const longer: Array<string> = []
    for (const [path, methods] of official) {
      for (const [name, method] of methods) {
        const id = `${path}.${name}`
        if (!known.has(id)) unknown.push(id)
        // The official methods default some arguments, so their `length` is at most the declared layout.
        const args = known.get(id)
        if (args !== undefined && method.length > args) longer.push(`${id}: ${method.length} > ${args}`)
      }
    }
    const absent = [...known.keys()].filter((id) => {
      const dot = id.lastIndexOf(".")
      return !official.get(id.slice(0, dot))?.has(id.slice(dot + 1))
    })
    expect(unknown).toEqual([])
    expect(absent).toEqual([])
    expect(longer).toEqual([])
  })
})
