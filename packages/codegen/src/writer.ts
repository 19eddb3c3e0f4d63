/**
 * Bringing the files on disk in line with the generated text: only files whose bytes differ are written, and
 * files left in the generated folders that nothing generates any more are removed.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"

type Json = any

export interface Changes {
  /** Files that do not exist yet or whose bytes differ from the generated text. */
  readonly changed: ReadonlyArray<string>
  /** Files in the generated folders that the generator no longer produces. */
  readonly removed: ReadonlyArray<string>
}

/** `files` maps absolute paths to their text; `generatedDirs` are the folders the generator owns entirely. */
export const diff = (files: ReadonlyMap<string, string>, generatedDirs: ReadonlyArray<string>): Changes => {
  const existing = new Set<string>()
  for (const dir of generatedDirs) {
    if (!Fs.existsSync(dir)) continue
    for (const entry of Fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) existing.add(Path.join(entry.parentPath ?? (entry as Json).path, entry.name))
    }
  }
  const changed: Array<string> = []
  for (const [file, text] of files) {
    const before = Fs.existsSync(file) ? Fs.readFileSync(file, "utf8") : undefined
    if (before !== text) changed.push(file)
    existing.delete(file)
  }
  return { changed, removed: [...existing] }
}

/** `--check`: lists every file regenerating would change and exits 1 when there is one. */
export const failIfChanged = ({ changed, removed }: Changes, root: string): void => {
  if (changed.length === 0 && removed.length === 0) return
  for (const f of [...changed, ...removed]) console.error(`out of date: ${Path.relative(root, f)}`)
  console.error("codegen: generated code is out of date; run `pnpm codegen`")
  process.exit(1)
}

export const write = (files: ReadonlyMap<string, string>, { changed, removed }: Changes): void => {
  for (const file of changed) {
    Fs.mkdirSync(Path.dirname(file), { recursive: true })
    Fs.writeFileSync(file, files.get(file)!)
  }
  for (const file of removed) Fs.rmSync(file)
}
