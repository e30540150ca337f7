import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { demoModelsDir } from '../helpers/demo-models.js'
import { ATTACKER, inWaves, keepPredicting, postBody, predictAsCaller, residentBytes, validToken } from './support/flood.js'
import { spawnGateway, type Gateway } from './support/gateway.js'

const MiB = 1024 * 1024

// Issue: 1,000 unauthenticated 1 MiB bodies raised the gateway's memory from ~150 MiB to ~1.15 GiB,
// and it stayed there. Now a request is refused from its headers (401, 429, 503) before its body is
// read, node discards what the client still sends, and no body is ever buffered for it.
describe('attack: ~1000 unauthenticated 1 MiB bodies from one address', () => {
  let gateway: Gateway
  before(async () => {
    // The caller asks as fast as it can: its own per-subject limit is raised out of the way.
    gateway = await spawnGateway({ modelsDir: await demoModelsDir(), config: { rateLimit: { predict: '100000/minute' } } })
  })
  after(() => gateway.stop())

  it('a valid caller from another address keeps getting 200, and memory returns to its level before the flood', async (t) => {
    const token = validToken()
    const body = Buffer.alloc(MiB, ' ')
    // Warm both paths first, so code and pools made once per process are in the level before the flood.
    for (let warm = 0; warm < 20; warm += 1) assert.equal(await predictAsCaller(gateway.url, token), 200)
    await inWaves(50, 50, () => postBody(gateway.url, body, ATTACKER))
    const before = residentBytes(gateway.pid)
    let peak = before
    const sampler = setInterval(() => (peak = Math.max(peak, residentBytes(gateway.pid))), 100)
    const flood = inWaves(1000, 50, () => postBody(gateway.url, body, ATTACKER))
    const statuses = await keepPredicting(gateway.url, token, flood)
    clearInterval(sampler)
    const answers = await flood
    assert.ok(statuses.length >= 5, `the caller got only ${statuses.length} answers`)
    assert.deepEqual(
      statuses.filter((status) => status !== 200),
      [],
      'every answer to the valid caller was 200',
    )
    const refused = answers.filter((status) => status !== undefined)
    assert.ok(refused.length > 0, 'the gateway answered the attacker')
    assert.deepEqual(
      refused.filter((status) => status !== 401 && status !== 429 && status !== 503),
      [],
      'no attack body was accepted',
    )
    // Resident memory may lag the heap by a collection or two: allow it a bounded time to settle.
    let now = residentBytes(gateway.pid)
    for (let wait = 0; wait < 40 && now - before > 50 * MiB; wait += 1) {
      await sleep(250)
      now = residentBytes(gateway.pid)
    }
    const mib = (bytes: number): string => (bytes / MiB).toFixed(1)
    t.diagnostic(`RSS before ${mib(before)} MiB, peak ${mib(peak)} MiB, after ${mib(now)} MiB; the caller got ${statuses.length} answers`)
    assert.ok(now - before <= 50 * MiB, `RSS before ${mib(before)} MiB, peak ${mib(peak)} MiB, after ${mib(now)} MiB`)
    assert.ok(peak - before <= 200 * MiB, `RSS rose from ${mib(before)} MiB to ${mib(peak)} MiB during the flood`)
    assert.equal(await predictAsCaller(gateway.url, token), 200)
  })
})
