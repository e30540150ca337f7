import { mkdir, readdir, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/** The next version number under a model directory: one above the highest numeric directory, 1 when none. */
export async function nextVersion(modelDir: string): Promise<number> {
  let entries: string[]
  try {
    entries = await readdir(modelDir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 1
    throw err
  }
  return entries.filter((entry) => /^[1-9]\d*$/.test(entry)).reduce((top, entry) => Math.max(top, Number(entry)), 0) + 1
}

/** Writes a file through a temporary name and a rename, so the model watcher never sees half of it. */
export async function writeFileAtomic(path: string, contents: Uint8Array | string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`
  await writeFile(temporary, contents)
  await rename(temporary, path)
}

/** Creates a directory and its parents. */
export async function ensureDir(path: string): Promise<string> {
  await mkdir(path, { recursive: true })
  return path
}

/** `<models>/<name>/<version>`. */
export function versionDir(modelsDir: string, model: string, version: number | string): string {
  return join(modelsDir, model, String(version))
}
