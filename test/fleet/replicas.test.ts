import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Redis } from 'ioredis'
import { adminRequest, fleetRepository, fleetToken, predictFleet, within } from '../helpers/fleet.js'
import { spawnGateway, waitUntilReady, type GatewayProcess } from '../helpers/process.js'
import { TEST_SECRET } from '../helpers/server.js'
import { constantClassifier } from '../models/repo-fixtures.js'

const REDIS_URL = 'redis://127.0.0.1:6379'
const user = fleetToken('fleet-user', ['user'])
const admin = fleetToken('fleet-admin', ['admin'])

/** Audit lines of one action in a process's stdout. */
function auditLines(stdout: string, action: string): string[] {
  return stdout.split('\n').filter((line) => line.includes('"audit":true') && line.includes(`"action":"${action}"`))
}

describe('two replicas sharing Redis act as one gateway', () => {
  const prefix = `portcullis-test-fleet-${randomUUID()}`
  let repo: Awaited<ReturnType<typeof fleetRepository>>
  let a: GatewayProcess
  let b: GatewayProcess
  const startReplica = async (): Promise<GatewayProcess> => {
    const replica = await spawnGateway({ APP_ENV: 'test', JWT_SECRET: TEST_SECRET, MODELS_DIR: repo.dir, CONFIG_PATH: repo.configPath, REDIS_URL, LOG_LEVEL: 'info' })
    await waitUntilReady(replica.url)
    return replica
  }

  before(async () => {
    repo = await fleetRepository({ rateLimit: { redisKeyPrefix: prefix }, models: { watch: false } })
    ;[a, b] = await Promise.all([startReplica(), startReplica()])
  })
  after(async () => {
    await Promise.all([a, b].map((replica) => (replica.child.exitCode === null ? replica.stop() : undefined)))
    const redis = new Redis(REDIS_URL)
    const keys = await redis.keys(`${prefix}:*`)
    if (keys.length > 0) await redis.del(...keys)
    redis.disconnect()
    repo.cleanup()
  })

  it('a deactivate through A makes B answer 409 within 2 s, and both list the model as inactive', async () => {
    assert.equal((await predictFleet(b.url, user)).status, 200)
    const response = await adminRequest(a.url, admin, 'POST', '/models/fleet/deactivate')
    assert.equal(response.status, 200)
    const took = await within(async () => (await predictFleet(b.url, user)).status === 409, 'B refuses the deactivated model', 2_000)
    assert.ok(took <= 2_000)
    for (const replica of [a, b]) {
      const listing = (await (await fetch(`${replica.url}/api/v1/models`, { headers: { Authorization: `Bearer ${user}` } })).json()) as {
        models: { name: string; active: boolean }[]
      }
      assert.equal(listing.models.find((model) => model.name === 'fleet')?.active, false)
      assert.notEqual((await fetch(`${replica.url}/v2/models/fleet/ready`, { headers: { Authorization: `Bearer ${user}` } })).status, 200)
    }
  })

  it('audits the change once, on the replica that accepted it', () => {
    assert.equal(auditLines(a.stdout(), 'model.deactivate').length, 1)
    assert.match(auditLines(a.stdout(), 'model.deactivate')[0] ?? '', /"subject":"fleet-admin"/)
    assert.equal(auditLines(b.stdout(), 'model.deactivate').length, 0)
  })

  it('B restarted is still deactivated; activating through B reaches A', async () => {
    assert.equal(await b.stop(), 0)
    b = await startReplica()
    assert.equal((await predictFleet(b.url, user)).status, 409)
    assert.equal((await adminRequest(b.url, admin, 'POST', '/models/fleet/activate')).status, 200)
    await within(async () => (await predictFleet(a.url, user)).status === 200, 'A serves the activated model', 2_000)
  })

  it('an alias set through A is served by B', async () => {
    const response = await adminRequest(a.url, admin, 'PUT', '/models/fleet/aliases/stable', { version: '2' })
    assert.equal(response.status, 200)
    assert.deepEqual(((await response.json()) as { aliases: Record<string, string> }).aliases, { stable: '2' })
    await within(async () => (await predictFleet(b.url, user, '/api/v1/models/fleet/versions/stable/predict')).version === '2', 'B resolves the alias', 2_000)
    assert.equal((await predictFleet(b.url, user, '/api/v1/models/fleet/versions/stable/predict')).label, 'virginica')
    const detail = (await (await fetch(`${b.url}/api/v1/models/fleet`, { headers: { Authorization: `Bearer ${user}` } })).json()) as { aliases: Record<string, string> }
    assert.deepEqual(detail.aliases, { stable: '2' })
    assert.equal((await adminRequest(b.url, admin, 'DELETE', '/models/fleet/aliases/stable')).status, 200)
    await within(async () => (await predictFleet(a.url, user, '/api/v1/models/fleet/versions/stable/predict')).status === 404, 'A forgets the removed alias', 2_000)
  })

  it('a canary weight set through A is served by B, and stopping it returns B to the default', async () => {
    assert.equal((await predictFleet(b.url, user)).version, '1')
    const response = await adminRequest(a.url, admin, 'PUT', '/models/fleet/traffic', { canary: { version: '2', weight: 100 } })
    assert.equal(response.status, 200)
    await within(async () => (await predictFleet(b.url, user)).version === '2', 'B sends the canary its share', 2_000)
    assert.equal((await adminRequest(a.url, admin, 'PUT', '/models/fleet/traffic', { canary: null })).status, 200)
    await within(async () => (await predictFleet(b.url, user)).version === '1', 'B stops the canary', 2_000)
  })

  it('a reload through A reloads the model on B too (the repository is not watched here)', async () => {
    assert.equal((await predictFleet(b.url, user)).label, 'setosa')
    writeFileSync(join(repo.dir, 'fleet', '1', 'model.onnx'), constantClassifier(1))
    assert.equal((await adminRequest(a.url, admin, 'POST', '/models/fleet/reload')).status, 200)
    assert.equal((await predictFleet(a.url, user)).label, 'versicolor')
    // B loads the new file beside the old one and swaps; the guard is generous for a busy machine.
    await within(async () => (await predictFleet(b.url, user)).label === 'versicolor', 'B serves the reloaded file', 20_000)
  })

  it('refuses bad control requests with the envelope, and changes nothing', async () => {
    const cases: [string, string, unknown, number][] = [
      ['PUT', '/models/fleet/aliases/stable', { version: 'two' }, 400],
      ['PUT', '/models/fleet/aliases/Bad Alias', { version: '2' }, 400],
      ['PUT', '/models/fleet/aliases/stable', { version: '9' }, 404],
      ['PUT', '/models/nope/aliases/stable', { version: '1' }, 404],
      ['DELETE', '/models/fleet/aliases/missing', undefined, 404],
      ['PUT', '/models/fleet/traffic', { canary: { version: '2', weight: 101 } }, 400],
      ['PUT', '/models/fleet/traffic', {}, 400],
      ['PUT', '/models/fleet/traffic', { shadow: { version: '7', weight: 5 } }, 404],
      ['POST', '/models/nope/deactivate', undefined, 404],
    ]
    for (const [method, path, body, status] of cases) {
      const response = await adminRequest(a.url, admin, method, path, body)
      assert.equal(response.status, status, `${method} ${path}`)
      assert.equal(typeof ((await response.json()) as { error?: { code?: string } }).error?.code, 'string')
    }
    assert.equal((await adminRequest(a.url, user, 'POST', '/models/fleet/deactivate')).status, 403)
    assert.equal((await predictFleet(b.url, user)).status, 200)
  })
})
