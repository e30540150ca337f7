import { hash } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import type { Principal } from './principal.js'

/** Bounds of the verified-token cache. */
export interface VerifiedTokenCacheOptions {
  maxEntries: number
  /** The verifier's leeway on `exp`, so a cached token expires exactly when verification would refuse it. */
  clockToleranceSeconds: number
  /** Longest an entry is trusted without a new verification, whatever its `exp` (keys may rotate). */
  maxAgeMs?: number
}

const DEFAULT_MAX_AGE_MS = 5 * 60_000

/**
 * Tokens that passed verification, remembered until their `exp` (issue 6): a repeat caller skips
 * the signature and claim checks. Only successes are kept, so every refusal is re-derived; the
 * caller still checks revocation on every request. Keys are SHA-256 digests, so the cache holds no
 * usable token.
 */
export class VerifiedTokenCache {
  readonly #lru: LRUCache<string, Principal>
  readonly #tolerance: number

  constructor(options: VerifiedTokenCacheOptions) {
    this.#lru = new LRUCache<string, Principal>({ max: options.maxEntries, ttl: options.maxAgeMs ?? DEFAULT_MAX_AGE_MS })
    this.#tolerance = options.clockToleranceSeconds
  }

  /** The principal of a token: remembered while unexpired, else from `verify` (which throws on a bad token). */
  async verify(token: string, verify: () => Promise<Principal>, nowMs = Date.now()): Promise<Principal> {
    const key = digest(token)
    const known = this.#lru.get(key)
    if (known !== undefined) {
      if (this.#unexpired(known, nowMs)) return known
      this.#lru.delete(key)
    }
    const principal = await verify()
    if (this.#unexpired(principal, Date.now())) this.#lru.set(key, freeze(principal))
    return principal
  }

  /** Tokens remembered. */
  get size(): number {
    return this.#lru.size
  }

  // jsonwebtoken refuses a token once floor(now) >= exp + clockTolerance.
  #unexpired(principal: Principal, nowMs: number): boolean {
    return Math.floor(nowMs / 1000) < principal.expiresAt + this.#tolerance
  }
}

// One-shot hash: no Hash object per request.
function digest(token: string): string {
  return hash('sha256', token, 'base64')
}

// Many requests share one cached principal, so none of them may change it.
function freeze(principal: Principal): Principal {
  return Object.freeze({ ...principal, roles: Object.freeze([...principal.roles]) })
}
