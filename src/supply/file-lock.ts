import { open, readFile, rm, stat } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'

// A lock file without a pid this old is from a process that died between creating and writing it.
const UNWRITTEN_STALE_MS = 60_000

/**
 * Runs `task` while holding `path` as an exclusive lock file (created with O_EXCL, holding the pid),
 * so the worker processes of one machine never run git or write the same versions at once. A lock
 * whose process is gone is taken over; one held by a live process is waited for up to `timeoutMs`.
 */
export async function withFileLock<T>(path: string, timeoutMs: number, task: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      const handle = await open(path, 'wx')
      await handle.writeFile(String(process.pid))
      await handle.close()
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      if (await isStale(path)) {
        await rm(path, { force: true })
        continue
      }
      if (Date.now() > deadline) throw new Error('another process has held the sync lock for too long', { cause: err })
      await sleep(250)
    }
  }
  try {
    return await task()
  } finally {
    await rm(path, { force: true })
  }
}

async function isStale(path: string): Promise<boolean> {
  const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim())
  if (!Number.isInteger(pid) || pid <= 0) {
    const info = await stat(path).catch(() => undefined)
    return info === undefined || Date.now() - info.mtimeMs > UNWRITTEN_STALE_MS
  }
  try {
    process.kill(pid, 0)
    return false
  } catch (err) {
    // ESRCH: no such process. EPERM means it exists under another user, so the lock stands.
    return (err as NodeJS.ErrnoException).code === 'ESRCH'
  }
}
