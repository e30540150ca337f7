import { resolve } from 'node:path'
import type { Server } from 'node:http'
import { Redis } from 'ioredis'
import type Koa from 'koa'
import { AuditLog } from './audit/audit-log.js'
import type { Config } from './config/schema.js'
import type { Control } from './control/control.js'
import { registerControlMetrics } from './control/control-metrics.js'
import { createControl } from './control/create-control.js'
import { createApp } from './http/app.js'
import { createServer, listen } from './http/server.js'
import type { AppState } from './http/state.js'
import { InferenceThreads } from './models/inference-threads/pool.js'
import { ModelRegistry } from './models/registry.js'
import { RepositoryWatcher } from './models/watcher.js'
import { createScrape } from './observability/cluster-metrics.js'
import { createLogger, type Logger } from './observability/logger.js'
import { createMetrics, createStoreUpGauge } from './observability/metrics.js'
import { createMetricsServer } from './observability/metrics-server.js'
import { PredictionCache } from './predict/cache.js'
import { InferenceCore } from './predict/inference-core.js'
import { RowDoor } from './predict/row-door.js'
import { DriftMonitor } from './drift/drift-monitor.js'
import { registerDriftGauges } from './drift/drift-gauges.js'
import { PayloadLog } from './drift/payload-log.js'
import { ShadowMirror } from './predict/shadow.js'
import { TensorDoor } from './predict/tensor-door.js'
import { ValidatorCache } from './predict/validators.js'
import { roleMapFrom } from './security/rbac.js'
import { loadVerificationKeys, type VerificationKeys } from './security/keys.js'
import { MemoryRevocationStore, RedisRevocationStore } from './security/revocation.js'
import { StoreHealth } from './security/store-health.js'
import { createSupply, loadModelTrust, signatureAdmission, type Supply } from './supply/supply.js'

/** A running gateway. */
export interface Runtime {
  server: Server
  port: number
  app: Koa<AppState>
  /** The port of the open metrics listener, when `metrics.port` is configured. */
  metricsPort?: number
  keys: VerificationKeys
  registry: ModelRegistry
  /** Model changes shared by every worker and replica. */
  control: Control
  logger: Logger
  /** Publish, delete, audit and the git source (src/supply/). */
  supply: Supply
  /** Resolves once every model has been tried. */
  modelsLoaded: Promise<void>
  close(): Promise<void>
}

/** How startRuntime orders listening and loading. */
export interface RuntimeOptions {
  /**
   * Listen only once every model has been tried. A cluster worker does this: the primary already
   * holds the port, and a worker that listened early would answer 503 beside ready siblings.
   */
  listenAfterLoad?: boolean
}

