// Helpers for the model supply tests: uploads, repository listings, and a fixed-shape row.
import { createHash } from 'node:crypto'
import { readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { contentDigestOf } from '../../src/supply/content-digest.js'

/** One Iris row (setosa). */
export const SETOSA = [5.1, 3.5, 1.4, 0.2]

/** sha256 hex of some bytes. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** PUTs ONNX bytes to the publish route. */
export function putVersion(url: string, token: string, model: string, version: string, bytes: Uint8Array, headers: Record<string, string> = {}, query = ''): Promise<Response> {
  return fetch(`${url}/api/v1/admin/models/${model}/versions/${version}${query}`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/octet-stream', ...headers },
    body: bytes,
  })
}

/** The Content-Digest header of some bytes. */
export function digestHeader(bytes: Uint8Array): Record<string, string> {
  return { 'Content-Digest': contentDigestOf(sha256(bytes)) }
}

/** Every file and folder under `dir` with its size, so a test can tell that nothing was written. */
export function listing(dir: string): string[] {
  const entries: string[] = []
  const walk = (folder: string): void => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name)
      const info = statSync(path)
      entries.push(`${relative(dir, path)}:${info.isDirectory() ? 'dir' : info.size}`)
      if (info.isDirectory()) walk(path)
    }
  }
  walk(dir)
  return entries.sort()
}

/** The JSON body of a response, typed by the caller. */
export async function json<T>(response: Response): Promise<T> {
  return (await response.json()) as T
}
