/**
 * A smoke run of the built `@effect-openai/promise` (dist/bundle), run by `run.ts` before it measures anything:
 * create, stream and list against the bench server, and the subpath entries sharing classes with the main entry
 * (the bundle splits shared code into chunks; a class in two chunks would break `instanceof`).
 *
 * The Node build is imported by package name, resolved through node_modules as in a user's project (no source
 * condition): the run fails unless it resolves into dist/bundle/node. The web build (what bundlers and other
 * runtimes get) is imported by path and runs here on Node's fetch. Prints one line per build; exits non-zero on
 * the first failure.
 *
 *   node facade-smoke.mjs <port>
 */
import * as Path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

type Loader = (subpath: string) => Promise<any>

const check = (ok: unknown, what: string): void => {
  if (!ok) throw new Error(`facade smoke: ${what}`)
}

const smoke = async (label: string, load: Loader, baseURL: string): Promise<string> => {
  const main = await load("")
  const [errors, streaming, pagination, uploads, coreError, files] = await Promise.all(
    ["/error", "/streaming", "/pagination", "/uploads", "/core/error", "/resources/files"].map(load)
  )
  const OpenAI = main.default
  check(OpenAI === main.OpenAI, `${label}: the default export is OpenAI`)
  const client = new OpenAI({ apiKey: "sk-smoke", baseURL, maxRetries: 0 })

  const completion = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] })
  check(completion.choices[0]?.message.content?.startsWith("Effect makes"), `${label}: create returns the completion`)
  check(completion._request_id === "req_bench", `${label}: create carries _request_id`)

  const stream = await client.chat.completions.create(
    { model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }], stream: true },
    { headers: { "x-bench-events": "100", "x-bench-write": "64" } }
  )
  check(stream instanceof streaming.Stream && stream instanceof main.Stream, `${label}: a stream is the Stream of /streaming`)
  let text = ""
  let events = 0
  for await (const chunk of stream) {
    events++
    text += chunk.choices[0]?.delta.content ?? ""
  }
  check(events === 100 && text.startsWith(" tok0 tok1"), `${label}: the stream delivers 100 chunks (got ${events})`)

  const first = await client.files.list({ limit: 100 }, { headers: { "x-bench-items": "250" } })
  check(first instanceof pagination.CursorPage, `${label}: a page is the CursorPage of /pagination`)
  check(first.data.length === 100 && first.hasNextPage(), `${label}: the first page has 100 files and more`)
  const ids: Array<string> = []
  for await (const file of client.files.list({ limit: 100 }, { headers: { "x-bench-items": "250" } })) ids.push(file.id)
  check(ids.length === 250 && ids[249] === "file-000249" && new Set(ids).size === 250, `${label}: for await lists 250 files once each`)

  const failure = await client.models.retrieve("no-such-model").then(() => undefined, (e: unknown) => e)
  check(failure instanceof errors.NotFoundError, `${label}: a 404 is the NotFoundError of /error`)
  check(failure instanceof main.APIError && failure instanceof coreError.APIError, `${label}: ... and the APIError of every entry`)
  check(OpenAI.NotFoundError === errors.NotFoundError, `${label}: OpenAI.NotFoundError is the class of /error`)
  check(failure.status === 404 && failure.name === "NotFoundError", `${label}: the error says 404 NotFoundError`)

  check(uploads.toFile === main.toFile, `${label}: toFile of /uploads is the main entry's`)
  const file = await uploads.toFile(new TextEncoder().encode("{}\n"), "a.jsonl")
  check(file.name === "a.jsonl" && file.size === 3, `${label}: toFile makes a file`)
  check(client.files instanceof files.Files, `${label}: client.files is the Files of /resources/files`)
  return `${label}: create, stream (100 events), list (250 items), entries share classes`
}

const [port] = process.argv.slice(2) as [string]
const baseURL = `http://127.0.0.1:${port}/v1`
const resolved = fileURLToPath(import.meta.resolve("@effect-openai/promise"))
const nodeBuild = Path.dirname(resolved)
if (!resolved.endsWith(Path.join("dist", "bundle", "node", "index.mjs"))) {
  console.error(`facade smoke: @effect-openai/promise resolves to ${resolved}, not its Node build`)
  process.exit(1)
}
const webBuild = Path.join(nodeBuild, "../web")
const byPackage: Loader = (subpath) => import(`@effect-openai/promise${subpath}`)
const byPath: Loader = (subpath) => import(pathToFileURL(Path.join(webBuild, `${subpath === "" ? "index" : subpath.slice(1)}.mjs`)).href)

try {
  console.log(await smoke(`node build (${Path.relative(process.cwd(), nodeBuild)})`, byPackage, baseURL))
  console.log(await smoke("web build", byPath, baseURL))
} catch (error) {
  console.error(error)
  process.exit(1)
}
