import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { request } from 'node:http'
import { after, before, describe, it } from 'node:test'
import { adminRequest, fleetRepository, fleetToken, ROW } from '../helpers/fleet.js'
import { spawnGateway, waitUntilReady, type GatewayProcess } from '../helpers/process.js'
import { TEST_SECRET } from '../helpers/server.js'
import { parseScrape } from '../observability/scrape.js'

const user = fleetToken('workers-user', ['user'])
const admin = fleetToken('workers-admin', ['admin'])
const PREDICT_ROUTE = '/api/v1/models/:name/predict'

/** Pids of the workers the primary reported listening, in order. */
function listeningWorkers(stdout: string): number[] {
  return [...stdout.matchAll(/^.*"message":"worker listening".*$/gm)].map((line) => Number(/"pid":(\d+)/.exec(line[0])?.[1]))
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600 && !condition(); i += 1) await new Promise((resolve) => setTimeout(resolve, 100))
  assert.ok(condition(), what)
}

/**
 * One prediction on a connection of its own: the cluster primary hands each new connection to the
 * next worker in turn, so consecutive calls land on both workers.
 */
function predictOnNewConnection(url: string): Promise<number> {
  const body = JSON.stringify({ inputs: [ROW] })
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/api/v1/models/fleet/predict`,
      {
        method: 'POST',
        agent: false,
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), Authorization: `Bearer ${user}`, 'Cache-Control': 'no-cache' },
      },
      (response) => {
        response.resume().once('end', () => resolve(response.statusCode ?? 0))
      },
    )
    req.once('error', reject)
    req.end(body)
  })
}

async function statuses(url: string, count: number): Promise<number[]> {
  const seen: number[] = []
  for (let i = 0; i < count; i += 1) seen.push(await predictOnNewConnection(url))
  return seen
}

async function scrapeText(url: string): Promise<string> {
  const response = await fetch(`${url}/metrics`, { headers: { Authorization: `Bearer ${admin}` } })
  assert.equal(response.status, 200)
  return response.text()
}

/** The predict route's request count in one scrape, every status together. */
function predictCount(text: string): number {
  const samples = parseScrape(text).samples.get('portcullis_http_requests_total') ?? []
  return samples.filter((sample) => sample.labels.route === PREDICT_ROUTE).reduce((sum, sample) => sum + sample.value, 0)
}

describe('portcullis serve --workers 2 without Redis acts as one gateway', () => {
  let gateway: GatewayProcess
  let repo: Awaited<ReturnType<typeof fleetRepository>>

  before(async () => {
    repo = await fleetRepository({ rateLimit: { enabled: false }, models: { watch: false } })
    gateway = await spawnGateway({ APP_ENV: 'test', JWT_SECRET: TEST_SECRET, MODELS_DIR: repo.dir, CONFIG_PATH: repo.configPath, LOG_LEVEL: 'info' }, ['--workers', '2'])
    await waitUntilReady(gateway.url)
    await until(() => listeningWorkers(gateway.stdout()).length === 2, 'two workers listen')
  })
  after(async () => {
    if (gateway.child.exitCode === null) await gateway.stop()
    repo.cleanup()
  })

  it('N requests spread over both workers, and one scrape shows N', async () => {
    const n = 24
    assert.deepEqual(
      await statuses(gateway.url, n),
      Array.from({ length: n }, () => 200),
    )
    for (let i = 0; i < 4; i += 1) assert.equal(predictCount(await scrapeText(gateway.url)), n)
  })

  it('returns each series once, and the per-process series once per worker, labelled', async () => {
    const text = await scrapeText(gateway.url)
    const lines = text.split('\n').filter((line) => line !== '' && !line.startsWith('#'))
    assert.equal(new Set(lines.map((line) => line.slice(0, line.lastIndexOf(' ')))).size, lines.length)
    const cpu = parseScrape(text).samples.get('portcullis_process_cpu_user_seconds_total') ?? []
    assert.deepEqual(cpu.map((sample) => sample.labels.worker).sort(), ['1', '2'])
    const loaded = parseScrape(text).samples.get('portcullis_model_loaded') ?? []
    assert.ok(loaded.length > 0 && loaded.every((sample) => sample.value === 1))
  })

  it('a deactivate through one worker reaches both', async () => {
    assert.equal((await adminRequest(gateway.url, admin, 'POST', '/models/fleet/deactivate')).status, 200)
    // The primary sends the new state to every worker before the answer; a new connection reaches a
    // worker over the same IPC channel, after that state.
    assert.deepEqual(
      await statuses(gateway.url, 6),
      Array.from({ length: 6 }, () => 409),
    )
    assert.equal(
      gateway
        .stdout()
        .split('\n')
        .filter((line) => line.includes('"action":"model.deactivate"')).length,
      1,
    )
  })

  it('a worker killed and restarted serves the current state, not the state at boot', async () => {
    const [victim] = listeningWorkers(gateway.stdout())
    assert.ok(victim !== undefined)
    process.kill(victim, 'SIGKILL')
    await until(() => listeningWorkers(gateway.stdout()).length === 3, 'a new worker listens')
    assert.deepEqual(
      await statuses(gateway.url, 6),
      Array.from({ length: 6 }, () => 409),
    )
    assert.equal((await adminRequest(gateway.url, admin, 'POST', '/models/fleet/activate')).status, 200)
    assert.deepEqual(
      await statuses(gateway.url, 6),
      Array.from({ length: 6 }, () => 200),
    )
  })
})

describe('staging with --workers 2 and no shared store', () => {
  it('refuses to start with exit 2, naming the key', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--workers', '2'], {
      env: { PATH: process.env.PATH ?? '', APP_ENV: 'staging', JWT_SECRET: 'k3Jq9vL2xP8mW4nR7tY1zB6cF0hD5gS-aE_uI', PORT: '0' },
      encoding: 'utf8',
    })
    assert.equal(result.status, 2, result.stderr)
    assert.match(result.stderr, /rateLimit\.redisUrl/)
    assert.match(result.stderr, /allowPerProcessState/)
  })
})
