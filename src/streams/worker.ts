import { resolve } from 'node:path'
import { Redis } from 'ioredis'
import type { Config } from '../config/schema.js'
import { listen } from '../http/server.js'
import { InferenceThreads } from '../models/inference-threads.js'
import { ModelRegistry } from '../models/registry.js'
import { RepositoryWatcher } from '../models/watcher.js'
import type { Logger } from '../observability/logger.js'
import { createMetrics } from '../observability/metrics.js'
import { createMetricsServer } from '../observability/metrics-server.js'
import { PredictionCache } from '../predict/cache.js'
import { Predictor } from '../predict/predictor.js'
import { ShadowMirror } from '../predict/shadow.js'
import { loadVerificationKeys } from '../security/keys.js'
import { MemoryRevocationStore, RedisRevocationStore } from '../security/revocation.js'
import { StreamSet } from './stream-set.js'

/** `portcullis stream`: the configured streams and the prediction core, without the HTTP listener. */
export interface StreamWorker {
  streams: StreamSet
  /** The port of the metrics listener, when `metrics.port` is configured. */
  metricsPort?: number
  /** Stops taking, lets in-flight messages settle (up to server.shutdownTimeoutMs), then releases everything. */
  close(): Promise<void>
}

/** Builds the core as startRuntime does, loads the models, then starts every stream. */
export async function startStreamWorker(config: Readonly<Config>, logger: Logger): Promise<StreamWorker> {
  const metrics = createMetrics()
  const keys = loadVerificationKeys(config)
  const redis = config.rateLimit.redisUrl === undefined ? undefined : new Redis(config.rateLimit.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 })
  const { batching, threads: threadCount, ...sessionOptions } = config.inference
  const threads = threadCount > 0 ? new InferenceThreads(threadCount, logger) : undefined
  const dir = resolve(config.models.dir)
  const registry = new ModelRegistry({ dir, logger, metrics, sessionOptions: { ...sessionOptions, threads }, drainMs: config.models.drainMs })
  const predictor = new Predictor(metrics, config.cache.enabled ? new PredictionCache(config.cache) : undefined, batching)
  const shadows = new ShadowMirror({ maxInFlight: config.models.shadowMaxInFlight, metrics, logger })
  const grace = config.auth.clockToleranceSeconds
  const revocations = redis === undefined ? new MemoryRevocationStore(grace) : new RedisRevocationStore(redis, config.rateLimit.redisKeyPrefix, grace)
  const streams = new StreamSet({ config, registry, predictor, shadows, metrics, keys, revocations, logger })
  const watcher = config.models.watch
    ? new RepositoryWatcher({ dir, pollIntervalMs: config.models.pollIntervalMs, stableMs: config.models.stableMs, logger, onChange: (name, source) => registry.sync(name, source) })
    : undefined
  await watcher?.prime()
  await registry.loadAll().catch((err: Error) => logger.error('model repository could not be read', { dir: config.models.dir, reason: err.message }))
  watcher?.start()
  const metricsServer = config.metrics.port === undefined ? undefined : createMetricsServer({ registry: metrics.registry, logger, headersTimeoutMs: config.server.headersTimeoutMs, requestTimeoutMs: config.server.requestTimeoutMs })
  const metricsPort = metricsServer === undefined ? undefined : await listen(metricsServer, config.metrics.host ?? config.server.host, config.metrics.port ?? 0)
  if (metricsPort !== undefined) logger.info('metrics listening', { port: metricsPort })
  streams.start()
  logger.info('streams started', { streams: streams.statuses().map((status) => status.name) })
  return {
    streams,
    metricsPort,
    async close() {
      await streams.stop(config.server.shutdownTimeoutMs)
      await watcher?.stop()
      await shadows.idle()
      await registry.close()
      await threads?.close()
      if (metricsServer !== undefined) {
        const closed = new Promise<void>((done) => metricsServer.close(() => done()))
        metricsServer.closeIdleConnections()
        await closed
      }
      redis?.disconnect()
    },
  }
}
