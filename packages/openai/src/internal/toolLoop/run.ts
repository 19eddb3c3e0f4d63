/**
 * The rounds of a tool loop, the same for both protocols: send, read the calls, run them, append the outputs, until
 * an answer asks for no tool (or `maxRounds`); and the loop's steps as a `Stream`.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Mailbox from "effect/Mailbox"
import * as Stream from "effect/Stream"
import {
  MaxRoundsError,
  type Options,
  type Tool,
  type ToolCall,
  ToolCallError,
  ToolHandlerError,
  type ToolOutcome
} from "../../helpers/ToolLoop.js"
import { messageOf } from "./tools.js"

/** One surface's side of the loop: how to ask, what the answer asks for, how outputs go back. */
export interface Protocol<P, A, M, Round, Result> {
  readonly request: () => P
  readonly send: (request: P) => Effect.Effect<A, unknown, unknown>
  readonly calls: (answer: A) => ReadonlyArray<ToolCall>
  readonly answered: (answer: A) => void
  readonly output: (call: ToolCall, text: string) => M
  readonly append: (items: ReadonlyArray<unknown>) => void
  readonly round: (round: number, answer: A) => Round
  readonly result: () => Result
  /** The function `tool_choice` forces, if any. */
  readonly forced: string | undefined
}

/** The options' hooks the loop calls, as it calls them. */
export interface Hooks<Round> {
  readonly onStep: ((step: any) => Effect.Effect<void, unknown, unknown>) | undefined
  readonly afterRound: ((round: Round) => Effect.Effect<ReadonlyArray<unknown> | void, unknown, unknown>) | undefined
}

const defaultDescribe = (failure: ToolCallError | ToolHandlerError<unknown>): string =>
  failure._tag === "ToolHandlerError" ? `Error: ${messageOf(failure.cause)}` : `Error: ${failure.detail}`

/** A void result as nothing, a string as is, anything else as JSON. */
const encodeOutput = (value: unknown): string =>
  typeof value === "string" ? value : JSON.stringify(value) ?? ""

const quoted = (names: Iterable<string>): string => Array.from(names, (name) => JSON.stringify(name)).join(", ")

