import assert from 'node:assert/strict'
import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import type { ModelSource } from '../../src/models/repository.js'
import { RepositoryWatcher } from '../../src/models/watcher.js'
import { createLogger } from '../../src/observability/logger.js'
import { eventually, fixture, tempRepo, type TempRepo } from './repo-fixtures.js'

interface Change {
  name: string
  source: ModelSource | undefined
  /** Size of version 1's file when the change was reported. */
  size?: number
}

/** A watcher on a hand-driven clock: each poll() is one scan at the time the test sets. */
function watch(repo: TempRepo, stableMs = 1000): { watcher: RepositoryWatcher; changes: Change[]; at(ms: number): Promise<void> } {
  let now = 0
  const changes: Change[] = []
  const watcher = new RepositoryWatcher({
    dir: repo.dir,
    pollIntervalMs: 10,
    stableMs,
    logger: createLogger({ level: 'error', silent: true }),
    now: () => now,
    onChange: async (name, source) => {
      const path = source?.versions.get('1')
      changes.push({ name, source, ...(path === undefined ? {} : { size: statSync(path).size }) })
    },
  })
  return {
    watcher,
    changes,
    async at(ms) {
      now = ms
      await watcher.poll()
    },
  }
}

describe('RepositoryWatcher.poll()', () => {
  const model = fixture('tiny-classifier.onnx')

  it('reports a new model only after its files stop changing for stableMs', async () => {
    const repo = tempRepo()
    after(() => repo.cleanup())
    const { watcher, changes, at } = watch(repo)
    await watcher.prime()
    const path = join(repo.dir, 'copied', '1', 'model.onnx')
    mkdirSync(join(repo.dir, 'copied', '1'), { recursive: true })
    const third = Math.ceil(model.length / 3)
    appendFileSync(path, model.subarray(0, third))
    await at(0)
    appendFileSync(path, model.subarray(third, 2 * third))
    await at(900)
    await at(1800)
    assert.equal(changes.length, 0, 'a file that grew 900 ms ago is not stable for 1000 ms')
    appendFileSync(path, model.subarray(2 * third))
    await at(2000)
    await at(2900)
    assert.equal(changes.length, 0)
    await at(3100)
    assert.equal(changes.length, 1)
    assert.equal(changes[0]?.name, 'copied')
    assert.equal(changes[0]?.size, model.length, 'reported once the copy is complete')
    await at(9000)
    assert.equal(changes.length, 1, 'an applied state is reported once')
  })

  it('reports a replaced file, a new version and a removed model', async () => {
    const repo = tempRepo()
    after(() => repo.cleanup())
    repo.writeVersion('live', 1, model)
    const { watcher, changes, at } = watch(repo)
    await watcher.prime()
    await at(0)
    assert.equal(changes.length, 0, 'what was there at prime() is already applied')
    // Write-then-rename, as deployment tools do: a new inode at the same path.
    const staged = join(repo.dir, 'staged.tmp')
    appendFileSync(staged, fixture('simple.onnx'))
    renameSync(staged, join(repo.dir, 'live', '1', 'model.onnx'))
    await at(100)
    await at(1200)
    assert.equal(changes.length, 1)
    repo.writeVersion('live', 2, model)
    await at(1300)
    await at(2400)
    assert.deepEqual([...(changes[1]?.source?.versions.keys() ?? [])], ['1', '2'])
    repo.remove('live')
    await at(2500)
    await at(3600)
    assert.equal(changes.length, 3)
    assert.deepEqual(changes[2], { name: 'live', source: undefined })
  })

  it('ignores a model that appears and vanishes before it settles', async () => {
    const repo = tempRepo()
    after(() => repo.cleanup())
    const { watcher, changes, at } = watch(repo)
    await watcher.prime()
    repo.writeVersion('blip', 1, model)
    await at(0)
    repo.remove('blip')
    await at(500)
    await at(5000)
    assert.equal(changes.length, 0)
  })

  it('keeps polling when the repository folder is briefly missing', async () => {
    const repo = tempRepo()
    after(() => repo.cleanup())
    const { watcher, changes, at } = watch(repo, 0)
    await watcher.prime()
    repo.remove('')
    await at(0)
    mkdirSync(repo.dir)
    repo.writeVersion('back', 1, model)
    await at(10)
    await at(20)
    assert.deepEqual(changes.map((change) => change.name), ['back'])
  })
})

describe('RepositoryWatcher.start()', () => {
  it('polls on its own until stopped', async () => {
    const repo = tempRepo()
    after(() => repo.cleanup())
    const seen: string[] = []
    const watcher = new RepositoryWatcher({
      dir: repo.dir,
      pollIntervalMs: 20,
      stableMs: 0,
      logger: createLogger({ level: 'error', silent: true }),
      onChange: async (name) => {
        seen.push(name)
      },
    })
    await watcher.prime()
    watcher.start()
    repo.writeVersion('timed', 1, fixture('tiny-classifier.onnx'))
    await eventually(() => (seen.includes('timed') ? true : undefined), 'the watcher to report the new model')
    await watcher.stop()
    repo.writeVersion('late', 1, fixture('tiny-classifier.onnx'))
    watcher.start()
    await new Promise((resolve) => setTimeout(resolve, 100))
    assert.deepEqual(seen, ['timed'], 'a stopped watcher does not start again')
  })
})
