/**
 * The base of `client.beta.threads`: `createAndRunPoll`. The thread and run are created as `createAndRun` creates
 * them (the request the official package sends); the waiting is the core's `Polling.run`.
 */
import { betaThreadsCreateAndRun } from "@effect-openai/openai/generated/Operations"
import * as Polling from "@effect-openai/openai/helpers/Polling"
import { APIResource } from "../core/resource.js"
import type { Run } from "../generated/resources/beta/threads/runs/runs.js"
import type { ThreadCreateAndRunParamsNonStreaming } from "../generated/resources/beta/threads/threads.js"
import { call } from "../internal/call.js"
import { type PollOptions, pollingOptions, settle } from "./polling.js"

export class ThreadsHelpers extends APIResource {
  /** Creates a thread, starts a run on it and waits for the run to stop. */
  async createAndRunPoll(body: ThreadCreateAndRunParamsNonStreaming, options?: PollOptions): Promise<Run> {
    const run: Run = await call(this._client, betaThreadsCreateAndRun, undefined, body, options)
    return settle(this._client, Polling.run(run.thread_id, run.id, pollingOptions(options)), options)
  }
}
