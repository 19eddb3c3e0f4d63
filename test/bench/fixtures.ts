/** One realistic chat completion chunk as an SSE event, about 200 bytes on the wire; `i` varies the token. */
export const chunkEvent = (i: number): string =>
  `data: ${JSON.stringify({
    id: "chatcmpl-bench-stream",
    object: "chat.completion.chunk",
    created: 1_741_569_952,
    model: "gpt-4o-mini-2024-07-18",
    system_fingerprint: "fp_06737a9306",
    choices: [{ index: 0, delta: { content: ` tok${i % 1000}` }, logprobs: null, finish_reason: null }]
  })}\n\n`
