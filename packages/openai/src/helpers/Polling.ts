/**
 * Waiting for work the API does in the background: a background response, a batch, a fine-tuning job, a vector
 * store file or file batch, an Assistants run, a video. Each helper retrieves the object until its status is
 * terminal and returns it; a status that means the work did not get done fails with {@link PollFailedError}, which
 * carries the object.
 *
 * ```ts
 * const batch = yield* Polling.batch("batch_abc")                        // every 5 s, or as the server asks
 * const file = yield* Polling.uploadVectorStoreFile("vs_abc", { file })  // upload, attach, wait
 * const run = yield* Polling.createRun("thread_abc", { assistant_id: "asst_abc" }, {
 *   schedule: Schedule.spaced("1 second")
 * }).pipe(Effect.timeout("2 minutes"))
 * ```
 *
 * | helper                 | waited through                                          | returned                                     | `PollFailedError`                |
 * |------------------------|---------------------------------------------------------|----------------------------------------------|----------------------------------|
 * | `response`             | `queued`, `in_progress`                                 | `completed`, `incomplete`, no status         | `failed`, `cancelled`            |
 * | `batch`                | `validating`, `in_progress`, `finalizing`, `cancelling` | `completed`                                  | `failed`, `expired`, `cancelled` |
 * | `fineTuningJob`        | `validating_files`, `queued`, `running`                 | `succeeded`                                  | `failed`, `cancelled`            |
 * | `vectorStoreFile`      | `in_progress`                                           | `completed`                                  | `failed`, `cancelled`            |
 * | `vectorStoreFileBatch` | `in_progress`                                           | `completed` (some files may have failed)     | `failed`, `cancelled`            |
 * | `run`                  | `queued`, `in_progress`, `cancelling`                   | `requires_action`, `completed`, `incomplete` | `failed`, `cancelled`, `expired` |
 * | `video`                | `queued`, `in_progress`                                 | `completed`                                  | `failed`                         |
 *
 * A status this table does not know (one newer than this version) is waited through, as the first column is: the
 * helpers return only what they know to be terminal. A run that `requires_action` is returned, not waited
 * through: it waits for your tool outputs (`submitToolOutputs` sends them and polls on). To get the object whatever
 * it ended as, `Effect.catchTag("PollFailedError", (e) => Effect.succeed(e.value))`.
 *
 * The first retrieval is made at once; then the `schedule` decides each wait. The default waits what the last
 * response's `openai-poll-after-ms` header says, else 5 seconds ({@link defaultSchedule}); a schedule of yours
 * replaces it (wrap it in {@link withPollAfter} to keep honouring the header). Its input is the last
 * retrieval, `{ data, response }`. A schedule that ends before the object is terminal fails with
 * {@link PollExhaustedError}; only a call given a `schedule` has that error in its type. There is no time limit of
 * its own: use `Effect.timeout`. Interrupting a helper interrupts the request or the wait in progress.
 *
 * Every request is an ordinary operation: retried, timed out per attempt and logged as configured, with
 * `requestOptions` applied to each.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import type { OpenAIClient } from "../OpenAIClient.js"
import * as OpenAIError from "../OpenAIError.js"
import type * as OpenAIRequest from "../OpenAIRequest.js"
import type * as Uploads from "../Uploads.js"
import * as Batches from "../generated/resources/batches.js"
import * as Threads from "../generated/resources/beta/threads.js"
import * as Runs from "../generated/resources/beta/threads/runs.js"
import * as Files from "../generated/resources/files.js"
import * as FineTuningJobs from "../generated/resources/fineTuning/jobs.js"
import * as Responses from "../generated/resources/responses.js"
import * as VectorStoreFileBatches from "../generated/resources/vectorStores/fileBatches.js"
import * as VectorStoreFiles from "../generated/resources/vectorStores/files.js"
import * as Videos from "../generated/resources/videos.js"
import type * as Types from "../generated/Types.js"

// ---------------------------------------------------------------------------------------------------------------
// schedules
// ---------------------------------------------------------------------------------------------------------------

/**
 * The wait between two retrievals when the server names none: 5 seconds, as in the official SDK.
 *
 * @since 0.1.0
 * @category schedules
 */
export const defaultInterval: Duration.Duration = Duration.seconds(5)

/**
 * The wait a response asks for in its `openai-poll-after-ms` header: a number of milliseconds, `0` included. An
 * absent or unreadable header is `None`.
 *
 * @since 0.1.0
 * @category schedules
 */
