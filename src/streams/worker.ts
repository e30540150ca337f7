import { resolve } from 'node:path'
import type { Config } from '../config/schema.js'
import { createControl } from '../control/create-control.js'
import { buildCoreParts, connectSharedStore, revocationStoreOf } from '../core-parts.js'
import { listen } from '../http/server.js'
import { RepositoryWatcher } from '../models/watcher.js'
import type { Logger } from '../observability/logger.js'
import { createMetrics } from '../observability/metrics.js'
import { createMetricsServer } from '../observability/metrics-server.js'
import { loadVerificationKeys } from '../security/keys.js'
import { StreamSet } from './stream-set.js'

/** `portcullis stream`: the configured streams and the prediction core, without the HTTP listener. */
export interface StreamWorker {
  streams: StreamSet
  /** The port of the metrics listener, when `metrics.port` is configured. */
  metricsPort?: number
  /** Stops taking, lets in-flight messages settle (up to server.shutdownTimeoutMs), then releases everything. */
  close(): Promise<void>
}

/** Builds the same core parts as the gateway (src/core-parts.ts), loads the models, then starts every stream. */
export async function startStreamWorker(config: Readonly<Config>, logger: Logger): Promise<StreamWorker> {
  const metrics = createMetrics()
  const keys = loadVerificationKeys(config)
  const store = connectSharedStore(config, logger, metrics)
  const parts = buildCoreParts(config, logger, metrics)
  const { registry, rowDoor } = parts
  const revocations = revocationStoreOf(config, store)
  const streams = new StreamSet({ config, registry, rowDoor, metrics, keys, revocations, logger })
  const dir = resolve(config.models.dir)
  const watcher = config.models.watch
    ? new RepositoryWatcher({
        dir,
        pollIntervalMs: config.models.pollIntervalMs,
        stableMs: config.models.stableMs,
        logger,
        onChange: (name, source) => registry.sync(name, source),
      })
    : undefined
  // The fleet's control state (a model deactivated through any replica) holds here too.
  const control = createControl(config, registry, logger)
  await control.start().catch((err: Error) => logger.warn('control state could not be read; serving on model.yaml until it can', { store: control.storeKind, reason: err.message }))
  await watcher?.prime()
  await registry.loadAll().catch((err: Error) => logger.error('model repository could not be read', { dir: config.models.dir, reason: err.message }))
  watcher?.start()
  const metricsServer =
    config.metrics.port === undefined
      ? undefined
      : createMetricsServer({ registry: metrics.registry, logger, headersTimeoutMs: config.server.headersTimeoutMs, requestTimeoutMs: config.server.requestTimeoutMs })
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
      await control.close()
      await parts.close()
      if (metricsServer !== undefined) {
        const closed = new Promise<void>((done) => metricsServer.close(() => done()))
        metricsServer.closeIdleConnections()
        await closed
      }
      store?.close()
    },
  }
}
