import { stat } from 'node:fs/promises'
import type { Logger } from '../observability/logger.js'
import { scanRepository, type ModelSource } from './repository.js'
import { profilePathOf } from '../drift/profile.js'

/** Options of RepositoryWatcher. */
export interface WatcherOptions {
  dir: string
  /** Time between two scans. */
  pollIntervalMs: number
  /** How long a model's files must keep the same size and mtime before they are loaded. */
  stableMs: number
  logger: Logger
  /** Called once a model's files are stable and differ from what was last applied; `undefined` when it is gone. */
  onChange: (name: string, source: ModelSource | undefined) => Promise<void>
  /** The clock, in ms; tests drive it by hand. */
  now?: () => number
}

interface Observation {
  fingerprint: string
  since: number
  source: ModelSource | undefined
}

const ABSENT = 'absent'

/**
 * Watches the model repository by polling, as Triton's `--model-control-mode=poll` does: every
 * `pollIntervalMs` it lists the repository and stats model.yaml and each model.onnx (size, mtime,
 * ctime, inode). A model whose fingerprint changed is handed to `onChange` only after it has stayed
 * the same for `stableMs`, so a file still being copied is never loaded.
 *
 * Polling rather than fs.watch: recursive fs.watch is not available on Linux in Node 20, inotify
 * misses changes on network and container volumes, and Kubernetes ConfigMap volumes swap a
 * symlink instead of writing files. A scan of a repository's few files costs microseconds.
 */
export class RepositoryWatcher {
  readonly #observed = new Map<string, Observation>()
  readonly #applied = new Map<string, string>()
  readonly #now: () => number
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined
  #stopped = true
  #closed = false

  constructor(private readonly options: WatcherOptions) {
    this.#now = options.now ?? Date.now
  }

  /** Records the repository as it is now, as already applied (call before the first full load). */
  async prime(): Promise<void> {
    for (const [name, observation] of await this.#snapshot()) {
      this.#observed.set(name, observation)
      this.#applied.set(name, observation.fingerprint)
    }
  }

  /** Starts polling; does nothing once stopped. */
  start(): void {
    if (this.#closed) return
    this.#stopped = false
    this.#schedule()
  }

  /** Stops polling and waits for a poll in progress. */
  async stop(): Promise<void> {
    this.#closed = true
    this.#stopped = true
    clearTimeout(this.#timer)
    await this.#running
  }

  /** One scan: notes changes, and applies those that have been stable for `stableMs`. Never throws. */
  async poll(): Promise<void> {
    let snapshot: Map<string, Observation>
    try {
      snapshot = await this.#snapshot()
    } catch (err) {
      this.options.logger.warn('model repository scan failed', { dir: this.options.dir, reason: (err as Error).message })
      return
    }
    const names = new Set([...snapshot.keys(), ...this.#applied.keys(), ...this.#observed.keys()])
    for (const name of names) {
      const current = snapshot.get(name) ?? { fingerprint: ABSENT, since: this.#now(), source: undefined }
      const seen = this.#observed.get(name)
      if (seen === undefined || seen.fingerprint !== current.fingerprint) {
        this.#observed.set(name, current)
        continue
      }
      if ((this.#applied.get(name) ?? ABSENT) === current.fingerprint) {
        if (current.source === undefined) this.#observed.delete(name)
        continue
      }
      if (this.#now() - seen.since < this.options.stableMs) continue
      if (current.source === undefined) this.#applied.delete(name)
      else this.#applied.set(name, current.fingerprint)
      try {
        await this.options.onChange(name, current.source)
      } catch (err) {
        this.options.logger.error('model change could not be applied', { model: name, reason: (err as Error).message })
      }
    }
  }

  #schedule(): void {
    if (this.#stopped) return
    this.#timer = setTimeout(() => {
      this.#running = this.poll().finally(() => {
        this.#running = undefined
        this.#schedule()
      })
    }, this.options.pollIntervalMs)
    this.#timer.unref()
  }

  async #snapshot(): Promise<Map<string, Observation>> {
    const sources = await scanRepository(this.options.dir)
    const now = this.#now()
    const entries = await Promise.all(sources.map(async (source) => {
      const fingerprint = await fingerprintOf(source)
      return [source.name, { fingerprint, since: now, source }] as const
    }))
    return new Map(entries)
  }
}

/** What identifies a model's files on disk without reading them. */
async function fingerprintOf(source: ModelSource): Promise<string> {
  // A version's profile.json counts too, so storing a profile reaches a running gateway.
  const profiles = [...source.versions].flatMap(([version, path]) => {
    const profile = profilePathOf(path)
    return profile === undefined ? [] : [[`${version}.profile`, profile]]
  })
  const files = [...(source.metadataPath === undefined ? [] : [['yaml', source.metadataPath]]), ...source.versions, ...profiles]
  const parts = await Promise.all(files.map(async ([label, path]) => `${label}=${await fileFingerprint(path ?? '')}`))
  return parts.join(';')
}

async function fileFingerprint(path: string): Promise<string> {
  try {
    const info = await stat(path, { bigint: true })
    return `${info.size}:${info.mtimeNs}:${info.ctimeNs}:${info.ino}`
  } catch (err) {
    // Removed between the listing and the stat: the next poll sees the repository settled.
    return `missing:${(err as NodeJS.ErrnoException).code ?? 'error'}`
  }
}