export const pollAfter = (response: OpenAIRequest.ResponseMeta): Option.Option<Duration.Duration> => {
  const raw = response.headers["openai-poll-after-ms"]?.trim()
  return raw !== undefined && /^\d+(\.\d+)?$/.test(raw) ? Option.some(Duration.millis(Number(raw))) : Option.none()
}

/**
 * Makes a schedule wait what the server asks: after a response with an `openai-poll-after-ms` header, that wait
 * replaces the schedule's own. The schedule still decides when to stop.
 *
 * @since 0.1.0
 * @category schedules
 */
export const withPollAfter = <Out>(
  schedule: Schedule.Schedule<Out, OpenAIRequest.WithResponse<unknown>>
): Schedule.Schedule<Out, OpenAIRequest.WithResponse<unknown>> =>
  schedule.pipe(
    Schedule.intersect(Schedule.identity<OpenAIRequest.WithResponse<unknown>>()),
    Schedule.modifyDelay(([, last], delay) => Option.getOrElse(pollAfter(last.response), () => delay)),
    Schedule.map(([out]) => out)
  )

/**
 * The default schedule: the server's `openai-poll-after-ms` when a response has it, else {@link defaultInterval};
 * it never ends.
 *
 * @since 0.1.0
 * @category schedules
 */
export const defaultSchedule: Schedule.Schedule<unknown, OpenAIRequest.WithResponse<unknown>> = withPollAfter(
  Schedule.spaced(defaultInterval)
)

// ---------------------------------------------------------------------------------------------------------------
// errors
// ---------------------------------------------------------------------------------------------------------------

/**
 * What a helper polls, by the API's `object` name.
 *
 * @since 0.1.0
 * @category models
 */
export type Kind =
  | "response"
  | "batch"
  | "fine_tuning.job"
  | "vector_store.file"
  | "vector_store.files_batch"
  | "thread.run"
  | "video"

/**
 * The object reached a terminal status that means its work was not done (see the module's table). `value` is the
 * object as last retrieved; `message` has the server's error message when the object carries one.
 *
 * @since 0.1.0
 * @category errors
 */
export class PollFailedError<A> extends Data.TaggedError("PollFailedError")<{
  readonly kind: Kind
  readonly id: string
  readonly status: string
  readonly value: A
  readonly message: string
}> {}

/**
 * The schedule given to a helper ended while the object was still in progress. `value` is the object as last
 * retrieved and `polls` the number of retrievals made.
 *
 * @since 0.1.0
 * @category errors
 */
export class PollExhaustedError<A> extends Data.TaggedError("PollExhaustedError")<{
  readonly kind: Kind
  readonly id: string
  readonly status: string
  readonly value: A
  readonly polls: number
  readonly message: string
}> {}

// ---------------------------------------------------------------------------------------------------------------
// options
// ---------------------------------------------------------------------------------------------------------------

/**
 * @since 0.1.0
 * @category models
 */
export interface Options<A> {
  /**
   * The waits between retrievals, in place of {@link defaultSchedule}; its input is the last retrieval. A schedule
   * that ends fails the helper with {@link PollExhaustedError}.
   */
  readonly schedule?: Schedule.Schedule<unknown, OpenAIRequest.WithResponse<A>> | undefined
  /** Options of every request the helper makes. */
  readonly requestOptions?: OpenAIRequest.RequestOptions | undefined
}

/**
 * Options of the helpers that upload files first.
 *
 * @since 0.1.0
 * @category models
 */
export interface UploadOptions<A> extends Options<A> {
  /** How many files are uploaded at a time (a positive integer). Default 5, as in the official SDK. */
  readonly concurrency?: number | undefined
}

/**
 * {@link PollExhaustedError} when the options may carry a schedule (which may end), nothing otherwise.
 *
 * @since 0.1.0
 * @category models
 */
export type Exhaustion<A, O> = "schedule" extends keyof O
  ? [O["schedule" & keyof O]] extends [undefined] ? never : PollExhaustedError<A>
  : never

/**
 * What a helper that polls `A` can fail with, given its options `O`.
 *
 * @since 0.1.0
 * @category models
 */
export type Failure<A, O> = OpenAIError.RequestError | PollFailedError<A> | Exhaustion<A, O>

// ---------------------------------------------------------------------------------------------------------------
// the loop
// ---------------------------------------------------------------------------------------------------------------

interface Lifecycle {
  readonly kind: Kind
  readonly done: ReadonlyArray<string>
  readonly failed: ReadonlyArray<string>
}

