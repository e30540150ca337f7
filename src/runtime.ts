import { resolve } from 'node:path'
import type { Server } from 'node:http'
import { Redis } from 'ioredis'
import type { Config } from './config/schema.js'
import { createApp } from './http/app.js'
import { createServer, listen } from './http/server.js'
import { ModelRegistry } from './models/registry.js'
import { createLogger, type Logger } from './observability/logger.js'
import { createMetrics } from './observability/metrics.js'
import { PredictionCache } from './predict/cache.js'
import { Predictor } from './predict/predictor.js'
import { loadVerificationKeys, type VerificationKeys } from './security/keys.js'
import { MemoryRevocationStore } from './security/revocation.js'

/** A running gateway. */
export interface Runtime {
  server: Server
  port: number
  keys: VerificationKeys
  registry: ModelRegistry
  logger: Logger
  /** Resolves once every model has been tried. */
  modelsLoaded: Promise<void>
  close(): Promise<void>
}

/** Builds every part from the config, listens, then loads models (readiness stays 503 until done). */
export async function startRuntime(config: Readonly<Config>, logger = createLogger({ level: config.logging.level })): Promise<Runtime> {
  const metrics = createMetrics()
  const keys = loadVerificationKeys(config)
  const redis = config.rateLimit.redisUrl === undefined ? undefined : new Redis(config.rateLimit.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 })
  const registry = new ModelRegistry({ dir: resolve(config.models.dir), logger, metrics })
  const predictor = new Predictor(metrics, new PredictionCache({ maxEntries: 10_000, maxBytes: 64 * 1024 * 1024 }))
  const revocations = new MemoryRevocationStore()
  const app = createApp({ config, logger, metrics, registry, predictor, keys, revocations, redis })
  app.on('error', (err: Error) => logger.debug('connection error', { error: err.message }))
  const server = createServer(app, config)
  const port = await listen(server, config.server.host, config.server.port)
  logger.info('listening', { host: config.server.host, port, env: config.env })
  const modelsLoaded = registry.loadAll().catch((err: Error) => {
    logger.error('model repository could not be read', { dir: config.models.dir, reason: err.message })
  })
  return {
    server, port, keys, registry, logger, modelsLoaded,
    async close() {
      // In-flight requests finish; idle keep-alive sockets are closed so close() can complete.
      const closed = new Promise<void>((done) => server.close(() => done()))
      server.closeIdleConnections()
      await closed
      redis?.disconnect()
    },
  }
}
