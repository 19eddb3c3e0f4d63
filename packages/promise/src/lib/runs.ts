/**
 * The base of `client.beta.threads.runs`: the official polling helpers. The run is started as `create` (or
 * `submitToolOutputs`) starts it, so that the request is the one the official package sends (the Effect API's
 * operation adds `stream: false` to the body); the waiting is the core's `Polling.run`. A run that
 * `requires_action` is returned, as are the runs that stopped for good (`failed`, `cancelled` and `expired` too).
 */
import { betaThreadsRunsCreate, betaThreadsRunsSubmitToolOutputs } from "@effect-openai/openai/generated/Operations"
import * as Polling from "@effect-openai/openai/helpers/Polling"
import { APIResource } from "../core/resource.js"
import type {
  Run,
  RunCreateParamsNonStreaming,
  RunRetrieveParams,
  RunSubmitToolOutputsParamsNonStreaming
} from "../generated/resources/beta/threads/runs/runs.js"
import { call } from "../internal/call.js"
import { type PollOptions, pollingOptions, settle } from "./polling.js"

export class RunsHelpers extends APIResource {
  /** Starts a run and waits for it to stop. */
  async createAndPoll(threadId: string, body: RunCreateParamsNonStreaming, options?: PollOptions): Promise<Run> {
    const run: Run = await call(this._client, betaThreadsRunsCreate, threadId, body, options)
    return this.poll(run.id, { thread_id: threadId }, options)
  }

  /** Waits for a run to stop: done, or waiting for tool outputs (`requires_action`). */
  poll(runId: string, params: RunRetrieveParams, options?: PollOptions): Promise<Run> {
    return settle(this._client, Polling.run(params.thread_id, runId, pollingOptions(options)), options)
  }

  /** Sends the tool outputs a run waits for, then waits for it to stop again. */
  async submitToolOutputsAndPoll(
    runId: string,
    params: RunSubmitToolOutputsParamsNonStreaming,
    options?: PollOptions
  ): Promise<Run> {
    const run: Run = await call(this._client, betaThreadsRunsSubmitToolOutputs, runId, params, options)
    return this.poll(run.id, { thread_id: params.thread_id }, options)
  }
}
