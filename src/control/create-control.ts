import cluster from 'node:cluster'
import type { Config } from '../config/schema.js'
import type { ModelRegistry } from '../models/registry.js'
import type { Logger } from '../observability/logger.js'
import { ClusterControlStore } from './cluster-store.js'
import { Control } from './control.js'
import type { ControlStore } from './control-store.js'
import { MemoryControlStore } from './memory-store.js'
import { RedisControlStore } from './redis-store.js'

/**
 * The control for this process: Redis when `rateLimit.redisUrl` is set (shared by every replica),
 * else the cluster primary for a worker, else this process alone.
 */
export function createControl(config: Readonly<Config>, registry: ModelRegistry, logger: Logger): Control {
  return new Control(controlStore(config, logger), registry, logger)
}

function controlStore(config: Readonly<Config>, logger: Logger): ControlStore {
  const { redisUrl, redisKeyPrefix } = config.rateLimit
  if (redisUrl !== undefined) return new RedisControlStore({ url: redisUrl, keyPrefix: redisKeyPrefix, logger, resyncMs: config.fleet.resyncMs })
  if (cluster.isWorker) return new ClusterControlStore()
  return new MemoryControlStore()
}
