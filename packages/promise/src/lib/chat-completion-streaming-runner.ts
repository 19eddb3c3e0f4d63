/**
 * `runTools({ ..., stream: true })`: the same loop as `ChatCompletionRunner` (the core's `ToolLoop`), each round a
 * streamed request made by `ChatCompletionStream` (`chat-completion-stream.ts`), so that every chunk event of
 * `chat.completions.stream` is emitted for every round, and the runner iterates every round's chunks.
 */
import * as Effect from "effect/Effect"
import type { ClientCore } from "../core/client.js"
import type { ChatCompletionCreateParams } from "../generated/resources/chat/completions/completions.js"
import type { RunnerOptions, RunToolsBody } from "./chat-completion-runner.js"
import { ChatCompletionStream } from "./chat-completion-stream.js"

/** Runs functions the model calls, over streamed completions, until the model answers. */
export class ChatCompletionStreamingRunner<ParsedT = null> extends ChatCompletionStream<ParsedT> {
  /** Starts the run (on the next turn) and returns the runner. */
  static runTools<ParsedT = null>(client: ClientCore, body: RunToolsBody, options?: RunnerOptions): ChatCompletionStreamingRunner<ParsedT> {
    const runner = new ChatCompletionStreamingRunner<ParsedT>(body as unknown as ChatCompletionCreateParams)
    runner._run(() =>
      runner._runTools(client, body, options, (request) =>
        // The round's chunks are emitted, and its completion added, by the stream; a failure is already the
        // official error class, carried through the loop as is.
        Effect.promise(() => runner._createChatCompletion(client, request as unknown as ChatCompletionCreateParams, options))
      )
    )
    return runner
  }
}
