import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import jwt from 'jsonwebtoken'
import { demoModelsDir } from '../helpers/demo-models.js'
import { TEST_SECRET } from '../helpers/server.js'
import { assertInvalidToken, assertRateLimited } from './support/attack.js'
import { send } from './support/http.js'
import { spawnGateway, type Gateway } from './support/gateway.js'
import { REDIS_URL, redisNamespace } from './support/redis.js'

// rateLimit.authFailures as shipped.
const LIMIT = 20
// Every client behind one NAT or office proxy shares this address.
const OFFICE = '127.0.0.4'

// One client behind a shared address sends junk tokens; the throttle must slow the junk down, not
// lock every colleague with a valid token out of the gateway.
describe('attack: locking out an address by sending it junk tokens', () => {
  const namespace = redisNamespace()
  let gateway: Gateway
  const get = (token: string): Promise<Response> => send(`${gateway.url}/api/v1/models`, { headers: { Authorization: `Bearer ${token}` }, localAddress: OFFICE })
  before(async () => {
    gateway = await spawnGateway({ modelsDir: await demoModelsDir(), env: { REDIS_URL }, config: { rateLimit: { redisKeyPrefix: namespace.prefix } } })
  })
  after(async () => {
    await gateway.stop()
    await namespace.cleanup()
  })

  it(`answers the first ${LIMIT} junk tokens 401 and the next ones 429`, async () => {
    for (let n = 0; n < LIMIT; n += 1) await assertInvalidToken(await get(`junk.${n}.token`))
    for (let n = 0; n < 5; n += 1) await assertRateLimited(await get(`junk.more-${n}.token`), LIMIT)
  })

  it('still serves every valid token from the same address', async () => {
    for (const subject of ['alice', 'bob', 'carol']) {
      const valid = jwt.sign({ sub: subject, roles: ['user'] }, TEST_SECRET, { expiresIn: 600 })
      const response = await get(valid)
      assert.equal(response.status, 200, `${subject}: ${await response.text()}`)
    }
  })

  it('keeps throttling the junk after the valid tokens went through', async () => {
    await assertRateLimited(await get('junk.after.token'), LIMIT)
  })
})
