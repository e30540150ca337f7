import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startServer, type TestServer } from '../helpers/server.js'

const ALLOWED = 'https://app.example.test'
const EVIL = 'https://evil.example.test'

function preflight(url: string, origin: string): Promise<Response> {
  return fetch(url, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type' } })
}

// A page on another origin calls the API with a user's browser (OWASP API8:2023, security misconfiguration).
describe('attack: cross-origin requests from an unlisted page', () => {
  describe('with no server.cors.origins (the default)', () => {
    let server: TestServer
    before(async () => {
      server = await startServer()
    })
    after(() => server.close())

    it('sends no Access-Control-* header to any origin', async () => {
      const response = await fetch(`${server.url}/api/v1/models`, { headers: { Origin: ALLOWED, Authorization: `Bearer ${server.token(['user'])}` } })
      assert.equal(response.status, 200)
      assert.equal(response.headers.get('access-control-allow-origin'), null)
      assert.equal((await preflight(`${server.url}/api/v1/models/iris/predict`, ALLOWED)).headers.get('access-control-allow-origin'), null)
    })
  })

  describe('with server.cors.origins listing one origin and credentials', () => {
    let server: TestServer
    before(async () => {
      server = await startServer({ config: { server: { port: 0, cors: { origins: [ALLOWED], credentials: true } } } })
    })
    after(() => server.close())

    it("answers the listed origin's preflight with 204 and the allowed methods and headers", async () => {
      const response = await preflight(`${server.url}/api/v1/models/iris/predict`, ALLOWED)
      assert.equal(response.status, 204)
      assert.equal(response.headers.get('access-control-allow-origin'), ALLOWED)
      assert.equal(response.headers.get('access-control-allow-credentials'), 'true')
      assert.match(response.headers.get('access-control-allow-headers') ?? '', /Authorization/)
      assert.match(response.headers.get('vary') ?? '', /Origin/)
    })

    it('gives an unlisted origin no Access-Control-Allow-Origin, on preflight or on the request', async () => {
      const pre = await preflight(`${server.url}/api/v1/models/iris/predict`, EVIL)
      assert.equal(pre.headers.get('access-control-allow-origin'), null)
      const response = await fetch(`${server.url}/api/v1/models`, { headers: { Origin: EVIL, Authorization: `Bearer ${server.token(['user'])}` } })
      assert.equal(response.headers.get('access-control-allow-origin'), null)
      assert.equal(response.headers.get('access-control-allow-credentials'), null)
    })

    it('exposes the request id and rate-limit headers to the listed origin, errors included', async () => {
      const response = await fetch(`${server.url}/api/v1/models`, { headers: { Origin: ALLOWED } })
      assert.equal(response.status, 401)
      assert.equal(response.headers.get('access-control-allow-origin'), ALLOWED)
      assert.match(response.headers.get('access-control-expose-headers') ?? '', /X-Request-ID/)
    })
  })
})