/** Builds every part from the config, listens, then loads models (readiness stays 503 until done). */
export async function startRuntime(config: Readonly<Config>, logger = createLogger({ level: config.logging.level }), options: RuntimeOptions = {}): Promise<Runtime> {
  const metrics = createMetrics()
  const keys = loadVerificationKeys(config)
  const redis = config.rateLimit.redisUrl === undefined ? undefined : connectRedis(config.rateLimit.redisUrl, config.rateLimit.redisCommandTimeoutMs)
  // Without a listener ioredis prints every failed reconnection with its stack to stderr.
  redis?.on('error', (err: Error) => logger.debug('redis connection error', { reason: err.message }))
  const storeHealth = redis === undefined ? undefined : new StoreHealth(redis, { logger, gauge: createStoreUpGauge(metrics.registry) })
  const { batching, threads: threadCount, ...sessionOptions } = config.inference
  const threads = threadCount > 0 ? new InferenceThreads(threadCount, logger) : undefined
  const audit = new AuditLog(logger, config.audit.maxEntries)
  const trust = loadModelTrust(config)
  const admit = signatureAdmission(trust, audit)
  const registry = new ModelRegistry({ dir: resolve(config.models.dir), logger, metrics, sessionOptions: { ...sessionOptions, threads }, drainMs: config.models.drainMs, admit })
  const supply = createSupply(config, { registry, audit, trust, sessionOptions })
  const cache = config.cache.enabled ? new PredictionCache(config.cache) : undefined
  const shadows = new ShadowMirror({ maxInFlight: config.models.shadowMaxInFlight, metrics, logger })
  const core = new InferenceCore({ metrics, cache, batching, shadows })
  const access = { registry, core, metrics, roleMap: roleMapFrom(config) }
  const drift = new DriftMonitor(config.drift)
  registerDriftGauges(metrics.registry, registry, drift)
  const payloadLog = new PayloadLog(resolve(config.drift.payloadLogDir))
  const rowDoor = new RowDoor({ ...access, validators: new ValidatorCache(config.limits.maxRows), drift, payloadLog })
  const tensorDoor = new TensorDoor({ ...access, limits: { maxRows: config.limits.maxRows } })
  const grace = config.auth.clockToleranceSeconds
  const revocations = redis === undefined ? new MemoryRevocationStore(grace) : new RedisRevocationStore(redis, config.rateLimit.redisKeyPrefix, grace, storeHealth)
  const control = createControl(config, registry, logger)
  registerControlMetrics(metrics.registry, control)
  // A version published, deleted or re-described here reaches every other worker and replica:
  // where the repository is a shared volume they reread it; the control store carries the word.
  supply?.publisher.onChange((change) => {
    control.reload(change.model).catch((err: Error) => logger.warn('publish could not reach other processes', { model: change.model, reason: err.message }))
  })
  const scrape = createScrape(metrics.registry)
  const app = createApp({ config, logger, metrics, registry, rowDoor, tensorDoor, drift, keys, revocations, redis, storeHealth, control, scrape, audit, supply })
  app.on('error', (err: Error) => logger.debug('connection error', { error: err.message }))
  const { pollIntervalMs, stableMs } = config.models
  const watcher = config.models.watch
    ? new RepositoryWatcher({ dir: resolve(config.models.dir), pollIntervalMs, stableMs, logger, onChange: (name, source) => registry.sync(name, source) })
    : undefined
  // The watcher's first snapshot comes before the full load, so a change made meanwhile is seen;
  // the control state comes before it too, so a model deactivated fleet-wide never serves here.
  const modelsLoaded = (async () => {
    await control.start().catch((err: Error) => logger.warn('control state could not be read; serving on model.yaml until it can', { store: control.storeKind, reason: err.message }))
    await watcher?.prime()
    await registry.loadAll()
    await supply.git?.sync.trigger('start')
    supply.git?.sync.start()
  })().catch((err: Error) => {
    logger.error('model repository could not be read', { dir: config.models.dir, reason: err.message })
  }).finally(() => watcher?.start())
  if (options.listenAfterLoad === true) await modelsLoaded
  const server = createServer(app, config)
  const port = await listen(server, config.server.host, config.server.port).catch(async (err: unknown) => {
    await watcher?.stop()
    throw err
  })
  logger.info('listening', { host: config.server.host, port, env: config.env })
  for (const key of config.allowUnsafe) logger.warn('unsafe setting accepted by allowUnsafe', { key, env: config.env })
  if (!config.auth.enabled) logger.warn('authentication is disabled: every request acts as "anonymous" with every role')
  const metricsServer = config.metrics.port === undefined ? undefined : createMetricsServer({ registry: metrics.registry, scrape, logger, headersTimeoutMs: config.server.headersTimeoutMs, requestTimeoutMs: config.server.requestTimeoutMs })
  const metricsHost = config.metrics.host ?? config.server.host
  const metricsPort = metricsServer === undefined ? undefined : await listen(metricsServer, metricsHost, config.metrics.port ?? 0).catch((err: unknown) => {
    server.close()
    throw err
  })
  if (metricsPort !== undefined) logger.info('metrics listening', { host: metricsHost, port: metricsPort })
  return {
    server, port, app, metricsPort, keys, registry, control, logger, supply, modelsLoaded,
    async close() {
      // In-flight requests finish; keep-alive sockets are closed as soon as they fall idle (not
      // only those idle now), and whatever still hangs after shutdownTimeoutMs is cut.
      const closed = new Promise<void>((done) => server.close(() => done()))
      const sweep = setInterval(() => server.closeIdleConnections(), 50)
      const force = setTimeout(() => server.closeAllConnections(), config.server.shutdownTimeoutMs).unref()
      await closed
      clearInterval(sweep)
      clearTimeout(force)
      await watcher?.stop()
      await supply.git?.sync.stop()
      await shadows.idle()
      await control.close()
      await registry.close()
      await threads?.close()
      await payloadLog.close()
      if (metricsServer !== undefined) {
        // Prometheus keeps its connection alive between scrapes.
        const metricsClosed = new Promise<void>((done) => metricsServer.close(() => done()))
        metricsServer.closeIdleConnections()
        await metricsClosed
      }
      storeHealth?.close()
      redis?.disconnect()
    },
  }
}

/**
 * The shared store's client. Every command is bounded by `commandTimeoutMs`, and a command cut by a
 * dropped connection is retried once, so no request waits long on Redis; ioredis reconnects by
 * itself (backoff up to 2 s) and StoreHealth turns requests away fast meanwhile.
 */
function connectRedis(url: string, commandTimeoutMs: number): Redis {
  return new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1, commandTimeout: commandTimeoutMs, connectTimeout: Math.max(commandTimeoutMs, 2000) })
}