const lifecycles = {
  response: { kind: "response", done: ["completed", "incomplete"], failed: ["failed", "cancelled"] },
  batch: { kind: "batch", done: ["completed"], failed: ["failed", "expired", "cancelled"] },
  fineTuningJob: { kind: "fine_tuning.job", done: ["succeeded"], failed: ["failed", "cancelled"] },
  vectorStoreFile: { kind: "vector_store.file", done: ["completed"], failed: ["failed", "cancelled"] },
  vectorStoreFileBatch: { kind: "vector_store.files_batch", done: ["completed"], failed: ["failed", "cancelled"] },
  run: { kind: "thread.run", done: ["requires_action", "completed", "incomplete"], failed: ["failed", "cancelled", "expired"] },
  video: { kind: "video", done: ["completed"], failed: ["failed"] }
} as const satisfies Record<string, Lifecycle>

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** The server's own words on what went wrong, wherever this kind of object keeps them. */
const errorMessageOf = (value: unknown): string | undefined => {
  if (!isRecord(value)) return undefined
  for (const key of ["error", "last_error"]) {
    const error = value[key]
    if (isRecord(error) && typeof error.message === "string") return error.message
  }
  const first = isRecord(value.errors) && Array.isArray(value.errors.data) ? value.errors.data[0] : undefined
  return isRecord(first) && typeof first.message === "string" ? first.message : undefined
}

interface Polled {
  readonly id: string
  readonly status?: string | undefined
}

const poll = <A extends Polled, O extends Options<A>>(
  lifecycle: Lifecycle,
  retrieve: Effect.Effect<OpenAIRequest.WithResponse<A>, OpenAIError.RequestError, OpenAIClient>,
  options: O | undefined
): Effect.Effect<A, Failure<A, O>, OpenAIClient> =>
  Effect.gen(function*() {
    const schedule: Schedule.Schedule<unknown, OpenAIRequest.WithResponse<A>> = options?.schedule ?? defaultSchedule
    const driver = yield* Schedule.driver(schedule)
    let polls = 0
    while (true) {
      const last = yield* retrieve
      polls++
      const { data } = last
      const status = data.status
      if (status === undefined || lifecycle.done.includes(status)) return data
      if (lifecycle.failed.includes(status)) {
        const detail = errorMessageOf(data)
        return yield* new PollFailedError({
          kind: lifecycle.kind,
          id: data.id,
          status,
          value: data,
          message: `${lifecycle.kind} ${data.id} ended ${status}${detail === undefined ? "" : `: ${detail}`}`
        })
      }
      if (Either.isLeft(yield* Effect.either(driver.next(last)))) {
        return yield* new PollExhaustedError({
          kind: lifecycle.kind,
          id: data.id,
          status,
          value: data,
          polls,
          message: `${lifecycle.kind} ${data.id} still ${status} after ${polls} polls: the schedule ended`
        })
      }
    }
  }) as Effect.Effect<A, Failure<A, O>, OpenAIClient>

// ---------------------------------------------------------------------------------------------------------------
// polling what exists
// ---------------------------------------------------------------------------------------------------------------

/**
 * Waits for a background response (`background: true`) to finish.
 *
 * @since 0.1.0
 * @category polling
 */
export const response = <O extends Options<Types.Response> = {}>(
  responseId: string,
  options?: O
): Effect.Effect<Types.Response, Failure<Types.Response, O>, OpenAIClient> =>
  poll(lifecycles.response, Responses.retrieveWithResponse(responseId, undefined, options?.requestOptions), options)

/**
 * Waits for a batch to finish. A `completed` batch may hold failed requests: see its `error_file_id`.
 *
 * @since 0.1.0
 * @category polling
 */
export const batch = <O extends Options<Types.Batch> = {}>(
  batchId: string,
  options?: O
): Effect.Effect<Types.Batch, Failure<Types.Batch, O>, OpenAIClient> =>
  poll(lifecycles.batch, Batches.retrieveWithResponse(batchId, options?.requestOptions), options)

/**
 * Waits for a fine-tuning job to finish.
 *
 * @since 0.1.0
 * @category polling
 */
export const fineTuningJob = <O extends Options<Types.FineTuningJob> = {}>(
  fineTuningJobId: string,
  options?: O
): Effect.Effect<Types.FineTuningJob, Failure<Types.FineTuningJob, O>, OpenAIClient> =>
  poll(lifecycles.fineTuningJob, FineTuningJobs.retrieveWithResponse(fineTuningJobId, options?.requestOptions), options)

