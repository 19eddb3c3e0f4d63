import { assert, describe, it } from "@effect/vitest"
import { Chunk, Data, Deferred, Effect, Exit, Fiber, Ref, Schema, Stream } from "effect"
import * as OpenAITest from "../src/OpenAITest.js"
import * as ChatCompletionStream from "../src/helpers/ChatCompletionStream.js"
import * as ToolLoop from "../src/helpers/ToolLoop.js"
import { Chat, type Types } from "../src/index.js"

type Completion = OpenAITest.Fixture<Types.CreateChatCompletionResponse>
type Response = OpenAITest.Fixture<Types.Response>

const params = { model: "gpt-4o-mini", messages: [{ role: "user", content: "Weather in Paris and Rome?" }] } as const

/** An answer asking for the given calls (`[id, name, arguments]`). */
const callsTo = (...calls: ReadonlyArray<readonly [string, string, string]>): OpenAITest.Reply<Completion> =>
  OpenAITest.json<Completion>({
    id: "chatcmpl-calls",
    object: "chat.completion",
    created: 1,
    model: "gpt-4o-mini",
    choices: [{
      index: 0,
      finish_reason: "tool_calls",
      logprobs: null,
      message: {
        role: "assistant",
        content: null,
        refusal: null,
        annotations: [],
        tool_calls: calls.map(([id, name, args]) => ({ id, type: "function", function: { name, arguments: args } }))
      }
    }],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 }
  })

/** A final answer. */
const says = (content: string): OpenAITest.Reply<Completion> =>
  OpenAITest.json<Completion>({
    id: "chatcmpl-final",
    object: "chat.completion",
    created: 2,
    model: "gpt-4o-mini",
    choices: [{ index: 0, finish_reason: "stop", logprobs: null, message: { role: "assistant", content, refusal: null } }]
  })

const chatRoute = (...replies: ReadonlyArray<OpenAITest.Reply<Completion>>) => OpenAITest.layer({ "POST /chat/completions": replies })

/** The JSON bodies sent so far. */
const sent = Effect.map(OpenAITest.requests, (all) => all.map((r) => r.json as Record<string, any>))

const City = Schema.Struct({ city: Schema.String, unit: Schema.optional(Schema.Literal("C", "F")) })

const weather = ToolLoop.tool({
  name: "get_weather",
  description: "The weather in a city",
  parameters: City,
  handler: ({ city, unit }) => Effect.succeed({ city, unit: unit ?? "C", temperature: city === "Paris" ? 18 : 24 })
})

class Boom extends Data.TaggedError("Boom")<{ readonly message: string }> {}

const failing = ToolLoop.tool({
  name: "explode",
  parameters: Schema.Struct({}),
  handler: () => Effect.fail(new Boom({ message: "the fuse is wet" }))
})

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false
const typeIs = <A, B>(_proof: Equal<A, B>): void => {}

