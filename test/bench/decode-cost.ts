/**
 * What checking responses against the lenient schemas costs (`DecodeResponses`), next to `JSON.parse` of the
 * same body: microseconds per body, after warm-up, median of several rounds.
 *
 *   npx -y pnpm@10 bench:decode
 */
import { Schemas } from "@effect-openai/openai"
import { Schema } from "effect"

const completion = {
  id: "chatcmpl-abc123",
  object: "chat.completion",
  created: 1_741_569_952,
  model: "gpt-4o-mini-2024-07-18",
  system_fingerprint: "fp_06737a9306",
  service_tier: "default",
  choices: [{
    index: 0,
    finish_reason: "stop",
    logprobs: null,
    message: {
      role: "assistant",
      content: "Effect makes every failure a value you can see in the type, so retries and fallbacks are explicit.",
      refusal: null,
      annotations: []
    }
  }],
  usage: {
    prompt_tokens: 19,
    completion_tokens: 22,
    total_tokens: 41,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 }
  }
}

const response = {
  id: "resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b",
  object: "response",
  created_at: 1_741_476_542,
  status: "completed",
  error: null,
  incomplete_details: null,
  instructions: null,
  max_output_tokens: null,
  model: "gpt-4.1-2025-04-14",
  output: [
    { type: "reasoning", id: "rs_1", summary: [{ type: "summary_text", text: "Thinking about the request." }] },
    {
      type: "message",
      id: "msg_67ccd2bf17f0819081ff3bb2cf6508e60bb6a6b452d3795b",
      status: "completed",
      role: "assistant",
      content: [{ type: "output_text", text: "In a peaceful grove beneath a silver moon, a unicorn named Lumina discovered a hidden pool.", annotations: [], logprobs: [] }]
    }
  ],
  parallel_tool_calls: true,
  previous_response_id: null,
  reasoning: { effort: null, summary: null },
  store: true,
  temperature: 1.0,
  text: { format: { type: "text" } },
  tool_choice: "auto",
  tools: [{ type: "function", name: "get_weather", description: "Weather", parameters: { type: "object", properties: {} }, strict: true }],
  top_p: 1.0,
  truncation: "disabled",
  usage: { input_tokens: 36, input_tokens_details: { cached_tokens: 0 }, output_tokens: 87, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 123 },
  user: null,
  metadata: {}
}

const files = {
  object: "list",
  has_more: true,
  first_id: "file-0",
  last_id: "file-99",
  data: Array.from({ length: 100 }, (_, i) => ({
    id: `file-${i}`,
    object: "file",
    bytes: 120_000 + i,
    created_at: 1_677_610_602 + i,
    expires_at: null,
    filename: `salesOverview-${i}.pdf`,
    purpose: "assistants",
    status: "processed"
  }))
}

const delta = {
  type: "response.output_text.delta",
  item_id: "msg_123",
  output_index: 0,
  content_index: 0,
  delta: "In",
  sequence_number: 1,
  logprobs: []
}

const cases: ReadonlyArray<readonly [string, unknown, Schema.Schema<any>]> = [
  ["chat completion", completion, Schemas.CreateChatCompletionResponse],
  ["response (reasoning + message + tool)", response, Schemas.Response],
  ["file list page (100 items)", files, Schemas.ListFilesResponse],
  ["stream event (output_text.delta)", delta, Schemas.ResponseStreamEvent]
]

const measure = (f: () => void): number => {
  for (let i = 0; i < 2000; i++) f()
  const rounds: Array<number> = []
  for (let r = 0; r < 7; r++) {
    const n = 3000
    const start = process.hrtime.bigint()
    for (let i = 0; i < n; i++) f()
    rounds.push(Number(process.hrtime.bigint() - start) / 1000 / n)
  }
  return rounds.sort((a, b) => a - b)[3]!
}

console.log("body                                   bytes   JSON.parse µs   decode µs   decode/parse")
for (const [name, value, schema] of cases) {
  const text = JSON.stringify(value)
  const decode = Schema.decodeUnknownSync(schema)
  decode(JSON.parse(text)) // throws if the sample does not match
  const parse = measure(() => JSON.parse(text))
  const both = measure(() => decode(JSON.parse(text)))
  const dec = both - parse
  console.log(
    `${name.padEnd(38)} ${String(text.length).padStart(6)} ${parse.toFixed(2).padStart(15)} ${dec.toFixed(2).padStart(11)} ${(dec / parse).toFixed(1).padStart(13)}x`
  )
}
