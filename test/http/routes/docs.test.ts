import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { DOCS_ASSET_NAMES } from '../../../src/http/routes/docs.js'
import { assertEnvelope } from '../../helpers/envelope.js'
import { startServer, type TestServer } from '../../helpers/server.js'

const SWAGGER_UI_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'))

describe('GET /docs', () => {
  let server: TestServer
  before(async () => {
    server = await startServer()
  })
  after(() => server.close())

  it('serves the Swagger UI page without a token, under the strict CSP', async () => {
    const response = await fetch(`${server.url}/docs`)
    assert.equal(response.status, 200)
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/)
    const csp = response.headers.get('content-security-policy') ?? ''
    assert.match(csp, /script-src 'self'(;|$)/)
    assert.match(csp, /style-src 'self'(;|$)/)
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/)
    const page = await response.text()
    const scripts = [...page.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)]
    assert.deepEqual(
      scripts.map((match) => /src="([^"]+)"/.exec(match[1] ?? '')?.[1]),
      ['/docs/swagger-ui-bundle.js', '/docs/swagger-initializer.js'],
    )
    for (const script of scripts) assert.equal(script[2]?.trim(), '', 'no inline script')
    assert.doesNotMatch(page, /<style|style=|https?:\/\//, 'no inline style and nothing from another origin')
  })

  it('serves each asset from the installed swagger-ui-dist with its content type', async () => {
    for (const name of DOCS_ASSET_NAMES.filter((asset) => asset !== 'swagger-initializer.js')) {
      const response = await fetch(`${server.url}/docs/${name}`)
      assert.equal(response.status, 200, name)
      assert.match(response.headers.get('content-type') ?? '', name.endsWith('.js') ? /^text\/javascript/ : name.endsWith('.css') ? /^text\/css/ : /^image\/png/)
      assert.ok(Buffer.from(await response.arrayBuffer()).equals(readFileSync(join(SWAGGER_UI_DIR, name))), `${name} differs from swagger-ui-dist`)
    }
  })

  it('serves its own initializer, pointing at /openapi.json with persisted authorization', async () => {
    const response = await fetch(`${server.url}/docs/swagger-initializer.js`)
    assert.equal(response.status, 200)
    assert.match(response.headers.get('content-type') ?? '', /^text\/javascript/)
    const script = await response.text()
    assert.match(script, /url: '\/openapi\.json'/)
    assert.match(script, /persistAuthorization: true/)
    assert.match(script, /validatorUrl: null/)
  })

  it('answers 404 in the envelope for a file outside the list', async () => {
    for (const path of ['/docs/swagger-ui.js.map', '/docs/package.json', '/docs/..%2Fpackage.json', '/docs/%2e%2e%2fpackage.json']) {
      await assertEnvelope(await fetch(`${server.url}${path}`), 404, 'not_found')
    }
  })
})
