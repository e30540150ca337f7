import assert from 'node:assert/strict'
import jwt from 'jsonwebtoken'
import { after, before, describe, it } from 'node:test'
import { assertEnvelope } from '../helpers/envelope.js'
import { getJson, postJson, startServer, TEST_SECRET, type TestServer } from '../helpers/server.js'

const ROW = { inputs: [[5.1, 3.5, 1.4, 0.2]] }

describe('status codes and the error envelope', () => {
  let server: TestServer
  let user: string
  let admin: string
  after(() => server.close())
  before(async () => {
    server = await startServer({ config: { limits: { maxBodyBytes: 4096 } } })
    user = server.token(['user'])
    admin = server.token(['admin'])
  })

  it('answers 401 with WWW-Authenticate: Bearer when no token is sent', async () => {
    const response = await postJson(`${server.url}/api/v1/models/iris/predict`, ROW)
    await assertEnvelope(response, 401, 'invalid_token')
    const challenge = response.headers.get('www-authenticate') ?? ''
    assert.match(challenge, /^Bearer /)
    assert.doesNotMatch(challenge, /error=/)
  })

  it('answers 401 with error="invalid_token" for a wrongly signed token', async () => {
    const forged = jwt.sign({ sub: 'mallory', roles: ['admin'] }, 'another-secret-0123456789abcdef012345', { expiresIn: 60 })
    const response = await postJson(`${server.url}/api/v1/models/iris/predict`, ROW, forged)
    await assertEnvelope(response, 401, 'invalid_token')
    assert.match(response.headers.get('www-authenticate') ?? '', /error="invalid_token"/)
  })

  it('answers 401 for an expired token', async () => {
    const expired = jwt.sign({ sub: 'late', roles: ['user'], exp: Math.floor(Date.now() / 1000) - 3600 }, TEST_SECRET)
    const body = await assertEnvelope(await postJson(`${server.url}/api/v1/models/iris/predict`, ROW, expired), 401, 'invalid_token')
    assert.match(body.error.message, /expired/)
  })

  it('answers 401 for a token without exp', async () => {
    const forever = jwt.sign({ sub: 'forever', roles: ['user'] }, TEST_SECRET)
    await assertEnvelope(await postJson(`${server.url}/api/v1/models/iris/predict`, ROW, forever), 401, 'invalid_token')
  })

  it('answers 401 for an unknown route before revealing that it does not exist', async () => {
    await assertEnvelope(await getJson(`${server.url}/api/v1/nothing-here`), 401, 'invalid_token')
  })

  it('answers 403 insufficient_scope for a token without the needed role', async () => {
    const response = await postJson(`${server.url}/api/v1/admin/models/iris/deactivate`, {}, user)
    await assertEnvelope(response, 403, 'insufficient_scope')
    assert.match(response.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/)
  })

  it('answers 403 for a role the predict route does not allow', async () => {
    await assertEnvelope(await postJson(`${server.url}/api/v1/models/iris/predict`, ROW, server.token(['metrics'])), 403, 'insufficient_scope')
  })

  it('answers 404 for an unknown model, after authentication', async () => {
    await assertEnvelope(await postJson(`${server.url}/api/v1/models/nope/predict`, ROW, user), 404, 'not_found')
    await assertEnvelope(await postJson(`${server.url}/api/v1/models/nope/predict`, ROW), 401, 'invalid_token')
  })

  it('answers 404 for an unknown version', async () => {
    await assertEnvelope(await postJson(`${server.url}/api/v1/models/iris/versions/9/predict`, ROW, user), 404, 'not_found')
  })

  it('answers 404 for an unknown route with a valid token', async () => {
    await assertEnvelope(await getJson(`${server.url}/api/v1/nothing-here`, user), 404, 'not_found')
  })

  it('answers 405 for a wrong method on a known route', async () => {
    await assertEnvelope(await getJson(`${server.url}/api/v1/models/iris/predict`, user), 405, 'method_not_allowed')
  })

  it('answers 409 when predicting on a deactivated model, and 200 again once activated', async () => {
    assert.equal((await postJson(`${server.url}/api/v1/admin/models/iris-logreg/deactivate`, {}, admin)).status, 200)
    await assertEnvelope(await postJson(`${server.url}/api/v1/models/iris-logreg/predict`, ROW, user), 409, 'model_inactive')
    assert.equal((await postJson(`${server.url}/api/v1/admin/models/iris-logreg/activate`, {}, admin)).status, 200)
    assert.equal((await postJson(`${server.url}/api/v1/models/iris-logreg/predict`, ROW, user)).status, 200)
  })

  it('answers 413 for a body over the configured limit', async () => {
    const inputs = Array.from({ length: 400 }, () => [5.1, 3.5, 1.4, 0.2])
    await assertEnvelope(await postJson(`${server.url}/api/v1/models/iris/predict`, { inputs }, user), 413, 'payload_too_large')
  })

  it('answers 413 for a chunked body over the limit', async () => {
    const big = JSON.stringify({ inputs: Array.from({ length: 400 }, () => [5.1, 3.5, 1.4, 0.2]) })
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big))
        controller.close()
      },
    })
    const response = await fetch(`${server.url}/api/v1/models/iris/predict`, {
      method: 'POST',
      body: stream,
      duplex: 'half',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${user}` },
    } as RequestInit)
    await assertEnvelope(response, 413, 'payload_too_large')
  })

  it('answers 415 for a content type other than application/json', async () => {
    const response = await fetch(`${server.url}/api/v1/models/iris/predict`, {
      method: 'POST',
      body: 'inputs=1',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Bearer ${user}` },
    })
    await assertEnvelope(response, 415, 'unsupported_media_type')
  })

  it('takes a bodiless POST (Content-Length: 0, no content type) as having no body', async () => {
    const response = await fetch(`${server.url}/api/v1/admin/models/iris/activate`, { method: 'POST', headers: { Authorization: `Bearer ${admin}` } })
    assert.equal(response.status, 200)
  })

  it('answers 400 for JSON nested deeper than the limit', async () => {
    const deep = `{"inputs": ${'['.repeat(40)}${']'.repeat(40)}}`
    const body = await assertEnvelope(await postJson(`${server.url}/api/v1/models/iris/predict`, deep, user), 400, 'invalid_input')
    assert.match(body.error.message, /nesting/)
  })

  it('answers 400 for a __proto__ key', async () => {
    const body = await assertEnvelope(
      await postJson(`${server.url}/api/v1/models/iris/predict`, '{"inputs": [[1,2,3,4]], "__proto__": {"admin": true}}', user),
      400,
      'invalid_input',
    )
    assert.match(body.error.message, /__proto__/)
  })
})

