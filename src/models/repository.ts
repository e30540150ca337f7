import type { Dirent } from 'node:fs'
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'

/** One model found in the repository, with the files of its versions. */
export interface ModelSource {
  name: string
  /** model.yaml, when the model has one. */
  metadataPath?: string
  /** Version number (as a string) → model.onnx path. */
  versions: Map<string, string>
}

/** Model names: letters, digits, `-`, `_`, `.`; they become URL segments and metric labels. */
export const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/

// Triton's rule: version folders are positive integers without a leading zero.
const VERSION_FOLDER = /^[1-9]\d{0,8}$/

/** Scans `<dir>/<name>/<n>/model.onnx` (+ model.yaml) and `<dir>/<name>.onnx` (version 1). */
export async function scanRepository(dir: string): Promise<ModelSource[]> {
  const entries = await readdir(dir, { withFileTypes: true })
  const models = new Map<string, ModelSource>()
  for (const entry of entries) {
    const kind = await kindOf(dir, entry)
    if (kind === 'file' && entry.name.endsWith('.onnx')) {
      const name = entry.name.slice(0, -'.onnx'.length)
      if (!MODEL_NAME.test(name) || models.has(name)) continue
      models.set(name, { name, versions: new Map([['1', join(dir, entry.name)]]) })
    } else if (kind === 'directory' && MODEL_NAME.test(entry.name)) {
      const source = await scanModelFolder(join(dir, entry.name), entry.name).catch(skipVanished)
      if (source !== undefined) models.set(entry.name, source)
    }
  }
  return [...models.values()].sort((a, b) => a.name.localeCompare(b.name))
}

async function scanModelFolder(folder: string, name: string): Promise<ModelSource | undefined> {
  const entries = await readdir(folder, { withFileTypes: true })
  const versions = new Map<string, string>()
  let metadataPath: string | undefined
  for (const entry of entries) {
    // Any entry named model.yaml counts, whatever it is: a symlink (a ConfigMap swaps one in) is
    // followed when read, and one that cannot be read fails the model closed rather than letting
    // it serve without the roles the file would set.
    if (entry.name === 'model.yaml') metadataPath = join(folder, entry.name)
    if (VERSION_FOLDER.test(entry.name) && (await kindOf(folder, entry)) === 'directory') {
      const files = (await readdir(join(folder, entry.name)).catch(skipVanished)) ?? []
      if (files.includes('model.onnx')) versions.set(entry.name, join(folder, entry.name, 'model.onnx'))
    }
  }
  if (versions.size === 0 && metadataPath === undefined) return undefined
  return { name, metadataPath, versions: new Map([...versions].sort(([a], [b]) => Number(a) - Number(b))) }
}

/** What an entry is, with symlinks followed (as model.onnx always was); a dangling link is 'missing'. */
async function kindOf(dir: string, entry: Dirent): Promise<'file' | 'directory' | 'other' | 'missing'> {
  if (!entry.isSymbolicLink()) return entry.isFile() ? 'file' : entry.isDirectory() ? 'directory' : 'other'
  const target = await stat(join(dir, entry.name)).catch(skipVanished)
  if (target === undefined) return 'missing'
  return target.isFile() ? 'file' : target.isDirectory() ? 'directory' : 'other'
}

// The repository changes under a running scan (the watcher's whole point): a folder removed
// between readdir and its own listing is skipped, and the next scan sees the final state.
function skipVanished(err: unknown): undefined {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined
  throw err
}
