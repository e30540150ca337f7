import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { MemoryFailureCounter, RedisFailureCounter } from '../../src/security/failure-counter.js'
import { MemoryRevocationStore, RedisRevocationStore } from '../../src/security/revocation.js'
import { BoundedMap } from '../../src/security/bounded-map.js'
import { redisNamespace } from './support/redis.js'

const namespace = redisNamespace()
after(() => namespace.cleanup())
const now = (): number => Math.floor(Date.now() / 1000)

for (const [name, make] of [
  ['MemoryRevocationStore', () => new MemoryRevocationStore(30)],
  ['RedisRevocationStore', () => new RedisRevocationStore(namespace.redis, namespace.prefix, 30)],
] as const) {
  describe(name, () => {
    it('reports a revoked jti until its token expires, and nothing else', async () => {
      const store = make()
      await store.revoke('jti-1', now() + 600)
      assert.equal(await store.isRevoked('jti-1'), true)
      assert.equal(await store.isRevoked('jti-2'), false)
    })

    it('keeps an entry through the clock tolerance after exp', async () => {
      const store = make()
      await store.revoke('jti-late', now() - 10)
      assert.equal(await store.isRevoked('jti-late'), true)
    })

    it('forgets an entry whose token can no longer be accepted', async () => {
      const store = make()
      await store.revoke('jti-old', now() - 3600)
      assert.equal(await store.isRevoked('jti-old'), false)
    })
  })
}

for (const [name, make] of [
  ['MemoryFailureCounter', () => new MemoryFailureCounter(60_000, 100)],
  ['RedisFailureCounter', () => new RedisFailureCounter(namespace.redis, namespace.prefix, 60_000)],
] as const) {
  describe(name, () => {
    it('counts failures per key within one window', async () => {
      const counter = make()
      assert.equal((await counter.record('198.51.100.1')).count, 1)
      const second = await counter.record('198.51.100.1')
      assert.equal(second.count, 2)
      assert.ok(second.resetAt > Date.now() && second.resetAt <= Date.now() + 60_000)
      assert.equal((await counter.record('198.51.100.2')).count, 1)
    })

    it('gives each of many concurrent failures its own count', async () => {
      const counter = make()
      const counts = await Promise.all(Array.from({ length: 50 }, () => counter.record('198.51.100.3')))
      assert.deepEqual(
        counts.map((seen) => seen.count).sort((a, b) => a - b),
        Array.from({ length: 50 }, (_, i) => i + 1),
      )
    })
  })
}

describe('BoundedMap', () => {
  it('drops the least recently written key past its size', () => {
    const map = new BoundedMap<string, number>(2)
    map.set('a', 1).set('b', 2).set('a', 3).set('c', 4)
    assert.deepEqual([...map.keys()], ['a', 'c'])
    assert.ok(map instanceof Map)
  })
})
