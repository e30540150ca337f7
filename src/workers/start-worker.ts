import { extname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'

/**
 * Starts a worker thread from `entry`, a module beside the caller named without extension: the
 * compiled .js in production. Run from the TypeScript sources (tests, tsx), a worker does not
 * inherit tsx's loader hooks, so it registers them itself before importing the .ts entry.
 */
export function startWorker(callerUrl: string, entry: string): Worker {
  const extension = extname(fileURLToPath(callerUrl))
  const url = new URL(`${entry}${extension}`, callerUrl)
  if (extension !== '.ts') return new Worker(url)
  return new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}) })`, { eval: true })
}
