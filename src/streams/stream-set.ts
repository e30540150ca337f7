import type { Config } from '../config/schema.js'
import type { ModelRegistry } from '../models/registry.js'
import type { Logger } from '../observability/logger.js'
import type { Metrics } from '../observability/metrics.js'
import type { Predictor } from '../predict/predictor.js'
import { RowDoor } from '../predict/row-door.js'
import type { ShadowMirror } from '../predict/shadow.js'
import { ValidatorCache } from '../predict/validators.js'
import type { VerificationKeys } from '../security/keys.js'
import { roleMapFrom } from '../security/rbac.js'
import type { RevocationStore } from '../security/revocation.js'
import { TokenAuthenticator, verifyPolicyOf } from '../security/token-authenticator.js'
import { streamMetrics } from './stream-metrics.js'
import type { StreamStatus, StreamStatusSource } from './status.js'
import { StreamRunner } from './stream-runner.js'

/** The gateway parts a stream scores through: the same ones HTTP uses. */
export interface StreamParts {
  config: Readonly<Config>
  registry: ModelRegistry
  predictor: Predictor
  shadows?: ShadowMirror
  metrics: Metrics
  keys: VerificationKeys
  revocations: RevocationStore
  logger: Logger
}

/** Every configured stream of one process. */
export class StreamSet implements StreamStatusSource {
  readonly #runners: StreamRunner[]

  constructor(parts: StreamParts) {
    const { config, metrics, logger } = parts
    const rowDoor = new RowDoor({ registry: parts.registry, predictor: parts.predictor, validators: new ValidatorCache(config.limits.maxRows), metrics, roleMap: roleMapFrom(config), shadows: parts.shadows })
    const authenticator = config.auth.enabled ? new TokenAuthenticator({ keys: parts.keys, revocations: parts.revocations, metrics, policy: verifyPolicyOf(config), tokenCacheSize: config.auth.tokenCacheSize }) : undefined
    const deps = { rowDoor, authenticator, metrics: streamMetrics(metrics.registry), logger, limits: { maxDepth: config.limits.maxJsonDepth, maxArrayLength: config.limits.maxArrayLength } }
    this.#runners = config.streams.map((stream) => new StreamRunner(stream, deps))
  }

  get size(): number {
    return this.#runners.length
  }

  /** Starts every stream; each connects and retries in the background. */
  start(): void {
    for (const runner of this.#runners) runner.start()
  }

  statuses(): StreamStatus[] {
    return this.#runners.map((runner) => runner.status)
  }

  /** Stops taking on every stream and lets in-flight messages settle for up to `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    await Promise.all(this.#runners.map((runner) => runner.stop(graceMs)))
  }
}
