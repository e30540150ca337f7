import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { getJson, startServer, type TestServer } from '../helpers/server.js'
import { scrape, value } from './scrape.js'

describe('metrics.port: the open metrics listener', () => {
  let server: TestServer
  let metricsUrl: string
  before(async () => {
    server = await startServer({ config: { metrics: { port: 0 } } })
    assert.ok(server.runtime.metricsPort !== undefined && server.runtime.metricsPort !== server.runtime.port)
    metricsUrl = `http://127.0.0.1:${server.runtime.metricsPort}`
  })
  after(() => server.close())

  it('serves GET /metrics without a token', async () => {
    const scraped = await scrape(`${metricsUrl}/metrics`)
    assert.equal(value(scraped, 'portcullis_model_loaded', { model: 'iris', version: '1' }), 1)
  })

  it("shows the main listener's requests", async () => {
    await getJson(`${server.url}/healthz`)
    const scraped = await scrape(`${metricsUrl}/metrics`)
    assert.ok(value(scraped, 'portcullis_http_requests_total', { method: 'GET', route: '/healthz', status: '200' }) >= 1)
  })

  it('answers 404 for any other path and 405 for other methods', async () => {
    assert.equal((await fetch(`${metricsUrl}/`)).status, 404)
    assert.equal((await fetch(`${metricsUrl}/api/v1/models`)).status, 404)
    const post = await fetch(`${metricsUrl}/metrics`, { method: 'POST' })
    assert.equal(post.status, 405)
    assert.equal(post.headers.get('allow'), 'GET, HEAD')
  })

  it('keeps /metrics on the main listener behind a token', async () => {
    assert.equal((await getJson(`${server.url}/metrics`)).status, 401)
  })
})
