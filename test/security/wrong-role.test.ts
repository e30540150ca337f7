import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { assertEnvelope } from '../helpers/envelope.js'
import { getJson, postJson, startServer, type TestServer } from '../helpers/server.js'
import { assertSecurityHeaders } from './support/attack.js'

const ROW = { inputs: [[5.1, 3.5, 1.4, 0.2]] }

async function assertForbidden(response: Response): Promise<void> {
  await assertEnvelope(response, 403, 'insufficient_scope')
  assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer realm="portcullis", error="insufficient_scope"/)
  assertSecurityHeaders(response)
}

// A valid token used beyond its roles (OWASP API5:2023, broken function level authorization).
describe('attack: a valid token without the needed role', () => {
  let server: TestServer
  before(async () => {
    server = await startServer()
  })
  after(() => server.close())

  it('answers 403 to a user revoking tokens', async () => {
    await assertForbidden(await postJson(`${server.url}/api/v1/admin/tokens/revoke`, { jti: 'x' }, server.token(['user'])))
  })

  it('answers 403 to a user deactivating a model, and leaves the model serving', async () => {
    await assertForbidden(await postJson(`${server.url}/api/v1/admin/models/iris/deactivate`, {}, server.token(['user'])))
    assert.equal((await postJson(`${server.url}/api/v1/models/iris/predict`, ROW, server.token(['user']))).status, 200)
  })

  it('answers 403 to a user scraping /metrics', async () => {
    await assertForbidden(await getJson(`${server.url}/metrics`, server.token(['user'])))
  })

  it('answers 403 to the metrics role predicting', async () => {
    await assertForbidden(await postJson(`${server.url}/api/v1/models/iris/predict`, ROW, server.token(['metrics'])))
  })

  it('answers 403 to a token with no roles, and to roles the config does not know', async () => {
    await assertForbidden(await getJson(`${server.url}/api/v1/models`, server.token([])))
    await assertForbidden(await getJson(`${server.url}/api/v1/models`, server.token(['root', 'superuser', '__proto__'])))
  })

  it('answers 200 to the admin role on the same routes (control)', async () => {
    assert.equal((await getJson(`${server.url}/metrics`, server.token(['admin']))).status, 200)
    assert.equal((await postJson(`${server.url}/api/v1/admin/tokens/revoke`, { jti: 'x' }, server.token(['admin']))).status, 200)
  })
})
