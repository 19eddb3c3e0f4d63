// The program of ../consumer-official, compiled against the facade: only the import differs.
import OpenAI from "@effect-openai/promise"

const client = new OpenAI()

export const program = async () => {
  const c = await client.chat.completions.create({
    model: "gpt-4o-mini",
    messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }],
    temperature: 0.2
  }).catch((e) => (e instanceof OpenAI.RateLimitError ? undefined : Promise.reject(e)))
  let streamed = ""
  for await (const chunk of await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }], stream: true })) {
    streamed += chunk.choices[0]?.delta.content ?? ""
  }
  const r = await client.responses.create({ model: "gpt-4o-mini", input: "Hi", instructions: "Be brief." })
  let deltas = 0
  for await (const e of await client.responses.create({ model: "gpt-4o-mini", input: "Hi", stream: true })) {
    if (e.type === "response.output_text.delta") deltas++
  }
  return [c?.choices[0]?.message.content ?? "", streamed, r.output.length, deltas] as const
}
