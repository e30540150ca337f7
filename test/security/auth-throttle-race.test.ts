import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import jwt from 'jsonwebtoken'
import { demoModelsDir } from '../helpers/demo-models.js'
import { TEST_SECRET } from '../helpers/server.js'
import { claims } from './support/attack.js'
import { send } from './support/http.js'
import { spawnGateway, type Gateway } from './support/gateway.js'
import { REDIS_URL, redisNamespace } from './support/redis.js'

const LIMIT = 20
const CONCURRENT = 300

// 300 wrong tokens at once from one address: a throttle that reads the count, verifies, then
// writes it back lets most of them through as 401 (141 of 300 with a limit of 20). Counting and
// comparing in one Redis script lets exactly the limit through.
describe('attack: racing the failed-auth throttle with concurrent wrong tokens', () => {
  const namespace = redisNamespace()
  let gateway: Gateway
  before(async () => {
    gateway = await spawnGateway({
      modelsDir: await demoModelsDir(),
      env: { REDIS_URL },
      // The subject here is atomicity, not timeouts: 300 requests at once on a busy machine can lag
      // the event loop past the default command timeout, which would (rightly) answer 503.
      // The per-address in-flight budget would answer some of the 300 with 503 before they reach
      // the throttle (budgets, test/security/slow-body-flood); raised here so every request races.
      config: {
        rateLimit: { redisKeyPrefix: namespace.prefix, authFailures: `${LIMIT}/minute`, redisCommandTimeoutMs: 30_000 },
        budgets: { maxConnectionsPerAddress: 1000, maxAnonymousInFlight: 1000, maxAnonymousInFlightPerAddress: 1000 },
      },
    })
  })
  after(async () => {
    await gateway.stop()
    await namespace.cleanup()
  })

  it(`answers exactly ${LIMIT} of ${CONCURRENT} concurrent wrong tokens 401 and the rest 429`, async () => {
    const statuses = await Promise.all(
      Array.from({ length: CONCURRENT }, async (_, n) => {
        const guess = jwt.sign(claims({ sub: `guess-${n}` }), `not-the-secret-${n}-0123456789abcdef0123`)
        // node:http's global agent opens one connection per request in flight: all 300 race.
        return (await send(`${gateway.url}/api/v1/models`, { headers: { Authorization: `Bearer ${guess}` } })).status
      }),
    )
    const tally = Object.fromEntries([...new Set(statuses)].map((status) => [status, statuses.filter((s) => s === status).length]))
    assert.deepEqual(tally, { 401: LIMIT, 429: CONCURRENT - LIMIT })
  })

  it('still serves a valid token from the same address', async () => {
    const valid = jwt.sign({ sub: 'colleague', roles: ['user'] }, TEST_SECRET, { expiresIn: 600 })
    assert.equal((await fetch(`${gateway.url}/api/v1/models`, { headers: { Authorization: `Bearer ${valid}` } })).status, 200)
  })
})
