import assert from 'node:assert/strict'
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import Koa from 'koa'
import { CONSOLE_BUILD_DIR, consoleRoutes } from '../../../src/http/routes/console.js'
import type { AppState } from '../../../src/http/state.js'
import { assertEnvelope } from '../../helpers/envelope.js'
import { getJson, postJson, startServer, type TestServer } from '../../helpers/server.js'

const ROW = { inputs: [[5.1, 3.5, 1.4, 0.2]] }

describe('the console routes of a test server', () => {
  let server: TestServer
  before(async () => {
    server = await startServer()
  })
  after(() => server.close())

  it('GET / serves the built page without a token, revalidated on every load, under the strict CSP', async () => {
    const response = await fetch(`${server.url}/`)
    assert.equal(response.status, 200)
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/)
    assert.equal(response.headers.get('cache-control'), 'no-cache')
    const csp = response.headers.get('content-security-policy') ?? ''
    assert.match(csp, /script-src 'self'(;|$)/)
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/)
    const page = await response.text()
    assert.equal(page, readFileSync(join(CONSOLE_BUILD_DIR, 'index.html'), 'utf8'))
    for (const script of page.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)) assert.equal(script[2]?.trim(), '', 'no inline script')
    assert.doesNotMatch(page, /<style|style="/, 'no inline style')
  })

  it('serves each hashed file the page names with a year-long immutable cache, and 404 for any other name', async () => {
    const page = await (await fetch(`${server.url}/`)).text()
    const files = [...page.matchAll(/(?:src|href)="(\/console\/[^"]+)"/g)].map((match) => match[1] ?? '')
    assert.ok(files.some((file) => file.endsWith('.js')) && files.some((file) => file.endsWith('.css')), files.join(', '))
    for (const file of files) {
      const response = await fetch(`${server.url}${file}`)
      assert.equal(response.status, 200, file)
      assert.equal(response.headers.get('cache-control'), 'public, max-age=31536000, immutable')
      assert.match(response.headers.get('content-type') ?? '', file.endsWith('.js') ? /^text\/javascript/ : /^text\/css/)
    }
    for (const path of ['/console/missing.js', '/console/..%2Fpackage.json', '/console/%2e%2e%2findex.html']) {
      const response = await fetch(`${server.url}${path}`)
      assert.equal(response.status, 404, path)
      await assertEnvelope(response, 404, 'not_found')
    }
  })

  it('leaves the demo sign-in out of the OpenAPI document outside development', async () => {
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, unknown> }
    assert.ok(Object.keys(document.paths).length > 10)
    assert.equal(document.paths['/demo/token'], undefined)
  })

  it('has no demo sign-in outside development: the path is unknown, like any other', async () => {
    await assertEnvelope(await postJson(`${server.url}/demo/token`, { role: 'admin' }), 401, 'invalid_token')
    await assertEnvelope(await postJson(`${server.url}/demo/token`, { role: 'admin' }, server.token(['admin'])), 404, 'not_found')
  })

  it('GET /api/v1/me tells the subject, roles, permissions, expiry and row limit; 401 without a token', async () => {
    const response = await getJson(`${server.url}/api/v1/me`, server.token(['user'], 'me-user'))
    assert.equal(response.status, 200)
    const body = (await response.json()) as Record<string, unknown>
    assert.equal(body.subject, 'me-user')
    assert.deepEqual(body.roles, ['user'])
    assert.deepEqual(body.permissions, ['models:read', 'predict'])
    assert.ok(typeof body.expires_at === 'number' && body.expires_at > Date.now() / 1000)
    assert.deepEqual(body.limits, { max_rows: 1024 })
    const anonymous = await getJson(`${server.url}/api/v1/me`)
    assert.equal(anonymous.status, 401)
  })

  it('GET /api/v1/metrics/summary answers metrics:read with cumulative totals, and 403 to a user', async () => {
    const token = server.token(['metrics'])
    const first = (await (await getJson(`${server.url}/api/v1/metrics/summary`, token)).json()) as Summary
    await assertEnvelope(await getJson(`${server.url}/api/v1/metrics/summary`, server.token(['user'])), 403, 'insufficient_scope')
    await postJson(`${server.url}/api/v1/models/iris/predict`, ROW, server.token(['user']), { 'Cache-Control': 'no-cache' })
    const second = (await (await getJson(`${server.url}/api/v1/metrics/summary`, token)).json()) as Summary
    assert.ok(second.requests.total >= first.requests.total + 3)
    assert.ok((second.requests.by_class['4xx'] ?? 0) >= (first.requests.by_class['4xx'] ?? 0) + 1, 'the 403 counts as an error response')
    assert.equal(second.latency_bounds.at(-1), null)
    const inference = second.stages.inference
    assert.ok(inference !== undefined && inference.count >= 1)
    assert.equal(inference.cumulative.length, second.latency_bounds.length)
    assert.equal(inference.cumulative.at(-1), inference.count)
    assert.ok(second.batch_size.count >= 1 && second.batch_size.sum >= 1)
    assert.ok((second.cache.bypass ?? 0) >= (first.cache.bypass ?? 0) + 1)
  })

  it('predict answers X-Cache: miss, then hit for the same row, and bypass with Cache-Control: no-cache', async () => {
    const token = server.token(['user'])
    const row = { inputs: [[6.1, 2.8, 4.7, 1.2]] }
    const url = `${server.url}/api/v1/models/iris-logreg/predict`
    assert.equal((await postJson(url, row, token)).headers.get('x-cache'), 'miss')
    assert.equal((await postJson(url, row, token)).headers.get('x-cache'), 'hit')
    assert.equal((await postJson(url, row, token, { 'Cache-Control': 'no-cache' })).headers.get('x-cache'), 'bypass')
  })

  it('answers 503 with a hint when the console is not built', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-console-'))
    const served = await serveConsole(dir)
    try {
      const response = await fetch(`${served.url}/`)
      assert.equal(response.status, 503)
      assert.match(await response.text(), /npm run build/)
    } finally {
      await served.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('serves only files of the known types from the asset folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-console-'))
    mkdirSync(join(dir, 'console'))
    writeFileSync(join(dir, 'index.html'), '<!DOCTYPE html><title>t</title>')
    writeFileSync(join(dir, 'console', 'app-1.js'), 'export {}')
    writeFileSync(join(dir, 'console', 'notes.txt'), 'private')
    const served = await serveConsole(dir)
    try {
      assert.equal((await fetch(`${served.url}/console/app-1.js`)).status, 200)
      assert.equal((await fetch(`${served.url}/console/notes.txt`)).status, 404)
      assert.equal((await fetch(`${served.url}/console/index.html`)).status, 404)
    } finally {
      await served.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('the demo sign-in of a development server', () => {
  let server: TestServer
  before(async () => {
    server = await startServer({ env: { APP_ENV: 'development' }, config: { server: { port: 0, trustProxy: 1 } } })
  })
  after(() => server.close())

  it('hands a loopback caller a one-hour token for the demo user or admin that the gateway accepts', async () => {
    const response = await postJson(`${server.url}/demo/token`, { role: 'admin' })
    assert.equal(response.status, 200)
    const body = (await response.json()) as { token: string; expires_in: number }
    assert.equal(body.expires_in, 3600)
    const me = (await (await getJson(`${server.url}/api/v1/me`, body.token)).json()) as { subject: string; roles: string[] }
    assert.equal(me.subject, 'demo-admin')
    assert.deepEqual(me.roles, ['admin'])
  })

  it('is documented in the OpenAPI document of a development server, and only there', async () => {
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { operationId?: string }>> }
    assert.equal(document.paths['/demo/token']?.post?.operationId, 'demoToken')
  })

  it('refuses other roles, and answers 404 to a caller that is not on loopback', async () => {
    await assertEnvelope(await postJson(`${server.url}/demo/token`, { role: 'root' }), 400, 'invalid_input')
    const remote = await postJson(`${server.url}/demo/token`, { role: 'admin' }, undefined, { 'X-Forwarded-For': '203.0.113.9' })
    await assertEnvelope(remote, 404, 'not_found')
  })
})

/** Serves consoleRoutes alone over a dir, with errors as status and message. */
async function serveConsole(dir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const app = new Koa<AppState>()
  app.use(async (ctx, next) => {
    try {
      await next()
    } catch (error) {
      ctx.status = (error as { status?: number }).status ?? 500
      ctx.body = (error as Error).message
    }
  })
  app.use(consoleRoutes({ dir }).routes())
  const listener = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => listener.once('listening', resolve))
  const address = listener.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => listener.close(() => resolve())) }
}

interface Summary {
  requests: { total: number; by_class: Record<string, number> }
  cache: Record<string, number>
  latency_bounds: (number | null)[]
  stages: Record<string, { cumulative: number[]; sum: number; count: number }>
  batch_size: { cumulative: number[]; sum: number; count: number }
}
