import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, describe, it } from 'node:test'
import { withFileLock } from '../../src/supply/file-lock.js'

describe('withFileLock(path, timeoutMs, task)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-lock-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('runs one holder at a time and removes the lock afterwards', async () => {
    const path = join(dir, 'a.lock')
    const events: string[] = []
    const hold = (name: string) =>
      withFileLock(path, 10_000, async () => {
        events.push(`${name} in`)
        await sleep(100)
        events.push(`${name} out`)
      })
    await Promise.all([hold('first'), hold('second')])
    assert.deepEqual(
      events.map((event) => event.split(' ')[1]),
      ['in', 'out', 'in', 'out'],
    )
    assert.equal(existsSync(path), false)
  })

  it('takes over a lock whose process is gone, and waits no longer than the timeout for a live one', async () => {
    const stale = join(dir, 'stale.lock')
    // Pids are below 2^22 on Linux, so this one belongs to no process.
    writeFileSync(stale, '4194999')
    assert.equal(await withFileLock(stale, 1000, () => Promise.resolve('ran')), 'ran')
    const live = join(dir, 'live.lock')
    writeFileSync(live, String(process.pid))
    await assert.rejects(
      withFileLock(live, 300, () => Promise.resolve('ran')),
      /held the sync lock/,
    )
    assert.equal(existsSync(live), true)
  })
})
