import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { assertEnvelope } from '../helpers/envelope.js'
import { postJson, startServer, type TestServer } from '../helpers/server.js'
import { assertSecurityHeaders } from './support/attack.js'

// Keys that reach Object.prototype when a parsed body is merged or assigned somewhere later.
describe('attack: prototype pollution through the body', () => {
  let server: TestServer
  before(async () => {
    server = await startServer()
  })
  after(() => server.close())

  const bodies: Record<string, string> = {
    'a top-level __proto__': '{"__proto__": {"polluted": true}, "inputs": [[5.1, 3.5, 1.4, 0.2]]}',
    'a __proto__ inside a row object': '{"inputs": [{"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2, "__proto__": {"polluted": true}}]}',
    'constructor.prototype': '{"constructor": {"prototype": {"polluted": true}}, "inputs": [[5.1, 3.5, 1.4, 0.2]]}',
    'an escaped __proto__': '{"\\u005f\\u005fproto\\u005f\\u005f": {"polluted": true}, "inputs": [[5.1, 3.5, 1.4, 0.2]]}',
  }
  for (const [name, body] of Object.entries(bodies)) {
    it(`answers 400 to ${name}`, async () => {
      const response = await postJson(`${server.url}/api/v1/models/iris/predict`, body, server.token(['user']))
      const envelope = await assertEnvelope(response, 400, 'invalid_input')
      assert.match(envelope.error.message, /is not allowed/)
      assertSecurityHeaders(response)
    })
  }

  it('leaves Object.prototype of the server process untouched', () => {
    assert.equal(Object.hasOwn(Object.prototype, 'polluted'), false)
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
  })

  it('answers 400 to a __proto__ in the revoke body of an admin', async () => {
    const response = await postJson(`${server.url}/api/v1/admin/tokens/revoke`, '{"jti": "x", "__proto__": {"isAdmin": true}}', server.token(['admin']))
    await assertEnvelope(response, 400, 'invalid_input')
  })
})
