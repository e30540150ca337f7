import { resolve } from 'node:path'
import { Redis } from 'ioredis'
import { AuditLog } from './audit/audit-log.js'
import type { Config } from './config/schema.js'
import { registerDriftGauges } from './drift/drift-gauges.js'
import { DriftMonitor } from './drift/drift-monitor.js'
import { PayloadLog } from './drift/payload-log.js'
import { InferenceThreads } from './models/inference-threads/pool.js'
import { ModelRegistry } from './models/registry.js'
import type { Logger } from './observability/logger.js'
import { createStoreUpGauge, type Metrics } from './observability/metrics.js'
import { PredictionCache } from './predict/cache.js'
import { InferenceCore } from './predict/inference-core.js'
import { RowDoor } from './predict/row-door.js'
import { ShadowMirror } from './predict/shadow.js'
import { TensorDoor } from './predict/tensor-door.js'
import { ValidatorCache } from './predict/validators.js'
import { roleMapFrom } from './security/rbac.js'
import { MemoryRevocationStore, RedisRevocationStore, type RevocationStore } from './security/revocation.js'
import { StoreHealth } from './security/store-health.js'
import type { ModelTrust } from './supply/model-signature.js'
import { loadModelTrust, signatureAdmission } from './supply/supply.js'

/**
 * The one prediction core and what feeds it, as every process that scores builds it: the
 * HTTP gateway (src/runtime.ts) and the stream worker (`portcullis stream`) alike, so both get
 * the same registry checks, cache, batcher, shadow, drift window and doors.
 */
export interface CoreParts {
  audit: AuditLog
  trust: ModelTrust | undefined
  registry: ModelRegistry
  sessionOptions: Omit<Config['inference'], 'batching' | 'threads'>
  threads?: InferenceThreads
  shadows: ShadowMirror
  core: InferenceCore
  drift: DriftMonitor
  payloadLog: PayloadLog
  rowDoor: RowDoor
  tensorDoor: TensorDoor
  /** Waits for shadow copies, then releases sessions, threads and the payload log. */
  close(): Promise<void>
}

/** Builds the core parts from the config; models are not loaded yet. */
export function buildCoreParts(config: Readonly<Config>, logger: Logger, metrics: Metrics): CoreParts {
  const { batching, threads: threadCount, ...sessionOptions } = config.inference
  const threads = threadCount > 0 ? new InferenceThreads(threadCount, logger) : undefined
  const audit = new AuditLog(logger, config.audit.maxEntries)
  const trust = loadModelTrust(config)
  const admit = signatureAdmission(trust, audit)
  const registry = new ModelRegistry({ dir: resolve(config.models.dir), logger, metrics, sessionOptions: { ...sessionOptions, threads }, drainMs: config.models.drainMs, admit })
  const cache = config.cache.enabled ? new PredictionCache(config.cache) : undefined
  const shadows = new ShadowMirror({ maxInFlight: config.models.shadowMaxInFlight, metrics, logger })
  const core = new InferenceCore({ metrics, cache, batching, shadows })
  const drift = new DriftMonitor(config.drift)
  registerDriftGauges(metrics.registry, registry, drift)
  const payloadLog = new PayloadLog(resolve(config.drift.payloadLogDir))
  const access = { registry, core, metrics, roleMap: roleMapFrom(config) }
  const rowDoor = new RowDoor({ ...access, validators: new ValidatorCache(config.limits.maxRows), drift, payloadLog })
  const tensorDoor = new TensorDoor({ ...access, limits: { maxRows: config.limits.maxRows } })
  return {
    audit,
    trust,
    registry,
    sessionOptions,
    threads,
    shadows,
    core,
    drift,
    payloadLog,
    rowDoor,
    tensorDoor,
    async close() {
      await shadows.idle()
      await registry.close()
      await threads?.close()
      await payloadLog.close()
    },
  }
}

/** The shared store, when `REDIS_URL` is set: its client, and the health that fails limits fast while it is down. */
export interface SharedStore {
  redis: Redis
  health: StoreHealth
  close(): void
}

/** Connects the shared store named by the config, if any. */
export function connectSharedStore(config: Readonly<Config>, logger: Logger, metrics: Metrics): SharedStore | undefined {
  if (config.rateLimit.redisUrl === undefined) return undefined
  const redis = connectRedis(config.rateLimit.redisUrl, config.rateLimit.redisCommandTimeoutMs)
  // Without a listener ioredis prints every failed reconnection with its stack to stderr.
  redis.on('error', (err: Error) => logger.debug('redis connection error', { reason: err.message }))
  const health = new StoreHealth(redis, { logger, gauge: createStoreUpGauge(metrics.registry) })
  return {
    redis,
    health,
    close() {
      health.close()
      redis.disconnect()
    },
  }
}

/** The token deny list: in the shared store when there is one, else in this process. */
export function revocationStoreOf(config: Readonly<Config>, store: SharedStore | undefined): RevocationStore {
  const grace = config.auth.clockToleranceSeconds
  return store === undefined ? new MemoryRevocationStore(grace) : new RedisRevocationStore(store.redis, config.rateLimit.redisKeyPrefix, grace, store.health)
}

/**
 * The shared store's client. Every command is bounded by `commandTimeoutMs`, and a command cut by a
 * dropped connection is retried once, so no request waits long on Redis; ioredis reconnects by
 * itself (backoff up to 2 s) and StoreHealth turns requests away fast meanwhile.
 */
function connectRedis(url: string, commandTimeoutMs: number): Redis {
  return new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1, commandTimeout: commandTimeoutMs, connectTimeout: Math.max(commandTimeoutMs, 2000) })
}