/** Runs the loop from round 1 over a protocol and the registry of its tools. */
export const run = <P, A, M, Round, Result>(
  protocol: Protocol<P, A, M, Round, Result>,
  registry: ReadonlyMap<string, Tool.Any>,
  options: Options,
  hooks: Hooks<Round>
): Effect.Effect<Result, unknown, unknown> => {
  const maxRounds = Math.max(1, options.maxRounds ?? 10)
  const concurrency = options.concurrency ?? 8
  const describe = options.describeFailure ?? defaultDescribe
  const onStep = hooks.onStep
  const emit = (step: unknown): Effect.Effect<void, unknown, unknown> => (onStep === undefined ? Effect.void : onStep(step))

  const invalid = (call: ToolCall, reason: ToolCallError["reason"], detail: string, cause: unknown) => {
    const error = new ToolCallError({
      reason,
      call,
      detail,
      cause,
      message: `tool call ${call.id} ("${call.name}"): ${detail}`
    })
    return options.onInvalidCall === "fail"
      ? Effect.fail(error)
      : Effect.succeed<ToolOutcome>({ _tag: "Failure", error, output: describe(error) })
  }

  const execute = (call: ToolCall): Effect.Effect<ToolOutcome, unknown, unknown> => {
    const t = registry.get(call.name)
    if (t === undefined) {
      const detail = `there is no tool named ${JSON.stringify(call.name)}; the tools are ${quoted(registry.keys())}`
      return invalid(call, "UnknownTool", detail, undefined)
    }
    return Effect.flatMap(Effect.either(t.decode(call.arguments)), (decoded): Effect.Effect<ToolOutcome, unknown, unknown> => {
      if (Either.isLeft(decoded)) {
        const { cause, detail, reason } = decoded.left
        const prefix = reason === "InvalidJson" ? "the arguments are not valid JSON" : `the arguments do not match the parameters of ${JSON.stringify(call.name)}`
        return invalid(call, reason, `${prefix}: ${detail}`, cause)
      }
      return Effect.flatMap(Effect.either(t.handler(decoded.right)), (ran) => {
        if (Either.isRight(ran)) {
          return Effect.map(Effect.orDie(Effect.try(() => encodeOutput(ran.right))), (output): ToolOutcome => ({
            _tag: "Success",
            value: ran.right,
            output
          }))
        }
        const error = new ToolHandlerError({
          call,
          cause: ran.left,
          message: `tool call ${call.id} ("${call.name}") failed: ${messageOf(ran.left)}`
        })
        return options.onToolError === "fail"
          ? Effect.fail(error)
          : Effect.succeed<ToolOutcome>({ _tag: "Failure", error, output: describe(error) })
      })
    })
  }

  const runCall = (call: ToolCall, round: number) =>
    Effect.zipRight(
      emit({ _tag: "ToolCallStarted", round, call }),
      Effect.tap(execute(call), (outcome) => emit({ _tag: "ToolCallFinished", round, call, outcome }))
    )

  const finish = (round: number) =>
    Effect.suspend(() => {
      const result = protocol.result()
      return Effect.as(emit({ _tag: "Final", round, result }), result)
    })

  const loop = (round: number): Effect.Effect<Result, unknown, unknown> =>
    Effect.gen(function*() {
      const request = protocol.request()
      yield* emit({ _tag: "Request", round, request })
      const answer = yield* protocol.send(request)
      const calls = protocol.calls(answer)
      protocol.answered(answer)
      yield* emit({ _tag: "Answer", round, answer, calls })
      if (calls.length === 0) return yield* finish(round)
      const outcomes = yield* Effect.forEach(calls, (call) => runCall(call, round), { concurrency })
      const items = calls.map((call, i) => protocol.output(call, outcomes[i]!.output))
      protocol.append(items)
      yield* emit({ _tag: "ToolResults", round, items })
      if (hooks.afterRound !== undefined) {
        const extra = yield* hooks.afterRound(protocol.round(round, answer))
        if (Array.isArray(extra) && extra.length > 0) protocol.append(extra)
      }
      const forced = protocol.forced
      if (forced !== undefined && calls.some((call, i) => call.name === forced && outcomes[i]!._tag === "Success")) {
        return yield* finish(round)
      }
      if (round >= maxRounds) {
        return yield* Effect.fail(
          new MaxRoundsError({
            rounds: round,
            state: protocol.result(),
            message: `the model still asked for tools after ${round} request${round === 1 ? "" : "s"} (maxRounds)`
          })
        )
      }
      return yield* loop(round + 1)
    })

  return loop(1)
}

/** Every step of `loop` (given the step callback) as a stream; the loop runs while the stream is read. */
export const stepsOf = <S>(
  loop: (onStep: (step: S) => Effect.Effect<void>) => Effect.Effect<unknown, unknown, unknown>
): Stream.Stream<S, unknown, unknown> =>
  Stream.unwrapScoped(
    Effect.gen(function*() {
      const mailbox = yield* Mailbox.make<S, unknown>()
      yield* Effect.forkScoped(Mailbox.into(loop((step) => Effect.asVoid(mailbox.offer(step))), mailbox))
      return Mailbox.toStream(mailbox)
    })
  )

/** The options with `emit` called after the user's `onStep`, if any. */
export const withStep = <O extends { readonly onStep?: ((step: any) => Effect.Effect<void, any, any>) | undefined }>(
  options: O,
  emit: (step: any) => Effect.Effect<void>
): O => {
  const user = options.onStep
  return { ...options, onStep: user === undefined ? emit : (step: any) => Effect.zipRight(user(step), emit(step)) }
}
