import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'

/** The machine's Redis (contract.md: REDIS_URL), shared by the gateways of a test. */
export const REDIS_URL = 'redis://127.0.0.1:6379'

/** A key prefix of this test run only, and a way to delete just its keys afterwards (never FLUSHALL). */
export function redisNamespace(): { prefix: string; redis: Redis; cleanup(): Promise<void> } {
  const prefix = `portcullis-test-${randomUUID()}`
  const redis = new Redis(REDIS_URL)
  return {
    prefix,
    redis,
    async cleanup() {
      let cursor = '0'
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 1000)
        if (keys.length > 0) await redis.del(...keys)
        cursor = next
      } while (cursor !== '0')
      redis.disconnect()
    },
  }
}
