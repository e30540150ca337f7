import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import jwt from 'jsonwebtoken'
import { postJson, startServer, TEST_SECRET, type TestServer } from '../helpers/server.js'
import { claims } from './support/attack.js'

// Names of the libraries underneath and phrases of their own error messages: none may reach a client.
const LEAKS =
  /jsonwebtoken|JsonWebTokenError|jwt malformed|invalid signature|koa|raw-body|ioredis|onnxruntime|zod|Unexpected token|SyntaxError|TypeError|node_modules|\/work\/|at \S+ \(|\.ts:\d+/i

// Error detail is reconnaissance (OWASP API8:2023): stack traces, library names, paths and secrets stay inside.
describe('attack: probing error responses for internals', () => {
  let server: TestServer
  before(async () => {
    server = await startServer()
  })
  after(() => server.close())

  const probes: Record<string, (server: TestServer) => Promise<Response>> = {
    'malformed JSON': (s) => postJson(`${s.url}/api/v1/models/iris/predict`, '{"inputs": [1,', s.token(['user'])),
    'a wrong type': (s) => postJson(`${s.url}/api/v1/models/iris/predict`, { inputs: 'DROP TABLE' }, s.token(['user'])),
    'a forged token': (s) => fetch(`${s.url}/api/v1/models`, { headers: { Authorization: `Bearer ${jwt.sign(claims(), 'x'.repeat(40))}` } }),
    'a garbage token': (s) => fetch(`${s.url}/api/v1/models`, { headers: { Authorization: 'Bearer e30.e30.e30' } }),
    'an expired token': (s) => fetch(`${s.url}/api/v1/models`, { headers: { Authorization: `Bearer ${jwt.sign(claims({ exp: 1, iat: 0 }), TEST_SECRET)}` } }),
    'a wrong method': (s) => fetch(`${s.url}/api/v1/models`, { method: 'DELETE', headers: { Authorization: `Bearer ${s.token(['user'])}` } }),
    'an unknown model': (s) => postJson(`${s.url}/api/v1/models/../../etc/passwd/predict`, { inputs: [[1, 2, 3, 4]] }, s.token(['user'])),
    'a bad revoke body': (s) => postJson(`${s.url}/api/v1/admin/tokens/revoke`, { jti: 42 }, s.token(['admin'])),
    'an oversized header block': (s) => fetch(`${s.url}/api/v1/models`, { headers: { 'X-Big': 'x'.repeat(20_000) } }),
  }
  for (const [name, probe] of Object.entries(probes)) {
    it(`answers ${name} without stack, library name, path or secret`, async () => {
      const response = await probe(server)
      assert.ok(response.status >= 400, `an error status, got ${response.status}`)
      const text = await response.text()
      assert.doesNotMatch(text, LEAKS)
      assert.ok(!text.includes(TEST_SECRET))
      assert.equal(response.headers.get('x-powered-by'), null)
      assert.equal(response.headers.get('server'), null)
      for (const value of response.headers.values()) assert.doesNotMatch(value, LEAKS)
    })
  }
})
