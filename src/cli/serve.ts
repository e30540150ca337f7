import cluster from 'node:cluster'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { runPrimary } from '../cluster/primary.js'
import { ConfigError } from '../config/config-error.js'
import { checkFleetRules } from '../config/fleet-rules.js'
import type { Config } from '../config/schema.js'
import { hostClusterControl } from '../control/cluster-store.js'
import { buildDemoModels, DEMO_MODEL_NAMES } from '../demo/build-demo.js'
import { hostClusterMetrics } from '../observability/cluster-metrics.js'
import { createLogger } from '../observability/logger.js'
import { startRuntime, type Runtime } from '../runtime.js'
import { isHmacAlgorithm } from '../security/keys.js'
import { startStreamWorker } from '../streams/worker.js'
import { mintToken } from './token.js'

/**
 * `portcullis serve [--workers N|auto] [--build-demo-if-missing]`: runs the gateway until SIGTERM
 * or SIGINT, then drains in-flight requests. With more than one worker, this process becomes the
 * node:cluster primary and each worker runs the gateway on the shared port.
 */
export async function serveCommand(config: Readonly<Config>, argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { 'build-demo-if-missing': { type: 'boolean', default: false }, workers: { type: 'string' } },
  })
  if (cluster.isPrimary && values['build-demo-if-missing']) await buildDemoIfMissing(config.models.dir)
  const workers = workerCount(values.workers ?? config.server.workers)
  checkFleetRules(config, workers)
  if (cluster.isPrimary && workers > 1) {
    const logger = createLogger({ level: config.logging.level })
    if (config.rateLimit.redisUrl === undefined) {
      logger.warn('without REDIS_URL each worker keeps its own rate-limit counters and token revocation list; model control is held by this primary', { workers })
    }
    // The primary holds the control state when there is no Redis, and sums every worker's metrics for a scrape.
    hostClusterControl(logger)
    hostClusterMetrics(logger)
    // Streams run once, here, not in every worker: an MQTT session belongs to one client id.
    const streamWorker = config.streams.length === 0 ? undefined : await startStreamWorker(config, logger)
    const code = await runPrimary({ workers, logger, shutdownTimeoutMs: config.server.shutdownTimeoutMs, env: sharedSecret(config) })
    await streamWorker?.close()
    return code
  }
  const runtime = await startRuntime(config, undefined, { listenAfterLoad: cluster.isWorker, streams: !cluster.isWorker })
  const firstProcess = cluster.worker === undefined || cluster.worker.id === 1
  if (firstProcess && config.env === 'development' && config.auth.printDemoTokens) printDemoTokens(config, runtime)
  await waitForSignal()
  runtime.logger.info('shutting down: draining in-flight requests')
  await runtime.close()
  // A worker's IPC channel would keep it alive after its server closed.
  cluster.worker?.disconnect()
  return 0
}

/** `auto` is one worker per core the process may use. */
function workerCount(setting: string | number): number {
  if (setting === 'auto') return availableParallelism()
  const count = Number(setting)
  if (!Number.isInteger(count) || count < 1) throw new ConfigError('server.workers', `expected a positive integer or "auto", got ${JSON.stringify(setting)}`)
  return count
}

/**
 * Workers must verify each other's tokens: where development would make a random HS secret per
 * process, the primary makes one for all of them.
 */
function sharedSecret(config: Readonly<Config>): Record<string, string> {
  const { auth } = config
  if (!auth.algorithms.some(isHmacAlgorithm) || (auth.secret !== undefined && auth.secret !== '')) return {}
  return { JWT_SECRET: randomBytes(48).toString('base64url') }
}

async function buildDemoIfMissing(dir: string): Promise<void> {
  const missing = DEMO_MODEL_NAMES.filter((name) => !existsSync(join(resolve(dir), name)))
  if (missing.length === 0) return
  console.error(`building demo models into ${dir} (${missing.join(', ')} missing)`)
  await buildDemoModels(dir)
}

function printDemoTokens(config: Readonly<Config>, runtime: Runtime): void {
  const base = `http://${config.server.host}:${runtime.port}`
  const user = mintToken(config, runtime.keys, { subject: 'demo-user', roles: ['user'], ttlSeconds: 8 * 3600 })
  const admin = mintToken(config, runtime.keys, { subject: 'demo-admin', roles: ['admin'], ttlSeconds: 8 * 3600 })
  const secretNote = runtime.keys.ephemeral ? ' (signed with a random per-start secret; set JWT_SECRET to keep tokens across restarts)' : ''
  // Development only (config/production-rules.ts refuses this elsewhere); printed, never logged.
  console.log(
    [
      '',
      `Portcullis is serving on ${base}${secretNote}`,
      `  demo user token (role user, 8 h):   ${user}`,
      `  demo admin token (role admin, 8 h): ${admin}`,
      '',
      `  curl -s ${base}/api/v1/models/iris/predict -H "Authorization: Bearer $USER_TOKEN" \\`,
      `    -H 'Content-Type: application/json' -d '{"inputs": [[5.1, 3.5, 1.4, 0.2]]}'`,
      `  console: ${base}/   API docs: ${base}/docs`,
      '',
    ].join('\n'),
  )
}

function waitForSignal(): Promise<void> {
  return new Promise((resolveSignal) => {
    const stop = (): void => {
      process.off('SIGTERM', stop)
      process.off('SIGINT', stop)
      resolveSignal()
    }
    process.on('SIGTERM', stop)
    process.on('SIGINT', stop)
  })
}
