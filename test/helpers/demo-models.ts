import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildDemoModels } from '../../src/demo/build-demo.js'

let built: Promise<string> | undefined

/** Builds the demo models once per test process into a shared temp folder. */
export function demoModelsDir(): Promise<string> {
  built ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-demo-'))
    await buildDemoModels(dir)
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
    return dir
  })()
  return built
}

/** A fresh temp model repository holding a copy of the demo models; removed by `cleanup`. */
export async function tempRepository(): Promise<{ dir: string; cleanup: () => void }> {
  const source = await demoModelsDir()
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-repo-'))
  cpSync(source, dir, { recursive: true })
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}
