import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import Router from '@koa/router'
import { pathGate } from '../../src/http/mount.js'
import type { AppState } from '../../src/http/state.js'

describe('pathGate', () => {
  it("admits paths under the first segments of the router's routes and refuses the rest", () => {
    const router = new Router<AppState>()
    router.get('/healthz', () => undefined)
    router.get('/docs/:asset', () => undefined)
    const nested = new Router<AppState>({ prefix: '/v2/health' })
    nested.get('/live', () => undefined)
    router.use(nested.routes())
    const gate = pathGate(router)
    for (const path of ['/healthz', '/healthz/', '/docs', '/docs/swagger-ui.css', '/v2/health/live', '/v2/models/iris/infer']) assert.equal(gate(path), true, path)
    for (const path of ['/', '/api/v1/models/iris/predict', '/healthzz', '/metrics', '']) assert.equal(gate(path), false, path)
  })

  it('admits the root path when the router has a root route, and still refuses the rest', () => {
    const router = new Router<AppState>()
    router.get('/', () => undefined)
    router.get('/console/:file', () => undefined)
    const gate = pathGate(router)
    for (const path of ['/', '/console/app.js']) assert.equal(gate(path), true, path)
    for (const path of ['/api/v1/models/iris/predict', '/metrics', '/consoles']) assert.equal(gate(path), false, path)
  })

  it('admits every path when a route starts with a parameter', () => {
    const router = new Router<AppState>()
    router.get('/healthz', () => undefined)
    router.get('/:tenant/status', () => undefined)
    const gate = pathGate(router)
    assert.equal(gate('/api/v1/models'), true)
    assert.equal(gate('/anything'), true)
  })
})
