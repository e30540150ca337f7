import type { Config } from '../config/schema.js'
import type { ModelRegistry } from '../models/registry.js'
import type { Logger } from '../observability/logger.js'
import type { Metrics } from '../observability/metrics.js'
import type { RowDoor } from '../predict/row-door.js'
import type { VerificationKeys } from '../security/keys.js'
import type { RevocationStore } from '../security/revocation.js'
import { TokenAuthenticator } from '../security/token-authenticator.js'
import { verifyPolicyOf } from '../security/verify-policy.js'
import { streamMetrics } from './stream-metrics.js'
import type { StreamStatus, StreamStatusSource } from './status.js'
import { StreamRunner } from './stream-runner.js'

/** The gateway parts a stream scores through: the same ones HTTP uses. */
export interface StreamParts {
  config: Readonly<Config>
  registry: ModelRegistry
  /** The row door every other door uses: guard, validation, the prediction core. */
  rowDoor: RowDoor
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
    const { rowDoor } = parts
    const authenticator = config.auth.enabled
      ? new TokenAuthenticator({ keys: parts.keys, revocations: parts.revocations, metrics, policy: verifyPolicyOf(config), tokenCacheSize: config.auth.tokenCacheSize })
      : undefined
    const deps = {
      rowDoor,
      authenticator,
      metrics: streamMetrics(metrics.registry),
      logger,
      limits: { maxDepth: config.limits.maxJsonDepth, maxArrayLength: config.limits.maxArrayLength },
    }
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
