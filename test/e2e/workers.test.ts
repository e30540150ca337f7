import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { Agent } from 'node:http'
import { after, before, describe, it } from 'node:test'
import jwt from 'jsonwebtoken'
import { demoModelsDir } from '../helpers/demo-models.js'
import { openPredict } from '../helpers/in-flight.js'
import { spawnGateway, waitUntilReady, type GatewayProcess } from '../helpers/process.js'
import { postJson, TEST_SECRET } from '../helpers/server.js'

const token = jwt.sign({ roles: ['user'] }, TEST_SECRET, { algorithm: 'HS256', subject: 'workers', expiresIn: 600 })

/** Pids of the workers the primary reported listening, in order. */
function listeningWorkers(stdout: string): number[] {
  return [...stdout.matchAll(/^.*"message":"worker listening".*$/gm)].map((line) => Number(/"pid":(\d+)/.exec(line[0])?.[1]))
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600 && !condition(); i += 1) await new Promise((resolve) => setTimeout(resolve, 100))
  assert.ok(condition(), what)
}

describe('portcullis serve --workers 2', () => {
  let gateway: GatewayProcess

  before(async () => {
    gateway = await spawnGateway({ APP_ENV: 'test', JWT_SECRET: TEST_SECRET, MODELS_DIR: await demoModelsDir(), LOG_LEVEL: 'info' }, ['--workers', '2'])
    await waitUntilReady(gateway.url)
    await until(() => listeningWorkers(gateway.stdout()).length === 2, 'two workers listen')
  })
  after(() => {
    if (gateway.child.exitCode === null) gateway.child.kill('SIGKILL')
  })

  it('serves predictions from two worker processes on one port', async () => {
    const [first, second] = listeningWorkers(gateway.stdout())
    assert.notEqual(first, second)
    const responses = await Promise.all(Array.from({ length: 20 }, () => postJson(`${gateway.url}/api/v1/models/iris/predict`, { inputs: [[5.1, 3.5, 1.4, 0.2]] }, token)))
    assert.deepEqual(
      responses.map((response) => response.status),
      Array.from({ length: 20 }, () => 200),
    )
  })

  it('restarts a worker that dies, and keeps answering', async () => {
    const [victim] = listeningWorkers(gateway.stdout())
    assert.ok(victim !== undefined)
    process.kill(victim, 'SIGKILL')
    await until(() => /"message":"worker exited; restarting"/.test(gateway.stdout()), 'the primary reports the dead worker')
    await until(() => listeningWorkers(gateway.stdout()).length === 3, 'a new worker listens')
    assert.ok(!listeningWorkers(gateway.stdout()).slice(2).includes(victim))
    // A worker listens only once its models are loaded, so the restarted one never answers 503.
    const predict = () => postJson(`${gateway.url}/api/v1/models/iris/predict`, { inputs: [[5.1, 3.5, 1.4, 0.2]] }, token)
    const statuses = (await Promise.all(Array.from({ length: 10 }, predict))).map((response) => response.status)
    assert.deepEqual(
      statuses,
      Array.from({ length: 10 }, () => 200),
    )
  })

  it('drains the requests in flight on every worker on SIGTERM, then exits 0', async () => {
    const agent = new Agent({ keepAlive: true })
    const open = await Promise.all(Array.from({ length: 8 }, () => openPredict(gateway.url, token, agent)))
    const exited = new Promise<number | null>((resolve) => gateway.child.once('exit', (code) => resolve(code)))
    gateway.child.kill('SIGTERM')
    const answers = await Promise.all(open.map((req) => req.finish()))
    assert.deepEqual(
      answers.map((answer) => answer.status),
      Array.from({ length: 8 }, () => 200),
    )
    assert.equal(await exited, 0)
    agent.destroy()
  })
})

describe('portcullis serve --workers with a bad count', () => {
  it('exits 2 and names the setting', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--workers', '0'], {
      env: { PATH: process.env.PATH ?? '', APP_ENV: 'test', JWT_SECRET: TEST_SECRET, PORT: '0' },
      encoding: 'utf8',
    })
    assert.equal(result.status, 2)
    assert.match(result.stderr, /server\.workers/)
  })
})
