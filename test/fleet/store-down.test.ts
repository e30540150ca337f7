import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { adminRequest, fleetRepository, fleetToken, predictFleet, within } from '../helpers/fleet.js'
import { startServer, type TestServer } from '../helpers/server.js'

const user = fleetToken('store-user', ['user'])
const admin = fleetToken('store-admin', ['admin'])

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

/** A Redis of this test's own (stopping the machine's shared one would disturb everyone else), keeping its data in `dir`. */
async function startRedis(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', dir], { stdio: 'ignore' })
  await within(() => canConnect(port), 'redis-server listens', 10_000)
  return child
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

async function stopRedis(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  await exited
}

describe('while the control store is down', () => {
  let port: number
  let dir: string
  let redis: ChildProcess
  let repo: Awaited<ReturnType<typeof fleetRepository>>
  let a: TestServer
  let b: TestServer

  before(async () => {
    port = await freePort()
    dir = mkdtempSync(join(tmpdir(), 'portcullis-redis-'))
    redis = await startRedis(port, dir)
    repo = await fleetRepository({})
    const options = {
      modelsDir: repo.dir,
      env: { REDIS_URL: `redis://127.0.0.1:${port}` },
      config: { rateLimit: { enabled: false }, models: { watch: false }, fleet: { resyncMs: 500 } },
    }
    ;[a, b] = await Promise.all([startServer(options), startServer(options)])
  })
  after(async () => {
    await Promise.all([a.close(), b.close()])
    if (redis.exitCode === null) await stopRedis(redis)
    rmSync(dir, { recursive: true, force: true })
    repo.cleanup()
  })

  it('control changes answer 503 and change nothing, serving goes on, and the state converges when it returns', async () => {
    assert.equal((await adminRequest(a.url, admin, 'POST', '/models/fleet/deactivate')).status, 200)
    await within(async () => (await predictFleet(b.url, user)).status === 409, 'B sees the deactivation', 2_000)

    await stopRedis(redis)
    await within(async () => !a.runtime.control.storeUp(), 'A notices the store is gone', 10_000)
    const refused = await adminRequest(a.url, admin, 'POST', '/models/fleet/activate')
    assert.equal(refused.status, 503)
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'unavailable')
    assert.equal((await adminRequest(a.url, admin, 'PUT', '/models/fleet/aliases/stable', { version: '2' })).status, 503)
    // Both keep serving on the last known state: still deactivated, no alias.
    for (const replica of [a, b]) {
      assert.equal((await predictFleet(replica.url, user)).status, 409)
      assert.equal((await predictFleet(replica.url, user, '/api/v1/models/iris/predict')).status, 200)
      assert.equal(replica.runtime.registry.get('fleet')?.metadata.aliases?.stable, undefined)
    }
    const scrape = await (await fetch(`${a.url}/metrics`, { headers: { Authorization: `Bearer ${admin}` } })).text()
    assert.match(scrape, /^portcullis_control_store_up 0$/m)

    redis = await startRedis(port, dir)
    await within(async () => a.runtime.control.storeUp() && b.runtime.control.storeUp(), 'both reconnect', 20_000)
    assert.equal((await adminRequest(a.url, admin, 'POST', '/models/fleet/activate')).status, 200)
    await within(async () => (await predictFleet(b.url, user)).status === 200, 'B converges on the activation', 2_000)
  })
})
