import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import jwt from 'jsonwebtoken'
import { demoModelsDir } from '../helpers/demo-models.js'
import { TEST_SECRET } from '../helpers/server.js'
import { spawnGateway, type Gateway } from './support/gateway.js'
import { startPrivateRedis, type PrivateRedis } from './support/private-redis.js'

const PREFIX = 'acme-gw'

// Operators scope Redis ACLs (`~acme-gw:*`) and clean up by rateLimit.redisKeyPrefix: a key written
// outside it escapes both. The Redis here is the test's own, so every key in it is the gateway's.
describe('attack: keys written outside rateLimit.redisKeyPrefix', () => {
  let redis: PrivateRedis
  let gateway: Gateway
  before(async () => {
    redis = await startPrivateRedis()
    gateway = await spawnGateway({ modelsDir: await demoModelsDir(), env: { REDIS_URL: redis.url }, config: { rateLimit: { redisKeyPrefix: PREFIX } } })
  })
  after(async () => {
    await gateway.stop()
    await redis.kill()
  })

  it('writes every key, of every limit and of the deny list, under the prefix', async () => {
    const user = jwt.sign({ sub: 'user-1', roles: ['user'] }, TEST_SECRET, { expiresIn: 600 })
    const admin = jwt.sign({ sub: 'admin-1', roles: ['admin'] }, TEST_SECRET, { expiresIn: 600 })
    const forged = jwt.sign({ sub: 'mallory', roles: ['admin'] }, 'not-the-secret-0123456789abcdef0123456789', { expiresIn: 600 })
    const statuses = [
      (await fetch(`${gateway.url}/readyz`)).status,
      (await fetch(`${gateway.url}/api/v1/models`)).status,
      (await fetch(`${gateway.url}/api/v1/models`, { headers: { Authorization: `Bearer ${forged}` } })).status,
      (await fetch(`${gateway.url}/api/v1/models`, { headers: { Authorization: `Bearer ${user}` } })).status,
      (
        await fetch(`${gateway.url}/api/v1/models/iris/predict`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${user}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ inputs: [[5.1, 3.5, 1.4, 0.2]] }),
        })
      ).status,
      (
        await fetch(`${gateway.url}/api/v1/admin/tokens/revoke`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ jti: 'stolen-1' }),
        })
      ).status,
    ]
    assert.deepEqual(statuses, [200, 401, 401, 200, 200, 200])
    const keys = await redis.keys()
    const kinds = new Set(keys.map((key) => key.split(':')[1]))
    for (const kind of ['anonymous', 'auth-failures', 'subject', 'predict', 'admin', 'revoked']) assert.ok(kinds.has(kind), `a ${kind} key among ${keys.join(', ')}`)
    for (const key of keys) assert.ok(key.startsWith(`${PREFIX}:`), `${key} starts with ${PREFIX}:`)
  })
})
