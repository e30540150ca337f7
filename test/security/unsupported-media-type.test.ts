import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { assertEnvelope } from '../helpers/envelope.js'
import { postJson, startServer, type TestServer } from '../helpers/server.js'
import { assertSecurityHeaders } from './support/attack.js'

const ROW = JSON.stringify({ inputs: [[5.1, 3.5, 1.4, 0.2]] })

// Bodies in other formats reach parsers nobody meant to expose (form, multipart, XML): only JSON is read.
describe('attack: unsupported media types', () => {
  let server: TestServer
  before(async () => {
    server = await startServer()
  })
  after(() => server.close())

  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'text/json-but-not-really']) {
    it(`answers 415 to ${type}`, async () => {
      const response = await postJson(`${server.url}/api/v1/models/iris/predict`, ROW, server.token(['user']), { 'Content-Type': type })
      await assertEnvelope(response, 415, 'unsupported_media_type')
      assertSecurityHeaders(response)
    })
  }

  it('answers 415 to a JSON body in an encoding it cannot read', async () => {
    const response = await postJson(`${server.url}/api/v1/models/iris/predict`, ROW, server.token(['user']), { 'Content-Type': 'application/json; charset=ebcdic' })
    await assertEnvelope(response, 415, 'unsupported_media_type')
  })

  it('answers 200 to application/json (control)', async () => {
    assert.equal((await postJson(`${server.url}/api/v1/models/iris/predict`, ROW, server.token(['user']))).status, 200)
  })

  for (const type of [
    'application/json; charset=utf-8',
    'Application/JSON',
    'application/json;charset="UTF-8"',
    'application/json; charset=utf8',
    'application/problem+json',
    'application/json ; charset=utf-8',
  ]) {
    it(`reads a JSON body sent as ${type}`, async () => {
      const response = await postJson(`${server.url}/api/v1/models/iris/predict`, ROW, server.token(['user']), { 'Content-Type': type })
      assert.equal(response.status, 200, await response.text())
    })
  }

  it('reads a UTF-8 body that starts with a byte order mark', async () => {
    const response = await postJson(`${server.url}/api/v1/models/iris/predict`, `\uFEFF${ROW}`, server.token(['user']))
    assert.equal(response.status, 200, await response.text())
  })
})
