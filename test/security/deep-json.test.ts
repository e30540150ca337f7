import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { assertEnvelope } from '../helpers/envelope.js'
import { postJson, startServer, type TestServer } from '../helpers/server.js'
import { assertSecurityHeaders } from './support/attack.js'

// Deep nesting and huge arrays cost the parser and every walker after it (limits.maxJsonDepth, maxArrayLength).
describe('attack: deeply nested and over-long JSON', () => {
  let server: TestServer
  before(async () => {
    server = await startServer({ config: { limits: { maxArrayLength: 1000 } } })
  })
  after(() => server.close())

  it('answers 400 to a body nested 33 levels deep', async () => {
    const body = `${'['.repeat(33)}${']'.repeat(33)}`
    const response = await postJson(`${server.url}/api/v1/models/iris/predict`, body, server.token(['user']))
    const envelope = await assertEnvelope(response, 400, 'invalid_input')
    assert.match(envelope.error.message, /nesting deeper than 32/)
    assertSecurityHeaders(response)
  })

  it('answers 400 to a nesting bomb of 100,000 levels, without a stack overflow', async () => {
    const body = `{"inputs": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`
    await assertEnvelope(await postJson(`${server.url}/api/v1/models/iris/predict`, body, server.token(['user'])), 400, 'invalid_input')
  })

  it('counts brackets inside strings as text, not nesting (control)', async () => {
    const response = await postJson(`${server.url}/api/v1/models/iris/predict`, `{"inputs": [[5.1, 3.5, 1.4, 0.2]], "note": "${'['.repeat(40)}"}`, server.token(['user']))
    // Refused for the unknown key, not for depth.
    const envelope = await assertEnvelope(response, 400, 'invalid_input')
    assert.doesNotMatch(envelope.error.message, /nesting/)
  })

  it('answers 400 to an array over limits.maxArrayLength', async () => {
    const body = JSON.stringify({ inputs: Array.from({ length: 1001 }, () => 0) })
    const envelope = await assertEnvelope(await postJson(`${server.url}/api/v1/models/iris/predict`, body, server.token(['user'])), 400, 'invalid_input')
    assert.match(envelope.error.message, /longer than 1000/)
  })
})
