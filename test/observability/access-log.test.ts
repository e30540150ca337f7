import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import { mintToken } from '../../src/cli/token.js'
import { loadConfig } from '../../src/config/load.js'
import { createLogger } from '../../src/observability/logger.js'
import { startRuntime, type Runtime } from '../../src/runtime.js'
import { demoModelsDir } from '../helpers/demo-models.js'
import { TEST_SECRET } from '../helpers/server.js'

interface LogLine {
  level: string
  message: string
  [key: string]: unknown
}

/** A gateway whose log lines are kept, at the given level. */
async function startLogged(level: string): Promise<{ runtime: Runtime; url: string; token: string; lines: () => LogLine[] }> {
  const config = loadConfig({ APP_ENV: 'test', JWT_SECRET: TEST_SECRET, MODELS_DIR: await demoModelsDir(), PORT: '0', LOG_LEVEL: level })
  const stream = new PassThrough()
  let text = ''
  stream.setEncoding('utf8').on('data', (chunk: string) => (text += chunk))
  const runtime = await startRuntime(config, createLogger({ level: config.logging.level, stream }))
  await runtime.modelsLoaded
  const token = mintToken(config, runtime.keys, { subject: 'carol', roles: ['user'], ttlSeconds: 600 })
  const lines = (): LogLine[] =>
    text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as LogLine)
  return { runtime, url: `http://127.0.0.1:${runtime.port}`, token, lines }
}

function send(url: string, requestId: string, token?: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Request-ID': requestId, ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ inputs: [[5.1, 3.5, 1.4, 0.2]] }),
  })
}

describe('accessLog at level info', () => {
  let gateway: Awaited<ReturnType<typeof startLogged>>
  before(async () => {
    gateway = await startLogged('info')
  })
  after(() => gateway.runtime.close())

  it('writes one line per request with request id, subject, route, model, status and latency', async () => {
    const response = await send(`${gateway.url}/api/v1/models/iris/predict`, 'log-ok-1', gateway.token)
    assert.equal(response.status, 200)
    const lines = gateway.lines().filter((line) => line.request_id === 'log-ok-1')
    assert.equal(lines.length, 1)
    const [line] = lines
    assert.equal(line?.message, 'request')
    assert.equal(line?.level, 'info')
    assert.equal(line?.subject, 'carol')
    assert.equal(line?.route, '/api/v1/models/:name/predict')
    assert.equal(line?.model, 'iris')
    assert.equal(line?.version, '1')
    assert.equal(line?.status, 200)
    assert.equal(typeof line?.latency_ms, 'number')
  })

  it('logs a refused request at warn with its error code, and never the token', async () => {
    const response = await send(`${gateway.url}/api/v1/models/iris/predict`, 'log-bad-1', `${gateway.token}x`)
    assert.equal(response.status, 401)
    const lines = gateway.lines().filter((line) => line.request_id === 'log-bad-1')
    assert.equal(lines.length, 1)
    assert.equal(lines[0]?.level, 'warn')
    assert.equal(lines[0]?.error, 'invalid_token')
    assert.equal(lines[0]?.subject, undefined)
    for (const line of gateway.lines()) assert.ok(!JSON.stringify(line).includes(gateway.token.split('.')[2] ?? '-'), 'a token signature reached the log')
  })
})

describe('accessLog at level warn (the production overlay)', () => {
  let gateway: Awaited<ReturnType<typeof startLogged>>
  before(async () => {
    gateway = await startLogged('warn')
  })
  after(() => gateway.runtime.close())

  it('keeps failed requests and drops successful ones', async () => {
    assert.equal((await send(`${gateway.url}/api/v1/models/iris/predict`, 'prod-ok-1', gateway.token)).status, 200)
    assert.equal((await send(`${gateway.url}/api/v1/models/iris/predict`, 'prod-bad-1')).status, 401)
    const ids = gateway.lines().map((line) => line.request_id)
    assert.ok(!ids.includes('prod-ok-1'))
    assert.ok(ids.includes('prod-bad-1'))
  })
})
