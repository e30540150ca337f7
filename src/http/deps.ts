import type { Config } from '../config/schema.js'
import type { DriftMonitor } from '../drift/drift-monitor.js'
import type { ModelRegistry } from '../models/registry.js'
import type { Logger } from '../observability/logger.js'
import type { Metrics } from '../observability/metrics.js'
import type { RowDoor } from '../predict/row-door.js'
import type { TensorDoor } from '../predict/tensor-door.js'
import type { VerificationKeys } from '../security/keys.js'
import type { RevocationStore } from '../security/revocation.js'
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
}
