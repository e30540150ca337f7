import cluster, { type Worker } from 'node:cluster'
import type { Logger } from '../observability/logger.js'
import { restartDelayMs } from './backoff.js'

/** What the primary needs to run its workers. */
export interface PrimaryOptions {
  workers: number
  logger: Logger
  /** How long workers get to drain on SIGTERM before they are killed. */
  shutdownTimeoutMs: number
  /** Extra environment for every worker (a shared development secret, for one). */
  env?: Record<string, string>
}

// A worker that lived at least this long counts as healthy: its crash restarts it at once.
const HEALTHY_AFTER_MS = 10_000

/**
 * The node:cluster primary: forks the workers, which share the listening socket; restarts a worker
 * that dies, with backoff while workers keep dying; on SIGTERM or SIGINT tells every worker to
 * drain its in-flight requests, and resolves with the exit code once all are gone.
 */
export function runPrimary(options: PrimaryOptions): Promise<number> {
  const { logger } = options
  const started = new Map<Worker, number>()
  let crashes = 0
  let everListening = false
  let stopping = false
  let exitCode = 0

  const fork = (): void => {
    const worker = cluster.fork(options.env)
    started.set(worker, Date.now())
    worker.once('listening', () => {
      everListening = true
      logger.info('worker listening', { worker: worker.id, pid: worker.process.pid })
    })
  }

  const stop = (reason: string): void => {
    if (stopping) return
    stopping = true
    logger.info('stopping workers: draining in-flight requests', { reason, workers: started.size })
    for (const worker of started.keys()) worker.process.kill('SIGTERM')
    // Workers cut their own connections at shutdownTimeoutMs; this is the backstop.
    setTimeout(() => {
      for (const worker of started.keys()) worker.process.kill('SIGKILL')
    }, options.shutdownTimeoutMs + 5_000).unref()
  }

  return new Promise<number>((resolve) => {
    cluster.on('exit', (worker, code, signal) => {
      const lived = Date.now() - (started.get(worker) ?? Date.now())
      started.delete(worker)
      if (!stopping && !everListening) {
        // No worker ever listened: a config or port problem that restarting cannot fix.
        logger.error('worker exited before listening; giving up', { worker: worker.id, code, signal })
        exitCode = 1
        stop('startup failure')
      }
      if (stopping) {
        if (started.size === 0) resolve(exitCode)
        return
      }
      crashes = lived >= HEALTHY_AFTER_MS ? 1 : crashes + 1
      const delay = restartDelayMs(crashes)
      logger.error('worker exited; restarting', { worker: worker.id, pid: worker.process.pid, code, signal, restart_in_ms: delay })
      setTimeout(() => {
        if (!stopping) fork()
      }, delay)
    })
    process.on('SIGTERM', () => stop('SIGTERM'))
    process.on('SIGINT', () => stop('SIGINT'))
    logger.info('starting workers', { workers: options.workers, pid: process.pid })
    for (let i = 0; i < options.workers; i += 1) fork()
  })
}
