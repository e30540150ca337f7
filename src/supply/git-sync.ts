import { createHash } from 'node:crypto'
import { constants } from 'node:fs'
import { open, readFile } from 'node:fs/promises'
import { join, relative, resolve } from 'node:path'
import type { AuditLog } from '../audit/audit-log.js'
import type { ModelSource } from '../models/repository.js'
import { scanRepository } from '../models/repository.js'
import { readModelFile } from '../models/version-loader.js'
import { withFileLock } from './file-lock.js'
import { SIGNATURE_SUFFIX } from './model-signature.js'
import type { ModelPublisher } from './publisher.js'
import { versionFolder } from './repository-writer.js'

/** What GitSync needs. */
export interface GitSyncOptions {
  /** Brings the clone up to date; resolves to the commit checked out. */
  pull: () => Promise<string>
  checkoutDir: string
  /** The folder inside the repository laid out as a model repository. */
  path: string
  /** The model repository (models.dir) the versions are published into. */
  dir: string
  publisher: ModelPublisher
  audit: AuditLog
  /** Time between scheduled syncs; 0: none. */
  pollIntervalMs: number
  /** How long a sync waits for another process's sync of the same checkout (worker processes share it). */
  lockTimeoutMs: number
}

/** What one sync did. */
export interface SyncReport {
  commit?: string
  published: number
  unchanged: number
  refused: number
  error?: string
}

const ACTOR = 'git-source'

/**
 * `models.source: git`: pulls the branch, and publishes every model.yaml and version of the
 * checkout that differs from the repository through ModelPublisher, so a version from git is
 * checked in isolation (and its signature verified) exactly as a published one; a broken one is
 * refused and audited while the version before it keeps serving. Worker processes sharing the
 * checkout take turns through a lock file beside it. Syncs never overlap: a trigger
 * during a sync runs one more sync after it, however many triggers came.
 */
export class GitSync {
  #running: Promise<SyncReport> | undefined
  #queued: Promise<SyncReport> | undefined
  #timer: NodeJS.Timeout | undefined
  #stopped = false
  #syncs = 0

  constructor(private readonly options: GitSyncOptions) {}

  /** Syncs started so far. */
  get syncCount(): number {
    return this.#syncs
  }

  /** Runs a sync now, or once more after the running one; never rejects. */
  trigger(reason: string): Promise<SyncReport> {
    if (this.#running === undefined) return this.#start(reason)
    this.#queued ??= this.#running.then(() => {
      this.#queued = undefined
      return this.#start(reason)
    })
    return this.#queued
  }

  /** Starts the scheduled syncs (none when pollIntervalMs is 0). */
  start(): void {
    if (this.options.pollIntervalMs === 0 || this.#stopped) return
    this.#timer = setInterval(() => void this.trigger('schedule'), this.options.pollIntervalMs)
    this.#timer.unref()
  }

  /** Stops the schedule and waits for a sync in progress. */
  async stop(): Promise<void> {
    this.#stopped = true
    clearInterval(this.#timer)
    await this.#queued
    await this.#running
  }

  #start(reason: string): Promise<SyncReport> {
    if (this.#stopped) return Promise.resolve({ published: 0, unchanged: 0, refused: 0, error: 'stopped' })
    this.#syncs += 1
    const run = this.#sync(reason).finally(() => {
      this.#running = undefined
    })
    this.#running = run
    return run
  }

  async #sync(reason: string): Promise<SyncReport> {
    const report: SyncReport = { published: 0, unchanged: 0, refused: 0 }
    try {
      await withFileLock(`${this.options.checkoutDir}.lock`, this.options.lockTimeoutMs, async () => {
        report.commit = await this.options.pull()
        const root = resolve(this.options.checkoutDir, this.options.path)
        if (relative(this.options.checkoutDir, root).startsWith('..')) throw new Error('models.git.path leaves the repository')
        for (const source of await scanRepository(root)) await this.#applyModel(source, report)
      })
    } catch (err) {
      report.error = (err as Error).message
    }
    const detail = `${reason}: commit ${report.commit ?? 'unknown'}, ${report.published} published, ${report.unchanged} unchanged, ${report.refused} refused`
    const outcome = report.error !== undefined || report.refused > 0 ? 'failed' : 'ok'
    this.options.audit.record({ actor: ACTOR, action: 'sync', outcome, detail, ...(report.error === undefined ? {} : { reason: report.error }) })
    return report
  }

  async #applyModel(source: ModelSource, report: SyncReport): Promise<void> {
    const { publisher, dir } = this.options
    const name = source.name
    if (source.metadataPath !== undefined) {
      const text = await this.#readCheckout(source.metadataPath, name, undefined, report)
      if (text !== undefined && text.toString('utf8') !== (await readText(join(dir, name, 'model.yaml')))) {
        const applied = await publisher.putMetadata({ actor: ACTOR, name, text: text.toString('utf8') }).then(
          () => true,
          () => false,
        )
        count(report, applied)
      }
    }
    for (const [version, path] of source.versions) {
      const bytes = await this.#readCheckout(path, name, version, report)
      if (bytes === undefined) continue
      const file = { bytes, digest: createHash('sha256').update(bytes).digest('hex') }
      const signatureBytes = await readCheckoutFile(`${path}${SIGNATURE_SUFFIX}`).catch(() => undefined)
      const signature = signatureBytes?.toString('utf8')
      const installedPath = join(versionFolder(dir, name, version), 'model.onnx')
      const installed = await readModelFile(installedPath).catch(() => undefined)
      if (installed?.digest === file.digest && signature?.trim() === (await readText(`${installedPath}${SIGNATURE_SUFFIX}`))?.trim()) {
        report.unchanged += 1
        continue
      }
      const request = { actor: ACTOR, name, version, bytes: file.bytes, signature: signature?.trim(), replace: true }
      count(
        report,
        await publisher.publish(request).then(
          () => true,
          () => false,
        ),
      )
    }
  }

  /** A file of the checkout, or undefined (refused and audited) when it is a symbolic link or unreadable. */
  async #readCheckout(path: string, model: string, version: string | undefined, report: SyncReport): Promise<Buffer | undefined> {
    try {
      return await readCheckoutFile(path)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      const reason = code === 'ELOOP' ? 'a symbolic link in the repository is never followed' : `the file cannot be read (${code ?? 'error'})`
      this.options.audit.record({ actor: ACTOR, action: version === undefined ? 'metadata' : 'publish', model, version, outcome: 'refused', reason })
      report.refused += 1
      return undefined
    }
  }
}

/**
 * Reads a file of the checkout without following a symbolic link (O_NOFOLLOW): a repository could
 * otherwise point `model.onnx` at any file the gateway can read. Symlinked folders are already
 * skipped by the repository scan, which lists only real directories.
 */
async function readCheckoutFile(path: string): Promise<Buffer> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW)
  try {
    return await handle.readFile()
  } finally {
    await handle.close()
  }
}

// The publisher has audited each refusal with its reason; the sync only counts them.
function count(report: SyncReport, applied: boolean): void {
  if (applied) report.published += 1
  else report.refused += 1
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch {
    // Absent (or unreadable) counts as no text: the caller compares, and a difference republishes.
    return undefined
  }
}
