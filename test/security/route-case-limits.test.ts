import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import jwt from 'jsonwebtoken'
import { demoModelsDir } from '../helpers/demo-models.js'
import { TEST_SECRET } from '../helpers/server.js'
import { spawnGateway, type Gateway } from './support/gateway.js'
import { REDIS_URL, redisNamespace } from './support/redis.js'

// One limit per class, each a different number, so RateLimit-Limit tells which class counted a request.
const LIMITS = { predict: 7, admin: 5, subject: 11 } as const

const ROUTES: { path: string; method: string; limit: keyof typeof LIMITS }[] = [
  { method: 'POST', path: '/api/v1/predict', limit: 'predict' },
  { method: 'POST', path: '/api/v1/models/iris/predict', limit: 'predict' },
  { method: 'POST', path: '/api/v1/models/iris/versions/1/predict', limit: 'predict' },
  { method: 'POST', path: '/v2/models/iris/infer', limit: 'predict' },
  { method: 'POST', path: '/v2/models/iris/versions/1/infer', limit: 'predict' },
  { method: 'POST', path: '/api/v1/admin/models/absent/activate', limit: 'admin' },
  { method: 'POST', path: '/api/v1/admin/models/absent/deactivate', limit: 'admin' },
  { method: 'POST', path: '/api/v1/admin/models/absent/reload', limit: 'admin' },
  { method: 'POST', path: '/api/v1/admin/tokens/revoke', limit: 'admin' },
  { method: 'GET', path: '/api/v1/models', limit: 'subject' },
  { method: 'GET', path: '/v2/models/iris', limit: 'subject' },
]

/** The path as written, and as a client may write it: the router matches every one of them. */
function caseVariants(path: string): string[] {
  const segments = path.split('/')
  const upperLast = [...segments.slice(0, -1), segments.at(-1)?.toUpperCase() ?? ''].join('/')
  const upperFirst = ['', segments[1]?.toUpperCase() ?? '', ...segments.slice(2)].join('/')
  const title = segments.map((segment) => segment.charAt(0).toUpperCase() + segment.slice(1)).join('/')
  return [path, upperLast, upperFirst, title, path.toUpperCase()]
}

// Routers match paths case-blind; limits that classify by a case-sensitive pattern let
// /api/v1/models/iris/PREDICT, /API/v1/admin/... and /v2/models/iris/INFER escape their class.
describe('attack: changing the case of a path to escape its rate limit', () => {
  const namespace = redisNamespace()
  let gateway: Gateway
  before(async () => {
    gateway = await spawnGateway({
      modelsDir: await demoModelsDir(),
      env: { REDIS_URL },
      config: { rateLimit: { redisKeyPrefix: namespace.prefix, predict: `${LIMITS.predict}/minute`, admin: `${LIMITS.admin}/minute`, default: `${LIMITS.subject}/minute` } },
    })
  })
  after(async () => {
    await gateway.stop()
    await namespace.cleanup()
  })

  for (const route of ROUTES) {
    it(`counts ${route.method} ${route.path} in the ${route.limit} class whatever its case`, async () => {
      for (const path of caseVariants(route.path)) {
        // A new subject each time: the class shows in RateLimit-Limit, never in a 429.
        const token = jwt.sign({ sub: `case-${randomUUID()}`, roles: ['admin'] }, TEST_SECRET, { expiresIn: 600 })
        const response = await fetch(`${gateway.url}${path}`, {
          method: route.method,
          headers: { Authorization: `Bearer ${token}`, ...(route.method === 'POST' ? { 'Content-Type': 'application/json' } : {}) },
          body: route.method === 'POST' ? '{}' : undefined,
        })
        const text = await response.text()
        assert.equal(response.headers.get('ratelimit-limit'), String(LIMITS[route.limit]), `${route.method} ${path} (${response.status})`)
        if (response.status >= 400) assertErrorShape(path, text)
      }
    })
  }

  it("answers v2 paths in any case with the protocol's error shape", async () => {
    const token = jwt.sign({ sub: 'v2-caller', roles: ['user'] }, TEST_SECRET, { expiresIn: 600 })
    for (const path of caseVariants('/v2/models/absent/infer')) {
      const response = await fetch(`${gateway.url}${path}`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: '{}' })
      assert.equal(response.status, 404, path)
      assertErrorShape(path, await response.text())
    }
  })
})

// v2 routes answer {"error": "message"} (contract.md), v1 routes the envelope.
function assertErrorShape(path: string, text: string): void {
  const body = JSON.parse(text) as { error?: unknown }
  if (/^\/v2\//i.test(path)) assert.equal(typeof body.error, 'string', `${path}: ${text}`)
  else assert.equal(typeof (body.error as { code?: unknown } | undefined)?.code, 'string', `${path}: ${text}`)
}
