import type { Config } from '../config/schema.js'
import type { ModelRegistry } from '../models/registry.js'
import type { Logger } from '../observability/logger.js'
import type { Metrics } from '../observability/metrics.js'
import type { Predictor } from '../predict/predictor.js'
import type { ShadowMirror } from '../predict/shadow.js'
import type { TensorPredictor } from '../predict/tensor-predictor.js'
import type { VerificationKeys } from '../security/keys.js'
import type { RevocationStore } from '../security/revocation.js'
import type { StreamStatusSource } from '../streams/status.js'
import type { Redis } from 'ioredis'

/** Everything createApp needs, built once at start. */
export interface AppDeps {
  config: Readonly<Config>
  logger: Logger
  metrics: Metrics
  registry: ModelRegistry
  predictor: Predictor
  /** The Open Inference Protocol's tensor path (src/http/routes/oip-v2.ts). */
  tensorPredictor: TensorPredictor
  /** Runs copies of requests on shadow versions, off the request path. */
  shadows: ShadowMirror
  keys: VerificationKeys
  revocations: RevocationStore
  redis?: Redis
  /** The configured streams, reported by the health routes. */
  streams?: StreamStatusSource
}
