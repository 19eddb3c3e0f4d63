/**
 * Multipart bodies as the contract suite reads them: parts with their own content types (which
 * `Request.formData` drops).
 */

export interface Part {
  readonly name: string
  readonly contentType: string | undefined
  readonly data: Buffer
}

/** The parts of a multipart/form-data body, with their own content types (which `Request.formData` drops). */
export const multipartParts = (body: Buffer, contentType: string): Array<Part> | undefined => {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1]
  if (!contentType.startsWith("multipart/form-data") || boundary === undefined) return undefined
  const text = body.toString("latin1")
  const parts: Array<Part> = []
  for (const chunk of text.split(`--${boundary}`).slice(1)) {
    if (chunk.startsWith("--")) break
    const split = chunk.indexOf("\r\n\r\n")
    if (split === -1) return undefined
    const head = chunk.slice(0, split)
    const name = /content-disposition:[^\r\n]*;\s*name="([^"]*)"/i.exec(head)?.[1]
    if (name === undefined) return undefined
    const type = /content-type:\s*([^\r\n]+)/i.exec(head)?.[1]?.trim()
    parts.push({ name, contentType: type, data: Buffer.from(chunk.slice(split + 4).replace(/\r\n$/, ""), "latin1") })
  }
  return parts
}
