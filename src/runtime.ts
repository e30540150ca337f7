import { resolve } from 'node:path'
import type { Server } from 'node:http'
import { Redis } from 'ioredis'
import type Koa from 'koa'
import type { Config } from './config/schema.js'
import { createApp } from './http/app.js'
import { createServer, listen } from './http/server.js'
import type { AppState } from './http/state.js'
import { InferenceThreads } from './models/inference-threads.js'
import { ModelRegistry } from './models/registry.js'
import { RepositoryWatcher } from './models/watcher.js'
import { createLogger, type Logger } from './observability/logger.js'
import { createMetrics } from './observability/metrics.js'
import { createMetricsServer } from './observability/metrics-server.js'
import { PredictionCache } from './predict/cache.js'
import { Predictor } from './predict/predictor.js'
import { ShadowMirror } from './predict/shadow.js'
import { TensorPredictor } from './predict/tensor-predictor.js'
import { loadVerificationKeys, type VerificationKeys } from './security/keys.js'
import { MemoryRevocationStore, RedisRevocationStore } from './security/revocation.js'
import { StreamSet } from './streams/stream-set.js'

/** A running gateway. */
export interface Runtime {
  server: Server
  port: number
  app: Koa<AppState>
  /** The port of the open metrics listener, when `metrics.port` is configured. */
  metricsPort?: number
  keys: VerificationKeys
  registry: ModelRegistry
  logger: Logger
  /** The configured `streams:`, when there are any (started once the models were tried). */
  streams?: StreamSet
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
  /** Run the configured streams in this process (default true; cluster workers leave them to one process). */
  streams?: boolean
}

/** Builds every part from the config, listens, then loads models (readiness stays 503 until done). */
export async function startRuntime(config: Readonly<Config>, logger = createLogger({ level: config.logging.level }), options: RuntimeOptions = {}): Promise<Runtime> {
  const metrics = createMetrics()
  const keys = loadVerificationKeys(config)
  const redis = config.rateLimit.redisUrl === undefined ? undefined : new Redis(config.rateLimit.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 })
  const { batching, threads: threadCount, ...sessionOptions } = config.inference
  const threads = threadCount > 0 ? new InferenceThreads(threadCount, logger) : undefined
  const registry = new ModelRegistry({ dir: resolve(config.models.dir), logger, metrics, sessionOptions: { ...sessionOptions, threads }, drainMs: config.models.drainMs })
  const cache = config.cache.enabled ? new PredictionCache(config.cache) : undefined
  const predictor = new Predictor(metrics, cache, batching)
  const tensorPredictor = new TensorPredictor(metrics, config.cache.enabled ? config.cache : undefined)
  const shadows = new ShadowMirror({ maxInFlight: config.models.shadowMaxInFlight, metrics, logger })
  const grace = config.auth.clockToleranceSeconds
  const revocations = redis === undefined ? new MemoryRevocationStore(grace) : new RedisRevocationStore(redis, config.rateLimit.redisKeyPrefix, grace)
  const streams = config.streams.length === 0 || options.streams === false ? undefined : new StreamSet({ config, registry, predictor, shadows, metrics, keys, revocations, logger })
  const app = createApp({ config, logger, metrics, registry, predictor, tensorPredictor, shadows, keys, revocations, redis, streams })
  app.on('error', (err: Error) => logger.debug('connection error', { error: err.message }))
  const { pollIntervalMs, stableMs } = config.models
  const watcher = config.models.watch
    ? new RepositoryWatcher({ dir: resolve(config.models.dir), pollIntervalMs, stableMs, logger, onChange: (name, source) => registry.sync(name, source) })
    : undefined
  // The watcher's first snapshot comes before the full load, so a change made meanwhile is seen.
  const modelsLoaded = (async () => {
    await watcher?.prime()
    await registry.loadAll()
  })().catch((err: Error) => {
    logger.error('model repository could not be read', { dir: config.models.dir, reason: err.message })
  }).finally(() => watcher?.start())
  // A message taken before the models were tried would find no model: streams start after.
  const streamsStarted = streams === undefined ? undefined : modelsLoaded.then(() => streams.start())
  if (options.listenAfterLoad === true) await modelsLoaded
  const server = createServer(app, config)
  const port = await listen(server, config.server.host, config.server.port).catch(async (err: unknown) => {
    await watcher?.stop()
    throw err
  })
  logger.info('listening', { host: config.server.host, port, env: config.env })
  if (!config.auth.enabled) logger.warn('authentication is disabled: every request acts as "anonymous" with every role')
  const metricsServer = config.metrics.port === undefined ? undefined : createMetricsServer({ registry: metrics.registry, logger, headersTimeoutMs: config.server.headersTimeoutMs, requestTimeoutMs: config.server.requestTimeoutMs })
  const metricsHost = config.metrics.host ?? config.server.host
  const metricsPort = metricsServer === undefined ? undefined : await listen(metricsServer, metricsHost, config.metrics.port ?? 0).catch((err: unknown) => {
    server.close()
    throw err
  })
  if (metricsPort !== undefined) logger.info('metrics listening', { host: metricsHost, port: metricsPort })
  return {
    server, port, app, metricsPort, keys, registry, logger, modelsLoaded, streams,
    async close() {
      // Streams stop taking and settle what they hold while HTTP drains.
      const streamsStopped = streamsStarted?.then(() => streams?.stop(config.server.shutdownTimeoutMs))
      // In-flight requests finish; keep-alive sockets are closed as soon as they fall idle (not
      // only those idle now), and whatever still hangs after shutdownTimeoutMs is cut.
      const closed = new Promise<void>((done) => server.close(() => done()))
      const sweep = setInterval(() => server.closeIdleConnections(), 50)
      const force = setTimeout(() => server.closeAllConnections(), config.server.shutdownTimeoutMs).unref()
      await closed
      clearInterval(sweep)
      clearTimeout(force)
      await streamsStopped
      await watcher?.stop()
      await shadows.idle()
      await registry.close()
      await threads?.close()
      if (metricsServer !== undefined) {
        // Prometheus keeps its connection alive between scrapes.
        const metricsClosed = new Promise<void>((done) => metricsServer.close(() => done()))
        metricsServer.closeIdleConnections()
        await metricsClosed
      }
      redis?.disconnect()
    },
  }
}
