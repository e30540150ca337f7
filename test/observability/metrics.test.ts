import assert from 'node:assert/strict'
import { copyFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { STAGES } from '../../src/observability/stage-names.js'
import { RATE_LIMITS } from '../../src/observability/metrics.js'
import { tempRepository } from '../helpers/demo-models.js'
import { getJson, postJson, startServer, type TestServer } from '../helpers/server.js'
import { count, labelValues, scrape, series, sum, value, type Scrape } from './scrape.js'

const SETOSA = [5.1, 3.5, 1.4, 0.2]
const VERSICOLOR = [6.2, 2.9, 4.3, 1.3]
const VIRGINICA = [7.7, 3.0, 6.1, 2.3]
const PREDICT_ROUTE = '/api/v1/models/:name/predict'
const IRIS_LABELS = ['setosa', 'versicolor', 'virginica']

/** Values a client sent that must never become label values (design.md, invariant 6). */
const CLIENT_VALUES = ['nope-model', '99', 'does-not-exist', 'alice', 'bob', 'flood', 'prometheus']

/** What a mix of requests did to the metrics: one scrape before, one after. */
interface Window {
  before: Scrape
  after: Scrape
}

describe('GET /metrics after a mix of requests', () => {
  let server: TestServer
  let cleanup: () => void
  let window: Window
  const delta = (name: string, labels: Record<string, string> = {}): number => value(window.after, name, labels) - value(window.before, name, labels)
  const countDelta = (name: string, labels: Record<string, string> = {}): number => count(window.after, name, labels) - count(window.before, name, labels)

  before(async () => {
    const repository = await tempRepository()
    cleanup = repository.cleanup
    copyFileSync(join(import.meta.dirname, '../fixtures/corrupt.onnx'), join(repository.dir, 'broken.onnx'))
    server = await startServer({ modelsDir: repository.dir, config: { rateLimit: { default: '4/minute', anonymous: '1000/minute' }, inference: { batching: { enabled: true } } } })
    window = await runMix(server)
  })
  after(async () => {
    await server.close()
    cleanup()
  })

  it('counts requests by method, route template and status', () => {
    const requests = (method: string, route: string, status: string): number => delta('portcullis_http_requests_total', { method, route, status })
    assert.equal(requests('POST', PREDICT_ROUTE, '200'), 3)
    assert.equal(requests('POST', PREDICT_ROUTE, '400'), 1)
    assert.equal(requests('POST', PREDICT_ROUTE, '401'), 2, 'a request refused before routing keeps its route template')
    assert.equal(requests('POST', PREDICT_ROUTE, '404'), 1)
    assert.equal(requests('POST', '/api/v1/models/:name/versions/:version/predict', '404'), 1)
    assert.equal(requests('GET', '/api/v1/models', '200'), 4)
    assert.equal(requests('GET', '/api/v1/models', '429'), 1)
    assert.equal(requests('GET', 'unmatched', '404'), 1)
    assert.equal(requests('GET', '/metrics', '200'), 1, 'the first scrape is counted once it has answered')
    assert.equal(delta('portcullis_http_requests_total'), 15)
    assert.equal(countDelta('portcullis_http_request_duration_seconds', { method: 'POST', route: PREDICT_ROUTE }), 7)
    assert.equal(countDelta('portcullis_http_request_duration_seconds'), 15)
  })

  it('labels routes with full templates only, never a raw path', () => {
    const routes = labelValues(window.after, 'portcullis_http_requests_total', 'route')
    for (const route of routes) {
      assert.ok(route === 'unmatched' || /^\/[a-z0-9/:._-]*$/i.test(route), route)
      assert.ok(!/iris|does-not-exist|nope/.test(route), `raw path in a route label: ${route}`)
    }
    assert.ok(routes.has('/api/v1/models/:name/versions/:version/predict'), 'the router prefix is part of the template')
  })

  it('times every pipeline stage, with each stage present from the start', () => {
    for (const stage of STAGES) assert.equal(series(window.before, 'portcullis_stage_duration_seconds_count', { stage }).length, 1, stage)
    const stage = (name: string): number => countDelta('portcullis_stage_duration_seconds', { stage: name })
    assert.equal(stage('request_id'), 15, 'the 14 requests and the second scrape')
    assert.equal(stage('authenticate'), 15)
    // Each limit is its own stage, so no request is counted twice under one name.
    for (const name of ['budget', 'rate_limit_address', 'auth_failures']) assert.equal(stage(name), 15, `${name} runs once per request`)
    assert.equal(stage('rate_limit_subject'), 13, 'every authenticated request')
    assert.equal(stage('body_guard'), 12, 'not the two 401s nor the 429: a refused body is never read')
    assert.equal(stage('authorize'), 6, 'every predict request')
    assert.equal(stage('validate'), 4, 'predict requests on a known model and version')
    assert.equal(stage('cache_lookup'), 2, 'not on a bypass')
    assert.equal(stage('inference'), 2, 'the miss and the bypass')
    assert.equal(stage('cache_store'), 2)
    assert.equal(stage('serialize'), 3)
    assert.equal(stage('queue_wait'), 2, "the miss and the bypass wait in the batcher's queue")
  })

  it('counts authentication failures by fixed reason', () => {
    assert.equal(delta('portcullis_auth_failures_total', { reason: 'missing' }), 1)
    assert.equal(delta('portcullis_auth_failures_total', { reason: 'malformed' }), 1)
    assert.equal(delta('portcullis_auth_failures_total'), 2)
  })

  it('counts rate-limited requests by limit, never by identity', () => {
    assert.equal(delta('portcullis_rate_limited_total'), 1)
    // Every limit has a series from the start, so rate() sees its first refusal.
    assert.deepEqual([...labelValues(window.before, 'portcullis_rate_limited_total', 'limit')].sort(), [...RATE_LIMITS].sort())
    for (const limit of labelValues(window.after, 'portcullis_rate_limited_total', 'limit')) {
      assert.ok(!CLIENT_VALUES.includes(limit) && limit !== '127.0.0.1', limit)
    }
  })

  it('counts cache hits, misses and bypasses', () => {
    assert.equal(delta('portcullis_cache_requests_total', { result: 'hit' }), 1)
    assert.equal(delta('portcullis_cache_requests_total', { result: 'miss' }), 1)
    assert.equal(delta('portcullis_cache_requests_total', { result: 'bypass' }), 1)
  })

  it('times inference and records batch sizes per session run', () => {
    assert.equal(countDelta('portcullis_inference_duration_seconds', { model: 'iris', version: '1' }), 2)
    assert.equal(countDelta('portcullis_batch_size', { model: 'iris' }), 2)
    assert.equal(sum(window.after, 'portcullis_batch_size', { model: 'iris' }) - sum(window.before, 'portcullis_batch_size', { model: 'iris' }), 3, 'one row, then two')
  })

  it("counts predicted rows by label from the model's own label set, with their confidence", () => {
    assert.equal(delta('portcullis_predictions_total', { model: 'iris', version: '1' }), 4, 'miss, hit and a two-row bypass')
    assert.equal(delta('portcullis_predictions_total', { model: 'iris', version: '1', label: 'setosa' }), 3)
    assert.equal(delta('portcullis_predictions_total', { model: 'iris', version: '1', label: 'virginica' }), 1)
    for (const label of labelValues(window.after, 'portcullis_predictions_total', 'label')) assert.ok(IRIS_LABELS.includes(label), label)
    assert.equal(countDelta('portcullis_prediction_confidence', { model: 'iris' }), 4)
    const confidence = sum(window.after, 'portcullis_prediction_confidence', { model: 'iris' })
    assert.ok(confidence > 0 && confidence <= count(window.after, 'portcullis_prediction_confidence', { model: 'iris' }))
  })

  it('reports loaded model versions and load failures', () => {
    assert.equal(value(window.after, 'portcullis_model_loaded', { model: 'iris', version: '1' }), 1)
    assert.equal(value(window.after, 'portcullis_model_loaded', { model: 'iris-logreg', version: '1' }), 1)
    assert.equal(value(window.after, 'portcullis_model_loaded', { model: 'broken' }), 0)
    assert.equal(value(window.after, 'portcullis_model_load_failures_total', { model: 'broken' }), 1)
  })

  it('never turns an unknown model, version, path or subject into a label value', () => {
    for (const [name, samples] of window.after.samples) {
      for (const sample of samples) {
        for (const labelValue of Object.values(sample.labels)) {
          assert.ok(!CLIENT_VALUES.includes(labelValue) && !labelValue.includes('does-not-exist'), `${name} carries ${labelValue}`)
        }
      }
    }
    assert.deepEqual([...labelValues(window.after, 'portcullis_inference_duration_seconds_count', 'model')], ['iris'])
  })

  it('exposes one registry with the portcullis_ prefix, process metrics included', () => {
    for (const name of window.after.families.keys()) assert.ok(name.startsWith('portcullis_'), name)
    assert.equal(window.after.families.get('portcullis_stage_duration_seconds')?.type, 'HISTOGRAM')
    assert.ok(window.after.families.has('portcullis_process_cpu_user_seconds_total'))
    assert.ok(window.after.families.has('portcullis_nodejs_eventloop_lag_seconds'))
  })
})

describe('GET /metrics', () => {
  let server: TestServer
  before(async () => {
    server = await startServer()
  })
  after(() => server.close())

  it('answers 401 without a token and 403 for the user role', async () => {
    assert.equal((await getJson(`${server.url}/metrics`)).status, 401)
    assert.equal((await getJson(`${server.url}/metrics`, server.token(['user']))).status, 403)
  })

  it('opens no second listener when metrics.port is unset', () => {
    assert.equal(server.runtime.metricsPort, undefined)
  })

  it('serves the admin and metrics roles', async () => {
    assert.ok((await scrape(`${server.url}/metrics`, server.token(['admin']))).families.size > 0)
    assert.ok((await scrape(`${server.url}/metrics`, server.token(['metrics']))).families.size > 0)
  })
})

/** Scrapes, sends the mix of requests the assertions count, and scrapes again. */
async function runMix(server: TestServer): Promise<Window> {
  const scraper = server.token(['metrics'], 'prometheus')
  const before = await scrape(`${server.url}/metrics`, scraper)
  const predict = (path: string, body: unknown, token?: string, headers?: Record<string, string>): Promise<Response> =>
    postJson(`${server.url}/api/v1${path}`, body, token, headers)
  const expect = async (response: Promise<Response>, status: number): Promise<void> => {
    const answer = await response
    assert.equal(answer.status, status, await answer.text())
  }
  const alice = server.token(['user'], 'alice')
  await expect(predict('/models/iris/predict', { inputs: [SETOSA] }, alice), 200)
  await expect(predict('/models/iris/predict', { inputs: [SETOSA] }, alice), 200)
  await expect(predict('/models/iris/predict', { inputs: [SETOSA, VIRGINICA] }, alice, { 'Cache-Control': 'no-cache' }), 200)
  const bob = server.token(['user'], 'bob')
  await expect(predict('/models/iris/predict', { inputs: [VERSICOLOR.slice(0, 3)] }, bob), 400)
  await expect(predict('/models/nope-model/predict', { inputs: [SETOSA] }, bob), 404)
  await expect(predict('/models/iris/versions/99/predict', { inputs: [SETOSA] }, bob), 404)
  await expect(getJson(`${server.url}/api/v1/does-not-exist`, bob), 404)
  await expect(predict('/models/iris/predict', { inputs: [SETOSA] }), 401)
  await expect(predict('/models/iris/predict', { inputs: [SETOSA] }, 'abc'), 401)
  const flood = server.token(['user'], 'flood')
  for (let i = 0; i < 4; i += 1) await expect(getJson(`${server.url}/api/v1/models`, flood), 200)
  await expect(getJson(`${server.url}/api/v1/models`, flood), 429)
  return { before, after: await scrape(`${server.url}/metrics`, scraper) }
}
