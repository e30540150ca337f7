import { randomBytes } from 'node:crypto'
import { access, mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { SIGNATURE_SUFFIX } from './model-signature.js'

/** What one published version holds on disk. */
export interface VersionFiles {
  model: Uint8Array
  /** Base64 signature for `model.onnx.sig`, when the version is signed. */
  signature?: string
}

// Work files start with a dot: the repository scan skips them (model names and version folders
// start with a letter or digit), so nothing half-written is ever seen as a model or a version.
function workName(kind: string): string {
  return `.${kind}-${randomBytes(6).toString('hex')}`
}

/** The folder of one version: `<dir>/<name>/<version>`. */
export function versionFolder(dir: string, name: string, version: string): string {
  return join(dir, name, version)
}

/** True when a file or folder exists at `path`. */
export async function exists(path: string): Promise<boolean> {
  try {
    await access(path)
    return true
  } catch {
    // access() answers only by throwing; any failure means there is nothing usable there.
    return false
  }
}

/**
 * Writes a version into a work folder beside its final place, then renames it in. A replaced
 * version's folder is first renamed aside and removed afterwards, so a reader sees the old files
 * or the new ones, never a mix, and the registry's reload happens after the swap.
 */
export async function writeVersion(dir: string, name: string, version: string, files: VersionFiles): Promise<void> {
  const modelFolder = join(dir, name)
  await mkdir(modelFolder, { recursive: true })
  const work = join(modelFolder, workName(`publish-${version}`))
  const target = versionFolder(dir, name, version)
  try {
    await mkdir(work)
    await writeFile(join(work, 'model.onnx'), files.model, { flag: 'wx' })
    if (files.signature !== undefined) await writeFile(join(work, `model.onnx${SIGNATURE_SUFFIX}`), `${files.signature}\n`, { flag: 'wx' })
    const aside = (await exists(target)) ? join(modelFolder, workName(`replaced-${version}`)) : undefined
    if (aside !== undefined) await rename(target, aside)
    await rename(work, target)
    if (aside !== undefined) await rm(aside, { recursive: true, force: true })
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

/** Removes a version folder: renamed aside first (one atomic step), then deleted. */
export async function removeVersion(dir: string, name: string, version: string): Promise<void> {
  const aside = join(dir, name, workName(`deleted-${version}`))
  await rename(versionFolder(dir, name, version), aside)
  await rm(aside, { recursive: true, force: true })
}

/** Replaces `<dir>/<name>/model.yaml` with a write to a work file and a rename over it. */
export async function writeMetadata(dir: string, name: string, text: string): Promise<void> {
  const modelFolder = join(dir, name)
  await mkdir(modelFolder, { recursive: true })
  const work = join(modelFolder, workName('model.yaml'))
  try {
    await writeFile(work, text, { flag: 'wx' })
    await rename(work, join(modelFolder, 'model.yaml'))
  } finally {
    await rm(work, { force: true })
  }
}