describe("ToolLoop.chat", () => {
  it.effect("runs a call and sends the assistant message with tool_calls, then the tool message with its id", () =>
    Effect.gen(function*() {
      const result = yield* ToolLoop.chat(params, [weather])
      assert.strictEqual(result.completion.choices[0]!.message.content, "Sunny in Paris")
      assert.strictEqual(result.completions.length, 2)
      const [first, second] = yield* sent
      assert.deepStrictEqual(first!.tools, [{
        type: "function",
        function: {
          name: "get_weather",
          description: "The weather in a city",
          parameters: {
            type: "object",
            properties: {
              city: { type: "string" },
              unit: { anyOf: [{ type: "string", enum: ["C", "F"] }, { type: "null" }] }
            },
            required: ["city", "unit"],
            additionalProperties: false
          },
          strict: true
        }
      }])
      assert.deepStrictEqual(first!.messages, params.messages)
      const toolMessage = { role: "tool", tool_call_id: "call_1", content: "{\"city\":\"Paris\",\"unit\":\"C\",\"temperature\":18}" }
      assert.deepStrictEqual(second!.messages, [
        params.messages[0],
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Paris\",\"unit\":null}" } }]
        },
        toolMessage
      ])
      assert.deepStrictEqual(result.messages, [...second!.messages, { role: "assistant", content: "Sunny in Paris" }])
    }).pipe(Effect.provide(chatRoute(callsTo(["call_1", "get_weather", "{\"city\":\"Paris\",\"unit\":null}"]), says("Sunny in Paris")))))

  it.live("runs the calls of one answer concurrently, at most `concurrency` at a time", () =>
    Effect.gen(function*() {
      const running = yield* Ref.make(0)
      const started = yield* Ref.make<ReadonlyArray<string>>([])
      const most = yield* Ref.make(0)
      const twoRunning = yield* Deferred.make<void>()
      const gate = yield* Deferred.make<void>()
      const slow = ToolLoop.tool({
        name: "slow",
        parameters: Schema.Struct({ n: Schema.Number }),
        handler: ({ n }) =>
          Effect.gen(function*() {
            yield* Ref.update(started, (all) => [...all, String(n)])
            const now = yield* Ref.updateAndGet(running, (k) => k + 1)
            yield* Ref.update(most, (m) => Math.max(m, now))
            if (now === 2) yield* Deferred.succeed(twoRunning, undefined)
            yield* Deferred.await(gate)
            yield* Ref.update(running, (k) => k - 1)
            return n
          })
      })
      const fiber = yield* Effect.fork(ToolLoop.chat(params, [slow], { concurrency: 2 }))
      // Both handlers have started and neither has finished: they overlap.
      yield* Deferred.await(twoRunning).pipe(Effect.timeoutFail({ duration: "2 seconds", onTimeout: () => "no overlap" }))
      yield* Effect.sleep("30 millis")
      assert.deepStrictEqual(yield* Ref.get(started), ["1", "2"])
      yield* Deferred.succeed(gate, undefined)
      const result = yield* Fiber.join(fiber)
      assert.strictEqual(yield* Ref.get(most), 2)
      assert.deepStrictEqual(
        result.messages.filter((m) => m.role === "tool"),
        [
          { role: "tool", tool_call_id: "a", content: "1" },
          { role: "tool", tool_call_id: "b", content: "2" },
          { role: "tool", tool_call_id: "c", content: "3" }
        ]
      )
    }).pipe(Effect.provide(chatRoute(
      callsTo(["a", "slow", "{\"n\":1}"], ["b", "slow", "{\"n\":2}"], ["c", "slow", "{\"n\":3}"]),
      says("done")
    ))))

  it.effect("a failing handler is reported to the model by default, and the loop goes on", () =>
    Effect.gen(function*() {
      const steps = yield* Stream.runCollect(ToolLoop.chatSteps(params, [failing]))
      const finished = Chunk.toReadonlyArray(steps).find((s) => s._tag === "ToolCallFinished")
      assert.strictEqual(finished?._tag, "ToolCallFinished")
      if (finished?._tag === "ToolCallFinished" && finished.outcome._tag === "Failure") {
        assert.strictEqual(finished.outcome.error._tag, "ToolHandlerError")
        if (finished.outcome.error._tag === "ToolHandlerError") assert.instanceOf(finished.outcome.error.cause, Boom)
      } else assert.fail("expected a reported failure")
      const [, second] = yield* sent
      assert.deepStrictEqual(second!.messages[2], { role: "tool", tool_call_id: "call_x", content: "Error: the fuse is wet" })
    }).pipe(Effect.provide(chatRoute(callsTo(["call_x", "explode", "{}"]), says("It did not work")))))

  it.effect("onToolError: \"fail\" ends the loop with ToolHandlerError carrying the handler's error", () =>
    Effect.gen(function*() {
      const program = ToolLoop.chat(params, [failing], { onToolError: "fail" })
      typeIs<
        Extract<Effect.Effect.Error<typeof program>, { readonly _tag: "ToolHandlerError" }>,
        ToolLoop.ToolHandlerError<Boom>
      >(true)
      const error = yield* Effect.flip(program)
      assert.strictEqual(error._tag, "ToolHandlerError")
      if (error._tag === "ToolHandlerError") {
        assert.instanceOf(error.cause, Boom)
        assert.strictEqual(error.call.id, "call_x")
      }
      assert.strictEqual((yield* sent).length, 1)
    }).pipe(Effect.provide(chatRoute(callsTo(["call_x", "explode", "{}"]), says("unreachable")))))

  it.effect("the error type holds ToolHandlerError and ToolCallError only when the options can fail with them", () =>
    Effect.sync(() => {
      const reporting = ToolLoop.chat(params, [failing])
      typeIs<Extract<Effect.Effect.Error<typeof reporting>, { readonly _tag: "ToolHandlerError" | "ToolCallError" }>, never>(true)
      const wide: ToolLoop.ChatOptions = { onInvalidCall: "fail" }
      const failingCalls = ToolLoop.chat(params, [failing], wide)
      typeIs<Extract<Effect.Effect.Error<typeof failingCalls>, { readonly _tag: "ToolCallError" }>, ToolLoop.ToolCallError>(true)
      const hooked = ToolLoop.chat(params, [weather], { afterRound: () => Effect.fail(new Boom({ message: "no" })) })
      typeIs<Extract<Effect.Effect.Error<typeof hooked>, { readonly _tag: "Boom" }>, Boom>(true)
    }))

  it.effect("an unknown tool is reported with the tools there are", () =>
    Effect.gen(function*() {
      const result = yield* ToolLoop.chat(params, [weather])
      assert.deepStrictEqual(result.messages[2], {
        role: "tool",
        tool_call_id: "call_u",
        content: "Error: there is no tool named \"get_time\"; the tools are \"get_weather\""
      })
    }).pipe(Effect.provide(chatRoute(callsTo(["call_u", "get_time", "{}"]), says("ok")))))

  it.effect("onInvalidCall: \"fail\" ends the loop with ToolCallError for an unknown tool", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(ToolLoop.chat(params, [weather], { onInvalidCall: "fail" }))
      assert.strictEqual(error._tag, "ToolCallError")
      if (error._tag === "ToolCallError") {
        assert.strictEqual(error.reason, "UnknownTool")
        assert.strictEqual(error.call.name, "get_time")
      }
      assert.strictEqual((yield* sent).length, 1)
    }).pipe(Effect.provide(chatRoute(callsTo(["call_u", "get_time", "{}"]), says("unreachable")))))

  it.effect("arguments that are not JSON, or do not decode, are reported and the handler does not run", () =>
    Effect.gen(function*() {
      const calls = yield* Ref.make(0)
      const counted = ToolLoop.tool({
        name: "get_weather",
        parameters: City,
        handler: () => Effect.as(Ref.update(calls, (n) => n + 1), "ran")
      })
      const result = yield* ToolLoop.chat(params, [counted])
      const tools = result.messages.filter((m): m is Types.ChatCompletionRequestToolMessage => m.role === "tool")
      assert.strictEqual(tools.length, 2)
      assert.match(String(tools[0]!.content), /^Error: the arguments are not valid JSON: /)
      assert.match(String(tools[1]!.content), /^Error: the arguments do not match the parameters of "get_weather": /)
      assert.include(String(tools[1]!.content), "city")
      assert.strictEqual(yield* Ref.get(calls), 0)
    }).pipe(Effect.provide(chatRoute(
      callsTo(["j", "get_weather", "{\"city\": Par"], ["d", "get_weather", "{\"city\": 42, \"unit\": null}"]),
      says("ok")
    ))))

  it.effect("onInvalidCall: \"fail\" gives the decoding failure as ToolCallError", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(ToolLoop.chat(params, [weather], { onInvalidCall: "fail" }))
      assert.strictEqual(error._tag, "ToolCallError")
      if (error._tag === "ToolCallError") {
        assert.strictEqual(error.reason, "InvalidArguments")
        assert.strictEqual((error.cause as { readonly _tag: string })._tag, "ParseError")
      }
    }).pipe(Effect.provide(chatRoute(callsTo(["d", "get_weather", "{\"city\": 42, \"unit\": null}"]), says("unreachable")))))

  it.effect("maxRounds reached is MaxRoundsError with the transcript, the last round's tools run", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(ToolLoop.chat(params, [weather], { maxRounds: 2 }))
      assert.strictEqual(error._tag, "MaxRoundsError")
      if (error._tag === "MaxRoundsError") {
        assert.strictEqual(error.rounds, 2)
        assert.strictEqual(error.state.completions.length, 2)
        const last = error.state.messages[error.state.messages.length - 1]
        assert.deepStrictEqual(last, { role: "tool", tool_call_id: "call_1", content: "{\"city\":\"Paris\",\"unit\":\"C\",\"temperature\":18}" })
        assert.strictEqual(error.state.messages.length, 5)
      }
      assert.strictEqual((yield* sent).length, 2)
    }).pipe(Effect.provide(chatRoute(callsTo(["call_1", "get_weather", "{\"city\":\"Paris\",\"unit\":null}"])))))

  it.effect("interrupting the loop interrupts a running tool (its finalizer runs)", () =>
    Effect.gen(function*() {
      const started = yield* Deferred.make<void>()
      const finalized = yield* Ref.make(false)
      const hanging = ToolLoop.tool({
        name: "wait",
        parameters: Schema.Struct({}),
        handler: () =>
          Deferred.succeed(started, undefined).pipe(
            Effect.zipRight(Effect.never),
            Effect.ensuring(Ref.set(finalized, true))
          )
      })
      const fiber = yield* Effect.fork(ToolLoop.chat(params, [hanging]))
      yield* Deferred.await(started)
      const exit = yield* Fiber.interrupt(fiber)
      assert.isTrue(Exit.isInterrupted(exit))
      assert.isTrue(yield* Ref.get(finalized))
    }).pipe(Effect.provide(chatRoute(callsTo(["w", "wait", "{}"]), says("unreachable")))))

  it.effect("interrupting the loop interrupts the request in flight", () =>
    Effect.gen(function*() {
      const arrived = yield* Deferred.make<void>()
      const abandoned = yield* Ref.make(false)
      const layer = OpenAITest.layer({
        "POST /chat/completions": () =>
          Deferred.succeed(arrived, undefined).pipe(
            Effect.zipRight(Effect.never),
            Effect.onInterrupt(() => Ref.set(abandoned, true))
          )
      })
      yield* Effect.gen(function*() {
        const fiber = yield* Effect.fork(ToolLoop.chat(params, [weather]))
        yield* Deferred.await(arrived)
        yield* Fiber.interrupt(fiber)
        assert.isTrue(yield* Ref.get(abandoned))
      }).pipe(Effect.provide(layer))
    }))

  it.effect("steps come in order, with each call's outcome and the outputs appended", () =>
    Effect.gen(function*() {
      const steps = Chunk.toReadonlyArray(yield* Stream.runCollect(ToolLoop.chatSteps(params, [weather, failing], { concurrency: 1 })))
      assert.deepStrictEqual(steps.map((s) => `${s._tag}:${s.round}`), [
        "Request:1",
        "Answer:1",
        "ToolCallStarted:1",
        "ToolCallFinished:1",
        "ToolCallStarted:1",
        "ToolCallFinished:1",
        "ToolResults:1",
        "Request:2",
        "Answer:2",
        "Final:2"
      ])
      const answer = steps[1]!
      if (answer._tag === "Answer") assert.deepStrictEqual(answer.calls.map((c) => c.name), ["get_weather", "explode"])
      const outcomes = steps.flatMap((s) => (s._tag === "ToolCallFinished" ? [s.outcome] : []))
      assert.strictEqual(outcomes[0]!._tag, "Success")
      if (outcomes[0]!._tag === "Success") assert.deepStrictEqual(outcomes[0].value, { city: "Rome", unit: "F", temperature: 24 })
      assert.strictEqual(outcomes[1]!._tag, "Failure")
      const results = steps[6]!
      if (results._tag === "ToolResults") assert.deepStrictEqual(results.items.map((m) => m.tool_call_id), ["w", "x"])
      const second = steps[7]!
      if (second._tag === "Request") assert.strictEqual(second.request.messages.length, 4)
      const final = steps[9]!
      if (final._tag === "Final") assert.strictEqual(final.result.completion.id, "chatcmpl-final")
    }).pipe(Effect.provide(chatRoute(callsTo(["w", "get_weather", "{\"city\":\"Rome\",\"unit\":\"F\"}"], ["x", "explode", "{}"]), says("ok")))))

  it.effect("a schema strict mode cannot express is ToolDefinitionError before anything is sent", () =>
    Effect.gen(function*() {
      const loose = ToolLoop.tool({
        name: "tag",
        parameters: Schema.Struct({ labels: Schema.Record({ key: Schema.String, value: Schema.String }) }),
        handler: () => Effect.void
      })
      const error = yield* Effect.flip(ToolLoop.chat(params, [loose]))
      assert.strictEqual(error._tag, "ToolDefinitionError")
      if (error._tag === "ToolDefinitionError") {
        assert.strictEqual(error.tool, "tag")
        assert.strictEqual(error.path, "$.labels")
      }
      const twice = yield* Effect.flip(ToolLoop.chat(params, [weather, weather]))
      assert.strictEqual(twice._tag, "ToolDefinitionError")
      assert.strictEqual((yield* sent).length, 0)
    }).pipe(Effect.provide(chatRoute(says("unreachable")))))

  it.effect("a function forced by tool_choice ends the loop after its round", () =>
    Effect.gen(function*() {
      const result = yield* ToolLoop.chat(
        { ...params, tool_choice: { type: "function", function: { name: "get_weather" } } },
        [weather]
      )
      assert.strictEqual(result.completions.length, 1)
      assert.strictEqual(result.messages[result.messages.length - 1]!.role, "tool")
      assert.strictEqual((yield* sent).length, 1)
    }).pipe(Effect.provide(chatRoute(callsTo(["f", "get_weather", "{\"city\":\"Paris\",\"unit\":null}"]), says("unreachable")))))

  it.effect("afterRound's messages are appended before the next request; n > 1 is refused", () =>
    Effect.gen(function*() {
      const result = yield* ToolLoop.chat(params, [weather], {
        afterRound: ({ round }) => Effect.succeed([{ role: "user" as const, content: `round ${round} done` }])
      })
      const [, second] = yield* sent
      assert.deepStrictEqual(second!.messages[3], { role: "user", content: "round 1 done" })
      assert.strictEqual(result.messages.length, 5)
      const refused = yield* Effect.flip(ToolLoop.chat({ ...params, n: 2 }, [weather]))
      assert.strictEqual(refused._tag, "InvalidInputError")
      assert.strictEqual((yield* sent).length, 2)
    }).pipe(Effect.provide(chatRoute(callsTo(["call_1", "get_weather", "{\"city\":\"Paris\",\"unit\":null}"]), says("ok")))))

  it.effect("a jsonSchemaTool sends its schema as given and decodes with its own function", () =>
    Effect.gen(function*() {
      const raw = ToolLoop.jsonSchemaTool({
        name: "echo",
        description: "Echo",
        parameters: { type: "object", properties: { text: { type: "string" } } },
        decode: (args) => Effect.succeed(args.toUpperCase()),
        handler: (text) => Effect.succeed(text)
      })
      const result = yield* ToolLoop.chat(params, [raw])
      const [first] = yield* sent
      assert.deepStrictEqual(first!.tools[0], {
        type: "function",
        function: { name: "echo", description: "Echo", parameters: { type: "object", properties: { text: { type: "string" } } } }
      })
      assert.deepStrictEqual(result.messages[2], { role: "tool", tool_call_id: "e", content: "{\"TEXT\":\"HI\"}" })
    }).pipe(Effect.provide(chatRoute(callsTo(["e", "echo", "{\"text\":\"hi\"}"]), says("ok")))))

  it.effect("stopping the steps stream interrupts the loop and its running tools", () =>
    Effect.gen(function*() {
      const finalized = yield* Ref.make(false)
      const hanging = ToolLoop.tool({
        name: "wait",
        parameters: Schema.Struct({}),
        handler: () => Effect.never.pipe(Effect.ensuring(Ref.set(finalized, true)))
      })
      const steps = yield* ToolLoop.chatSteps(params, [hanging]).pipe(
        Stream.takeUntil((step) => step._tag === "ToolCallStarted"),
        Stream.runCollect
      )
      assert.strictEqual(Chunk.toReadonlyArray(steps).at(-1)?._tag, "ToolCallStarted")
      assert.isTrue(yield* Ref.get(finalized))
      assert.strictEqual((yield* sent).length, 1)
    }).pipe(Effect.provide(chatRoute(callsTo(["w", "wait", "{}"]), says("unreachable")))))

  it.effect("send makes each round's request: here streamed and added up by ChatCompletionStream", () =>
    Effect.gen(function*() {
      const program = ToolLoop.chat(params, [weather], {
        send: (request) => ChatCompletionStream.finalCompletion(Chat.Completions.createStream(request))
      })
      typeIs<Extract<Effect.Effect.Error<typeof program>, { readonly _tag: "StreamTruncatedError" }>["_tag"], "StreamTruncatedError">(true)
      const result = yield* program
      assert.strictEqual(result.completion.choices[0]!.message.content, "Mild")
      const [first, second] = yield* sent
      assert.strictEqual(first!.stream, true)
      assert.deepStrictEqual(second!.messages[2], {
        role: "tool",
        tool_call_id: "s1",
        content: "{\"city\":\"Rome\",\"unit\":\"C\",\"temperature\":24}"
      })
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /chat/completions": [
        OpenAITest.sse([
          { id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { role: "assistant", tool_calls: [{ index: 0, id: "s1", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Rome\"," } }] }, finish_reason: null }] },
          { id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: "\"unit\":null}" } }] }, finish_reason: "tool_calls" }] }
        ], { done: true }),
        OpenAITest.sse([
          { id: "c", object: "chat.completion.chunk", created: 2, model: "m", choices: [{ index: 0, delta: { role: "assistant", content: "Mild" }, finish_reason: "stop" }] }
        ], { done: true })
      ]
    }))))

  it.effect("a jsonSchemaTool's decode failure is reported like arguments that do not decode", () =>
    Effect.gen(function*() {
      const strictEcho = ToolLoop.jsonSchemaTool({
        name: "echo",
        parameters: { type: "object", properties: {} },
        decode: () => Effect.fail(new Error("expected an object with text")),
        handler: () => Effect.succeed("unreachable")
      })
      const result = yield* ToolLoop.chat(params, [strictEcho])
      assert.deepStrictEqual(result.messages[2], {
        role: "tool",
        tool_call_id: "e",
        content: "Error: the arguments do not match the parameters of \"echo\": expected an object with text"
      })
    }).pipe(Effect.provide(chatRoute(callsTo(["e", "echo", "{}"]), says("ok")))))
})

