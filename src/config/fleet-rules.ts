import { ConfigError } from './config-error.js'
import type { Config } from './schema.js'

/**
 * Staging and production with more than one worker or replica need a shared store, or each
 * process keeps its own rate-limit counters, revocations and model control: an admin's change
 * would reach one process of many. Refused (exit 2) unless `fleet.allowPerProcessState` says
 * the operator accepts that.
 */
export function checkFleetRules(config: Readonly<Config>, workers: number): void {
  if (config.env !== 'production' && config.env !== 'staging') return
  const { replicas, allowPerProcessState } = config.fleet
  if (workers <= 1 && replicas <= 1) return
  if (config.rateLimit.redisUrl !== undefined || allowPerProcessState) return
  const processes = workers > 1 ? `${workers} workers` : `${replicas} replicas (fleet.replicas)`
  throw new ConfigError(
    'rateLimit.redisUrl',
    `${config.env} with ${processes} needs a shared store: set REDIS_URL, or set fleet.allowPerProcessState: true to accept per-process limits, revocations and model control`,
  )
}
