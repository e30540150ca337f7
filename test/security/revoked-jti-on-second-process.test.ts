import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import jwt from 'jsonwebtoken'
import { demoModelsDir } from '../helpers/demo-models.js'
import { TEST_SECRET } from '../helpers/server.js'
import { assertInvalidToken, getWithToken } from './support/attack.js'
import { spawnGateway, type Gateway } from './support/gateway.js'
import { REDIS_URL, redisNamespace } from './support/redis.js'

// A stolen token is revoked on one replica; the attacker replays it on another (REDIS_URL set).
describe('attack: a revoked token replayed on a second process', () => {
  const namespace = redisNamespace()
  const gateways: Gateway[] = []
  before(async () => {
    const modelsDir = await demoModelsDir()
    const options = { modelsDir, env: { REDIS_URL }, config: { rateLimit: { redisKeyPrefix: namespace.prefix } } }
    gateways.push(...(await Promise.all([spawnGateway(options), spawnGateway(options)])))
  })
  after(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()))
    await namespace.cleanup()
  })

  it('answers 401 on process B once process A has revoked the jti', async () => {
    const [a, b] = gateways as [Gateway, Gateway]
    const jti = randomUUID()
    const stolen = jwt.sign({ sub: 'victim', roles: ['user'], jti }, TEST_SECRET, { expiresIn: 600 })
    const bystander = jwt.sign({ sub: 'bystander', roles: ['user'], jti: randomUUID() }, TEST_SECRET, { expiresIn: 600 })
    assert.equal((await getWithToken(`${b.url}/api/v1/models`, stolen)).status, 200)

    const admin = jwt.sign({ sub: 'security-team', roles: ['admin'], jti: randomUUID() }, TEST_SECRET, { expiresIn: 600 })
    const revoke = await fetch(`${a.url}/api/v1/admin/tokens/revoke`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ jti }),
    })
    assert.equal(revoke.status, 200)

    await assertInvalidToken(await getWithToken(`${b.url}/api/v1/models`, stolen), /revoked/)
    await assertInvalidToken(await getWithToken(`${a.url}/api/v1/models`, stolen), /revoked/)
    assert.equal((await getWithToken(`${b.url}/api/v1/models`, bystander)).status, 200, 'other tokens keep working')
  })

  it('keeps the deny-list entry in Redis only until the token could expire', async () => {
    const keys = await namespace.redis.keys(`${namespace.prefix}:revoked:*`)
    assert.equal(keys.length, 1)
    const ttl = await namespace.redis.ttl(keys[0] ?? '')
    assert.ok(ttl > 0, 'the entry expires by itself')
    // + 1: the expiry is a whole second rounded up from a fractional "now" (SET … EXAT).
    assert.ok(ttl <= 86_400 + 30 + 1, `the entry lives no longer than the longest token plus the clock tolerance (ttl ${ttl})`)
  })
})