/**
 * Waits for a file attached to a vector store to be processed.
 *
 * @since 0.1.0
 * @category polling
 */
export const vectorStoreFile = <O extends Options<Types.VectorStoreFileObject> = {}>(
  vectorStoreId: string,
  fileId: string,
  options?: O
): Effect.Effect<Types.VectorStoreFileObject, Failure<Types.VectorStoreFileObject, O>, OpenAIClient> =>
  poll(
    lifecycles.vectorStoreFile,
    VectorStoreFiles.retrieveWithResponse(vectorStoreId, fileId, options?.requestOptions),
    options
  )

/**
 * Waits for a vector store file batch to be processed. A `completed` batch may count failed files in
 * `file_counts.failed`.
 *
 * @since 0.1.0
 * @category polling
 */
export const vectorStoreFileBatch = <O extends Options<Types.VectorStoreFileBatchObject> = {}>(
  vectorStoreId: string,
  batchId: string,
  options?: O
): Effect.Effect<Types.VectorStoreFileBatchObject, Failure<Types.VectorStoreFileBatchObject, O>, OpenAIClient> =>
  poll(
    lifecycles.vectorStoreFileBatch,
    VectorStoreFileBatches.retrieveWithResponse(vectorStoreId, batchId, options?.requestOptions),
    options
  )

/**
 * Waits for an Assistants run to stop: done, or `requires_action` (returned: it waits for your tool outputs).
 *
 * @since 0.1.0
 * @category polling
 */
export const run = <O extends Options<Types.RunObject> = {}>(
  threadId: string,
  runId: string,
  options?: O
): Effect.Effect<Types.RunObject, Failure<Types.RunObject, O>, OpenAIClient> =>
  poll(lifecycles.run, Runs.retrieveWithResponse(threadId, runId, options?.requestOptions), options)

/**
 * Waits for a video to be rendered.
 *
 * @since 0.1.0
 * @category polling
 */
export const video = <O extends Options<Types.VideoResource> = {}>(
  videoId: string,
  options?: O
): Effect.Effect<Types.VideoResource, Failure<Types.VideoResource, O>, OpenAIClient> =>
  poll(lifecycles.video, Videos.retrieveWithResponse(videoId, options?.requestOptions), options)

// ---------------------------------------------------------------------------------------------------------------
// creating, then polling
// ---------------------------------------------------------------------------------------------------------------

/**
 * Attaches an uploaded file to a vector store and waits for it to be processed.
 *
 * @since 0.1.0
 * @category creating
 */
export const createVectorStoreFile = <O extends Options<Types.VectorStoreFileObject> = {}>(
  vectorStoreId: string,
  params: Types.CreateVectorStoreFileParams,
  options?: O
): Effect.Effect<Types.VectorStoreFileObject, Failure<Types.VectorStoreFileObject, O>, OpenAIClient> =>
  Effect.flatMap(
    VectorStoreFiles.create(vectorStoreId, params, options?.requestOptions),
    (created) => vectorStoreFile(vectorStoreId, created.id, options)
  )

/**
 * Attaches uploaded files to a vector store as one batch and waits for them to be processed.
 *
 * @since 0.1.0
 * @category creating
 */
export const createVectorStoreFileBatch = <O extends Options<Types.VectorStoreFileBatchObject> = {}>(
  vectorStoreId: string,
  params: Types.CreateVectorStoreFileBatchParams,
  options?: O
): Effect.Effect<Types.VectorStoreFileBatchObject, Failure<Types.VectorStoreFileBatchObject, O>, OpenAIClient> =>
  Effect.flatMap(
    VectorStoreFileBatches.create(vectorStoreId, params, options?.requestOptions),
    (created) => vectorStoreFileBatch(vectorStoreId, created.id, options)
  )

/**
 * Starts a run on a thread and waits for it to stop (see {@link run}).
 *
 * @since 0.1.0
 * @category creating
 */
export const createRun = <O extends Options<Types.RunObject> = {}>(
  threadId: string,
  params: Omit<Types.CreateRunParams, "stream">,
  options?: O
): Effect.Effect<Types.RunObject, Failure<Types.RunObject, O>, OpenAIClient> =>
  Effect.flatMap(
    Runs.create(threadId, params, options?.requestOptions),
    (created) => run(created.thread_id, created.id, options)
  )

/**
 * Creates a thread, starts a run on it and waits for the run to stop (see {@link run}).
 *
 * @since 0.1.0
 * @category creating
 */