describe('X-Request-ID', () => {
  let server: TestServer
  after(() => server.close())
  before(async () => {
    server = await startServer()
  })

  it('echoes a well-formed client id in the header and the body', async () => {
    const response = await fetch(`${server.url}/api/v1/models`, { headers: { 'X-Request-ID': 'abc-123_x.y=' } })
    assert.equal(response.headers.get('x-request-id'), 'abc-123_x.y=')
    assert.equal(((await response.json()) as { request_id: string }).request_id, 'abc-123_x.y=')
  })

  it('replaces an id with unsafe characters or over 128 characters', async () => {
    for (const offered of ['bad id<script>', 'x'.repeat(129)]) {
      const response = await fetch(`${server.url}/healthz`, { headers: { 'X-Request-ID': offered } })
      const id = response.headers.get('x-request-id') ?? ''
      assert.notEqual(id, offered)
      assert.match(id, /^[0-9a-f-]{36}$/)
    }
  })

  it('is on every response, with the security headers', async () => {
    for (const path of ['/healthz', '/readyz', '/api/v1/models', '/nowhere']) {
      const response = await fetch(`${server.url}${path}`)
      assert.ok(response.headers.get('x-request-id'), path)
      assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'none'/, path)
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', path)
      assert.equal(response.headers.get('x-powered-by'), null, path)
    }
  })
})
