import type { Redis } from 'ioredis'
import type { StoreHealth } from './store-health.js'

/** The token deny list: jti → until when it matters (the token's exp). */
export interface RevocationStore {
  /** `expiresAt` in seconds since the epoch; the entry is kept a little past it (clock tolerance). */
  revoke(jti: string, expiresAt: number): Promise<void>
  isRevoked(jti: string): Promise<boolean>
}

/** An in-process deny list; entries drop out once their token would have expired anyway. */
export class MemoryRevocationStore implements RevocationStore {
  readonly #entries = new Map<string, number>()

  /** `graceSeconds`: how long past exp a token is still accepted (auth.clockToleranceSeconds). */
  constructor(private readonly graceSeconds = 0) {}

  async revoke(jti: string, expiresAt: number): Promise<void> {
    this.#entries.set(jti, expiresAt + this.graceSeconds)
    this.#sweep()
  }

  async isRevoked(jti: string): Promise<boolean> {
    const until = this.#entries.get(jti)
    return until !== undefined && until * 1000 > Date.now()
  }

  #sweep(): void {
    const now = Date.now() / 1000
    for (const [jti, until] of this.#entries) if (until <= now) this.#entries.delete(jti)
  }
}

/**
 * A deny list in Redis shared by every replica; each key expires with its token (SET … EXAT).
 * While `health` knows the store is down, both calls throw at once instead of waiting on it.
 */
export class RedisRevocationStore implements RevocationStore {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly graceSeconds = 0,
    private readonly health?: StoreHealth,
  ) {}

  async revoke(jti: string, expiresAt: number): Promise<void> {
    this.health?.assertAvailable()
    const until = Math.ceil(expiresAt + this.graceSeconds)
    if (until <= Date.now() / 1000) return
    await this.redis.set(this.#key(jti), '1', 'EXAT', until)
  }

  async isRevoked(jti: string): Promise<boolean> {
    this.health?.assertAvailable()
    return (await this.redis.exists(this.#key(jti))) === 1
  }

  #key(jti: string): string {
    return `${this.keyPrefix}:revoked:${jti}`
  }
}
