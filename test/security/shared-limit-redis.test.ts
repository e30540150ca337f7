import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import jwt from 'jsonwebtoken'
import { demoModelsDir } from '../helpers/demo-models.js'
import { TEST_SECRET } from '../helpers/server.js'
import { assertRateLimited } from './support/attack.js'
import { spawnGateway, type Gateway } from './support/gateway.js'
import { REDIS_URL, redisNamespace } from './support/redis.js'

const ROW = { inputs: [[5.1, 3.5, 1.4, 0.2]] }

// A client spreads its requests over replicas to multiply its allowance; with REDIS_URL the
// replicas count against one limit.
describe('attack: spreading requests over two processes that share Redis', () => {
  const namespace = redisNamespace()
  const gateways: Gateway[] = []
  before(async () => {
    const modelsDir = await demoModelsDir()
    const options = { modelsDir, env: { REDIS_URL, RATE_LIMIT: '4/minute' }, config: { rateLimit: { redisKeyPrefix: namespace.prefix } } }
    gateways.push(...(await Promise.all([spawnGateway(options), spawnGateway(options)])))
  })
  after(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()))
    await namespace.cleanup()
  })

  it('answers 429 on the fifth prediction of one subject across A and B', async () => {
    const token = jwt.sign({ sub: 'greedy', roles: ['user'] }, TEST_SECRET, { expiresIn: 600 })
    const predict = (gateway: Gateway): Promise<Response> =>
      fetch(`${gateway.url}/api/v1/models/iris/predict`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(ROW),
      })
    const [a, b] = gateways as [Gateway, Gateway]
    const remaining: string[] = []
    for (const gateway of [a, b, a, b]) {
      const response = await predict(gateway)
      assert.equal(response.status, 200)
      assert.equal(response.headers.get('ratelimit-limit'), '4')
      remaining.push(response.headers.get('ratelimit-remaining') ?? '')
      await response.arrayBuffer()
    }
    assert.deepEqual(remaining, ['3', '2', '1', '0'], "each process sees the other one's requests")
    await assertRateLimited(await predict(a), 4)
    await assertRateLimited(await predict(b), 4)
  })

  it("keeps another subject's allowance whole", async () => {
    const other = jwt.sign({ sub: 'patient', roles: ['user'] }, TEST_SECRET, { expiresIn: 600 })
    const response = await fetch(`${gateways[1]?.url}/api/v1/models/iris/predict`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${other}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(ROW),
    })
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('ratelimit-remaining'), '3')
  })
})