export const createThreadAndRun = <O extends Options<Types.RunObject> = {}>(
  params: Omit<Types.CreateThreadAndRunParams, "stream">,
  options?: O
): Effect.Effect<Types.RunObject, Failure<Types.RunObject, O>, OpenAIClient> =>
  Effect.flatMap(
    Threads.createAndRun(params, options?.requestOptions),
    (created) => run(created.thread_id, created.id, options)
  )

/**
 * Sends the outputs a run that `requires_action` waits for, and waits for the run to stop again (see {@link run}).
 *
 * @since 0.1.0
 * @category creating
 */
export const submitToolOutputs = <O extends Options<Types.RunObject> = {}>(
  threadId: string,
  runId: string,
  params: Omit<Types.SubmitToolOuputsToRunParams, "stream">,
  options?: O
): Effect.Effect<Types.RunObject, Failure<Types.RunObject, O>, OpenAIClient> =>
  Effect.flatMap(
    Runs.submitToolOutputs(threadId, runId, params, options?.requestOptions),
    (submitted) => run(submitted.thread_id, submitted.id, options)
  )

// ---------------------------------------------------------------------------------------------------------------
// uploading, then polling
// ---------------------------------------------------------------------------------------------------------------

/**
 * What {@link uploadVectorStoreFile} takes: the create params with the file itself in place of `file_id`.
 *
 * @since 0.1.0
 * @category models
 */
export type UploadVectorStoreFileParams = Omit<Types.CreateVectorStoreFileParams, "file_id"> & {
  readonly file: Uploads.FileInput
}

/**
 * What {@link uploadVectorStoreFileBatch} takes: the create params with the files to upload; `file_ids` are files
 * already uploaded, attached with them.
 *
 * @since 0.1.0
 * @category models
 */
export type UploadVectorStoreFileBatchParams = Omit<Types.CreateVectorStoreFileBatchParams, "files"> & {
  readonly files: ReadonlyArray<Uploads.FileInput>
}

const uploadFile = (file: Uploads.FileInput, options: OpenAIRequest.RequestOptions | undefined) =>
  Effect.map(Files.create({ file, purpose: "assistants" }, options), (uploaded) => uploaded.id)

/**
 * Uploads a file (purpose `assistants`), attaches it to a vector store and waits for it to be processed.
 *
 * @since 0.1.0
 * @category uploading
 */
export const uploadVectorStoreFile = <O extends Options<Types.VectorStoreFileObject> = {}>(
  vectorStoreId: string,
  params: UploadVectorStoreFileParams,
  options?: O
): Effect.Effect<
  Types.VectorStoreFileObject,
  Failure<Types.VectorStoreFileObject, O> | OpenAIError.UploadFailure,
  OpenAIClient
> => {
  const { file, ...attach } = params
  return Effect.flatMap(
    uploadFile(file, options?.requestOptions),
    (fileId) => createVectorStoreFile(vectorStoreId, { ...attach, file_id: fileId }, options)
  )
}

/**
 * Uploads files (purpose `assistants`), `concurrency` at a time, then attaches them with `file_ids` to a vector
 * store as one batch and waits for it to be processed. Their ids follow `file_ids` in the order the files were
 * given. A failed upload fails the whole (uploads in flight are interrupted; files already uploaded stay). No
 * files, or a `concurrency` that is not a positive integer, is an `InvalidInputError` before anything is sent.
 *
 * @since 0.1.0
 * @category uploading
 */
export const uploadVectorStoreFileBatch = <O extends UploadOptions<Types.VectorStoreFileBatchObject> = {}>(
  vectorStoreId: string,
  params: UploadVectorStoreFileBatchParams,
  options?: O
): Effect.Effect<
  Types.VectorStoreFileBatchObject,
  Failure<Types.VectorStoreFileBatchObject, O> | OpenAIError.UploadFailure,
  OpenAIClient
> => {
  const { file_ids = [], files, ...attach } = params
  const concurrency = options?.concurrency ?? 5
  if (files.length === 0) {
    return Effect.fail(
      new OpenAIError.InvalidInputError({
        message: "no files to upload: attach files already uploaded with createVectorStoreFileBatch"
      })
    )
  }
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    return Effect.fail(
      new OpenAIError.InvalidInputError({ message: `concurrency must be a positive integer, got ${concurrency}` })
    )
  }
  return Effect.flatMap(
    Effect.forEach(files, (file) => uploadFile(file, options?.requestOptions), { concurrency }),
    (uploaded) => createVectorStoreFileBatch(vectorStoreId, { ...attach, file_ids: [...file_ids, ...uploaded] }, options)
  )
}
