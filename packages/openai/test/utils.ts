import type * as Exit from "effect/Exit"
import * as Logger from "effect/Logger"
import * as Tracer from "effect/Tracer"

/** A span that records what it was told, for assertions. */
export interface RecordedSpan {
  readonly name: string
  readonly attributes: Map<string, unknown>
  ended: boolean
}

/** A tracer that keeps every span it makes. */
export const recordingTracer = (): { readonly tracer: Tracer.Tracer; readonly spans: Array<RecordedSpan> } => {
  const spans: Array<RecordedSpan> = []
  let id = 0
  const tracer = Tracer.make({
    span(name, parent, context, links, _startTime, kind) {
      const attributes = new Map<string, unknown>()
      const record: RecordedSpan = { name, attributes, ended: false }
      spans.push(record)
      const span: Tracer.Span = {
        _tag: "Span",
        name,
        spanId: `span${++id}`,
        traceId: "trace",
        parent,
        context,
        status: { _tag: "Started", startTime: 0n },
        attributes,
        links,
        sampled: true,
        kind,
        end(_endTime: bigint, _exit: Exit.Exit<unknown, unknown>) {
          record.ended = true
        },
        attribute(key: string, value: unknown) {
          attributes.set(key, value)
        },
        event() {},
        addLinks() {}
      }
      return span
    },
    context: (f) => f()
  })
  return { tracer, spans }
}

/** A logger layer that collects formatted messages with their annotations. */
export const collectLogs = () => {
  const lines: Array<{ level: string; message: unknown; annotations: Record<string, unknown> }> = []
  const logger = Logger.make(({ annotations, logLevel, message }) => {
    const record: Record<string, unknown> = {}
    for (const [k, v] of annotations) record[k] = v
    lines.push({ level: logLevel.label, message, annotations: record })
  })
  const layer = Logger.replace(Logger.defaultLogger, logger)
  return { lines, layer }
}
