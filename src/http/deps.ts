import type { AuditLog } from '../audit/audit-log.js'
import type { Config } from '../config/schema.js'
import type { Control } from '../control/control.js'
import type { DriftMonitor } from '../drift/drift-monitor.js'
import type { ModelRegistry } from '../models/registry.js'
import type { Logger } from '../observability/logger.js'
import type { Metrics } from '../observability/metrics.js'
import type { RowDoor } from '../predict/row-door.js'
import type { TensorDoor } from '../predict/tensor-door.js'
import type { VerificationKeys } from '../security/keys.js'
import type { RevocationStore } from '../security/revocation.js'
import type { Supply } from '../supply/supply.js'
import type { StoreHealth } from '../security/store-health.js'
import type { StreamStatusSource } from '../streams/status.js'
import type { Redis } from 'ioredis'

/** Everything createApp needs, built once at start. */
export interface AppDeps {
  config: Readonly<Config>
  logger: Logger
  metrics: Metrics
  registry: ModelRegistry
  /** The door for v1 rows, onto the one inference core (src/predict/inference-core.ts). */
  rowDoor: RowDoor
  /** The door for Open Inference Protocol tensors, onto the same core. */
  tensorDoor: TensorDoor
  /** Drift windows of the versions that have a reference profile. */
  drift: DriftMonitor
  keys: VerificationKeys
  revocations: RevocationStore
  redis?: Redis
  /** Admin actions of every kind: one log line and one entry of `GET /api/v1/admin/audit` each. */
  audit: AuditLog
  /** Model supply: publish, delete, audit, git webhook (src/supply/). */
  supply?: Supply
  /** Model changes that reach every worker and replica (src/control). */
  control: Control
  /** The text of one /metrics scrape: this process, or every worker of the tree summed (src/observability/cluster-metrics.ts). */
  scrape: () => Promise<string>
  /** Follows `redis`'s connection: limits fail fast, and closed, while it is down. */
  storeHealth?: StoreHealth
  /** The configured streams, reported by the health routes. */
  streams?: StreamStatusSource
}
