import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import jwt from 'jsonwebtoken'
import { demoModelsDir } from '../helpers/demo-models.js'
import { TEST_SECRET } from '../helpers/server.js'
import { send } from './support/http.js'
import { spawnGateway, type Gateway } from './support/gateway.js'

// Identities each in-memory limiter keeps; a flood of 12 new ones is more than it can hold.
const TRACKED = 5
const FLOOD = 12

function remaining(response: Response): number {
  return Number(response.headers.get('ratelimit-remaining'))
}

// Without Redis, counters live in bounded maps. With one map for every limit, new client addresses
// (cheap: any source address will do) evict the per-user counters, and the user's allowance starts
// again from full; the other way round, many subjects reset an address's count.
describe('attack: evicting rate-limit counters by flooding the other kind of identity', () => {
  let gateway: Gateway
  before(async () => {
    gateway = await spawnGateway({ modelsDir: await demoModelsDir(), config: { rateLimit: { maxTrackedIdentities: TRACKED } } })
  })
  after(() => gateway.stop())

  it("keeps a subject's predict count through a flood of new addresses", async () => {
    const token = jwt.sign({ sub: 'steady-user', roles: ['user'] }, TEST_SECRET, { expiresIn: 600 })
    const predict = (): Promise<Response> =>
      send(`${gateway.url}/api/v1/models/iris/predict`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ inputs: [[5.1, 3.5, 1.4, 0.2]] }),
      })
    const first = remaining(await predict())
    assert.equal(remaining(await predict()), first - 1)
    for (let n = 1; n <= FLOOD; n += 1) {
      assert.equal((await send(`${gateway.url}/healthz`, { localAddress: `127.0.1.${n}` })).status, 200)
    }
    assert.equal(remaining(await predict()), first - 2, "the subject's counter survived the address flood")
  })

  it("keeps an address's anonymous count through a flood of new subjects", async () => {
    const address = '127.0.2.1'
    const probe = (): Promise<Response> => send(`${gateway.url}/healthz`, { localAddress: address })
    const first = remaining(await probe())
    assert.equal(remaining(await probe()), first - 1)
    for (let n = 1; n <= FLOOD; n += 1) {
      const token = jwt.sign({ sub: `flood-${n}`, roles: ['user'] }, TEST_SECRET, { expiresIn: 600 })
      assert.equal((await send(`${gateway.url}/api/v1/models`, { headers: { Authorization: `Bearer ${token}` }, localAddress: '127.0.2.2' })).status, 200)
    }
    assert.equal(remaining(await probe()), first - 2, "the address's counter survived the subject flood")
  })
})
