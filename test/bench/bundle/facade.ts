// The chat-only program of official.ts, with only the import changed to the facade.
import OpenAI from "@effect-openai/promise"

const client = new OpenAI({ apiKey: "sk-bundle", dangerouslyAllowBrowser: true })

client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] })
  .then((c) => console.log(c.choices[0]?.message.content))