const responseWith = (id: string, output: NonNullable<Response["output"]>): OpenAITest.Reply<Response> =>
  OpenAITest.json<Response>({ id, object: "response", created_at: 1, status: "completed", model: "gpt-4o-mini", output })

const reasoning = { type: "reasoning", id: "rs_1", summary: [] } as const
const functionCall = {
  type: "function_call",
  id: "fc_1",
  call_id: "call_1",
  name: "get_weather",
  arguments: "{\"city\":\"Rome\",\"unit\":null}",
  status: "completed"
} as const
const message = {
  type: "message",
  id: "msg_1",
  role: "assistant",
  status: "completed",
  content: [{ type: "output_text", text: "Warm in Rome", annotations: [] }]
} as const

const responsesRoute = OpenAITest.layer({
  "POST /responses": [responseWith("resp_1", [reasoning, functionCall]), responseWith("resp_2", [message])]
})

describe("ToolLoop.responses", () => {
  it.effect("answers a function_call with a function_call_output of the same call_id, resending the output items", () =>
    Effect.gen(function*() {
      const result = yield* ToolLoop.responses({ model: "gpt-4o-mini", input: "Weather in Rome?" }, [weather])
      assert.strictEqual(result.response.id, "resp_2")
      const [first, second] = yield* sent
      assert.deepStrictEqual(first!.tools, [{
        type: "function",
        name: "get_weather",
        description: "The weather in a city",
        parameters: first!.tools[0].parameters,
        strict: true
      }])
      assert.deepStrictEqual(first!.input, [{ role: "user", content: "Weather in Rome?" }])
      const output = { type: "function_call_output", call_id: "call_1", output: "{\"city\":\"Rome\",\"unit\":\"C\",\"temperature\":24}" }
      assert.deepStrictEqual(second!.input, [{ role: "user", content: "Weather in Rome?" }, reasoning, functionCall, output])
      assert.strictEqual(second!.previous_response_id, undefined)
      assert.deepStrictEqual(result.input, [...second!.input, message])
    }).pipe(Effect.provide(responsesRoute)))

  it.effect("history: \"server\" sends only the outputs, after previous_response_id", () =>
    Effect.gen(function*() {
      yield* ToolLoop.responses({ model: "gpt-4o-mini", input: "Weather in Rome?" }, [weather], { history: "server" })
      const [, second] = yield* sent
      assert.strictEqual(second!.previous_response_id, "resp_1")
      assert.deepStrictEqual(second!.input, [
        { type: "function_call_output", call_id: "call_1", output: "{\"city\":\"Rome\",\"unit\":\"C\",\"temperature\":24}" }
      ])
    }).pipe(Effect.provide(responsesRoute)))

  it.effect("steps end with Final; maxRounds gives the input to go on with", () =>
    Effect.gen(function*() {
      const steps = Chunk.toReadonlyArray(yield* Stream.runCollect(ToolLoop.responsesSteps({ model: "m", input: "x" }, [weather])))
      assert.deepStrictEqual(steps.map((s) => s._tag), [
        "Request",
        "Answer",
        "ToolCallStarted",
        "ToolCallFinished",
        "ToolResults",
        "Request",
        "Answer",
        "Final"
      ])
      const error = yield* Effect.flip(ToolLoop.responses({ model: "m", input: "x" }, [weather], { maxRounds: 1 }))
      assert.strictEqual(error._tag, "MaxRoundsError")
      if (error._tag === "MaxRoundsError") {
        assert.deepStrictEqual(error.state.input.map((item) => (item as { readonly type?: string }).type), [
          undefined,
          "function_call",
          "function_call_output"
        ])
      }
    }).pipe(Effect.provide(OpenAITest.layer({
      "POST /responses": [
        responseWith("resp_1", [reasoning, functionCall]),
        responseWith("resp_2", [message]),
        responseWith("resp_3", [functionCall])
      ]
    }))))
})
