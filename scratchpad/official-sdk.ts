// A program written for the official `openai` package. Only the import line differs: the test command runs it
// with this import against the mock server, and again with `from "openai"` against the same server.
import OpenAI, { toFile } from "@effect-openai/promise"

const client = new OpenAI()

// Chat Completions
const completion = await client.chat.completions.create({
  model: "gpt-4o-mini",
  messages: [{ role: "user", content: "Hello there" }]
})
console.log("chat:", completion.choices[0]?.message.content)
console.log("chat request id present:", typeof completion._request_id === "string")

// Responses
const response = await client.responses.create({ model: "gpt-4o-mini", input: "What is Effect?" })
const text = response.output
  .flatMap((item) => (item.type === "message" ? item.content : []))
  .map((part) => (part.type === "output_text" ? part.text : ""))
  .join("")
console.log("responses:", text)

// A chat stream, read with for await
const stream = await client.chat.completions.create({
  model: "gpt-4o-mini",
  messages: [{ role: "user", content: "Tell me about streams" }],
  stream: true
})
let streamed = ""
for await (const chunk of stream) streamed += chunk.choices[0]?.delta?.content ?? ""
console.log("chat stream:", streamed)

// A Responses stream, stopped early with break
const events = await client.responses.create({ model: "gpt-4o-mini", input: "Tell me about streams", stream: true })
const seen: Array<string> = []
for await (const event of events) {
  seen.push(event.type)
  if (event.type === "response.output_text.delta") break
}
console.log("responses stream events before break:", seen.join(", "))

// Pagination: the first page, then every item
const page = await client.files.list({ limit: 5 })
console.log("first page:", page.data.length, "files, more:", page.hasNextPage())
let count = 0
for await (const file of client.files.list({ limit: 5 })) {
  if (file.id.startsWith("file-")) count++
}
console.log("all files:", count)

// Uploads
const uploaded = await client.files.create({
  file: await toFile(Buffer.from('{"prompt": "hi"}\n'), "input.jsonl"),
  purpose: "batch"
})
console.log("uploaded:", uploaded.filename, uploaded.bytes, "bytes")
const fromFile = await client.files.create({
  file: new File(["a file's bytes"], "notes.txt"),
  purpose: "assistants"
})
console.log("uploaded:", fromFile.filename, fromFile.bytes, "bytes")

// withResponse and asResponse
const { data: model, response: raw, request_id } = await client.models.retrieve("gpt-4o-mini").withResponse()
console.log("model:", model.id, "status:", raw.status, "request id present:", typeof request_id === "string")
const plain = await client.models.retrieve("gpt-4o-mini").asResponse()
console.log("raw content-type:", plain.headers.get("content-type"))

// Errors
try {
  await client.models.retrieve("no-such-model")
} catch (error) {
  if (error instanceof OpenAI.NotFoundError) {
    console.log("error:", error.name, error.status, error.code, "request id present:", typeof error.requestID === "string")
  } else {
    throw error
  }
}
try {
  await client.chat.completions.create({ model: "", messages: [] })
} catch (error) {
  if (error instanceof OpenAI.APIError) console.log("error:", error.status, error.message, error.param)
  else throw error
}
