/**
 * The async iterator of the streaming helpers (`for await` over a `ChatCompletionStream`'s chunks or a
 * `ResponseStream`'s events): items pushed by the helper as it emits them, buffered until read; the iterator ends
 * with the helper's `end`, rejects with its `error` or `abort` once the buffered items are read, and leaving the
 * loop early (`break`, `return`) aborts the helper's request.
 */
import type { APIUserAbortError, OpenAIError } from "../core/error.js"

/** What the iterator needs of a helper. */
export interface Iterated {
  readonly ended: boolean
  abort(): void
  done(): Promise<void>
  on(event: "end", listener: () => void): unknown
  on(event: "error", listener: (error: OpenAIError) => void): unknown
  on(event: "abort", listener: (error: APIUserAbortError) => void): unknown
  off(event: "end", listener: () => void): unknown
  off(event: "error", listener: (error: OpenAIError) => void): unknown
  off(event: "abort", listener: (error: APIUserAbortError) => void): unknown
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true })

/**
 * An iterator over what `attach` pushes: `attach` registers the push (the helper calls it for each item) and
 * returns how to unregister it.
 */
export const iterate = <A>(helper: Iterated, attach: (push: (item: A) => void) => () => void): AsyncIterator<A> => {
  let queue: Array<A> = []
  let head = 0
  const readers: Array<{ readonly resolve: (r: IteratorResult<A>) => void; readonly reject: (e: unknown) => void }> = []
  let finished = helper.ended
  let failure: { readonly error: unknown } | undefined
  let detachPush: (() => void) | undefined
  const push = (item: A): void => {
    const reader = readers.shift()
    if (reader !== undefined) reader.resolve({ value: item, done: false })
    else queue.push(item)
  }
  const onFailure = (error: unknown): void => {
    failure = { error }
  }
  const detach = (): void => {
    detachPush?.()
    helper.off("end", onEnd)
    helper.off("error", onFailure)
    helper.off("abort", onFailure)
  }
  // `end` follows `error` and `abort`: waiting readers settle then, with the failure if there was one.
  const onEnd = (): void => {
    finished = true
    detach()
    for (const reader of readers.splice(0)) {
      if (failure !== undefined) {
        reader.reject(failure.error)
        failure = undefined
      } else reader.resolve(DONE)
    }
  }
  if (!finished) {
    detachPush = attach(push)
    helper.on("end", onEnd)
    helper.on("error", onFailure)
    helper.on("abort", onFailure)
  }
  return {
    next: () => {
      if (head < queue.length) {
        const value = queue[head++]!
        if (head === queue.length) {
          queue = []
          head = 0
        }
        return Promise.resolve({ value, done: false })
      }
      if (failure !== undefined) {
        const { error } = failure
        failure = undefined
        return Promise.reject(error)
      }
      if (finished) return Promise.resolve(DONE)
      return new Promise((resolve, reject) => readers.push({ resolve, reject }))
    },
    return: () => {
      if (!finished) {
        finished = true
        detach()
        // Leaving the loop is the consumer's own doing: the abort it causes is not an unhandled failure.
        helper.done().catch(() => undefined)
        helper.abort()
      }
      return Promise.resolve(DONE)
    }
  }
}
