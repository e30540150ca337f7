import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import jwt from 'jsonwebtoken'
import { demoModelsDir } from '../helpers/demo-models.js'
import { assertEnvelope } from '../helpers/envelope.js'
import { TEST_SECRET } from '../helpers/server.js'
import { assertSecurityHeaders } from './support/attack.js'
import { spawnGateway, type Gateway } from './support/gateway.js'
import { startPrivateRedis, type PrivateRedis } from './support/private-redis.js'

const ROW = { inputs: [[5.1, 3.5, 1.4, 0.2]] }
// Far above the 2 s command timeout, far below the 15 s a request used to hang: loose enough for
// a loaded machine, tight enough to fail on a request that waits for Redis.
const FAST_MS = 5000

async function timed(request: () => Promise<Response>): Promise<{ response: Response; ms: number }> {
  const started = performance.now()
  const response = await request()
  return { response, ms: performance.now() - started }
}

async function storeUp(gateway: Gateway): Promise<string | undefined> {
  const text = await (await fetch(`${gateway.metricsUrl()}/metrics`)).text()
  return /^portcullis_store_up (\d)$/m.exec(text)?.[1]
}

// Redis goes away (crash, failover, partition): liveness must not care, requests that need the
// store are refused fast and closed (503 + Retry-After) instead of hanging, and everything comes
// back by itself when Redis does.
describe('attack: the shared Redis dies under a running gateway', () => {
  let redis: PrivateRedis
  let gateway: Gateway
  const token = jwt.sign({ sub: 'steady', roles: ['user'] }, TEST_SECRET, { expiresIn: 600 })
  const predict = (): Promise<Response> =>
    fetch(`${gateway.url}/api/v1/models/iris/predict`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(ROW),
    })
  before(async () => {
    redis = await startPrivateRedis()
    gateway = await spawnGateway({
      modelsDir: await demoModelsDir(),
      env: { REDIS_URL: redis.url },
      config: { metrics: { port: 0, host: '127.0.0.1' }, rateLimit: { redisKeyPrefix: 'outage' } },
    })
  })
  after(async () => {
    await gateway.stop()
    await redis.kill()
  })

  it('serves with the store up, and reports it up', async () => {
    const { response } = await timed(predict)
    assert.equal(response.status, 200)
    await response.arrayBuffer()
    assert.equal(await storeUp(gateway), '1')
  })

  it('answers /healthz 200, fast, once Redis is killed', async () => {
    await redis.kill()
    for (let n = 0; n < 3; n += 1) {
      const { response, ms } = await timed(() => fetch(`${gateway.url}/healthz`))
      assert.equal(response.status, 200)
      await response.arrayBuffer()
      assert.ok(ms < FAST_MS, `healthz took ${Math.round(ms)} ms`)
    }
  })

  it('answers an authenticated prediction 503 with Retry-After, fast, in the envelope', async () => {
    for (let n = 0; n < 5; n += 1) {
      const { response, ms } = await timed(predict)
      assert.ok(ms < FAST_MS, `predict took ${Math.round(ms)} ms`)
      const body = await assertEnvelope(response, 503, 'unavailable')
      assert.ok(Number(response.headers.get('retry-after')) >= 1, 'Retry-After in whole seconds')
      assertSecurityHeaders(response)
      assert.doesNotMatch(JSON.stringify(body), /ECONNREFUSED|127\.0\.0\.1|redis:\/\//i)
    }
  })

  it('shows the outage as portcullis_store_up 0 and one log line, not one per request', async () => {
    assert.equal(await storeUp(gateway), '0')
    const down = gateway.logs.filter((entry) => typeof entry.message === 'string' && entry.message.startsWith('shared store down'))
    assert.equal(down.length, 1, JSON.stringify(down))
  })

  it('recovers by itself once Redis is back', async () => {
    await redis.start()
    let status = 0
    for (let attempt = 0; attempt < 100 && status !== 200; attempt += 1) {
      const response = await predict()
      status = response.status
      await response.arrayBuffer()
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 200))
    }
    assert.equal(status, 200)
    assert.equal(await storeUp(gateway), '1')
    assert.equal(gateway.logs.filter((entry) => entry.message === 'shared store up').length, 2, 'up at start and up again')
  })
})
