import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import ort from 'onnxruntime-node'
import { PredictionCache, estimateEntryBytes, type CacheKeyVersion } from '../../src/predict/cache.js'
import type { Tensors } from '../../src/predict/tensors.js'
import { assertEnvelope } from '../helpers/envelope.js'
import { getJson, postJson, startServer, type TestServer } from '../helpers/server.js'

const SETOSA = [5.1, 3.5, 1.4, 0.2]
const VIRGINICA = [7.7, 3.0, 6.1, 2.3]

/** A stand-in for a loaded version: the cache reads only its identity fields. */
function version(model: string, number: string, digest: string): CacheKeyVersion {
  return { model, version: number, digest }
}

/** The feeds of rows as the row door builds them: float32, or float64 for a float64 input. */
function feeds(rows: number[][], dtype: 'float32' | 'float64' = 'float32'): Tensors {
  const data = dtype === 'float64' ? Float64Array.from(rows.flat()) : Float32Array.from(rows.flat())
  return { input: new ort.Tensor(dtype, data, [rows.length, rows[0]?.length ?? 0]) }
}

function answer(rows: number): Tensors {
  return {
    label: new ort.Tensor(
      'string',
      Array.from({ length: rows }, () => 'setosa'),
      [rows],
    ),
    probabilities: new ort.Tensor('float32', new Float32Array(rows * 3), [rows, 3]),
  }
}

describe('PredictionCache', () => {
  it('keys the same rows apart for each loaded version, even with the same file', () => {
    const cache = new PredictionCache({ maxEntries: 10, maxBytes: 1 << 20 })
    const first = version('iris', '1', 'a'.repeat(64))
    const reloaded = version('iris', '1', 'a'.repeat(64))
    const other = version('iris', '2', 'a'.repeat(64))
    const keys = new Set([cache.key(first, feeds([SETOSA])), cache.key(reloaded, feeds([SETOSA])), cache.key(other, feeds([SETOSA]))])
    assert.equal(keys.size, 3)
    assert.equal(cache.key(first, feeds([SETOSA])), cache.key(first, feeds([[...SETOSA]])))
    assert.notEqual(cache.key(first, feeds([SETOSA])), cache.key(first, feeds([VIRGINICA])))
  })

  it('keys the values the session receives: float32 for a float32 input, float64 for a float64 one', () => {
    const cache = new PredictionCache({ maxEntries: 10, maxBytes: 1 << 20 })
    // 5.1 and the next float64 after it round to the same float32.
    const nudged = [5.1 + 8.881784197001252e-16, 3.5, 1.4, 0.2]
    assert.equal(Math.fround(nudged[0] ?? 0), Math.fround(5.1))
    const float32 = version('iris', '1', 'a'.repeat(64))
    const float64 = version('iris-f64', '1', 'b'.repeat(64))
    assert.equal(cache.key(float32, feeds([SETOSA])), cache.key(float32, feeds([nudged])))
    assert.notEqual(cache.key(float64, feeds([SETOSA], 'float64')), cache.key(float64, feeds([nudged], 'float64')))
    assert.notEqual(cache.key(float32, feeds([SETOSA])), cache.key(float32, feeds([[5.1, 3.5, 1.4, 0.3]])))
  })

  it('counts an answer by what it holds, so bigger answers weigh more', () => {
    const small = estimateEntryBytes('k', answer(1))
    const large = estimateEntryBytes('k', answer(100))
    // Each more row holds three float32 probabilities (12 bytes) and a label.
    assert.ok(large - small >= 99 * 12, `${large} vs ${small}`)
    assert.ok(estimateEntryBytes('k'.repeat(1000), answer(1)) >= small + 990)
  })

  it('stays within maxBytes by evicting the least recently used answers', () => {
    const perEntry = estimateEntryBytes('x'.repeat(60), answer(10))
    const cache = new PredictionCache({ maxEntries: 1000, maxBytes: perEntry * 20 })
    for (let i = 0; i < 100; i += 1) cache.set(`${i}`.padStart(60, 'x'), answer(10))
    assert.ok(cache.bytes <= perEntry * 20)
    assert.ok(cache.size <= 20 && cache.size > 10)
    assert.equal(cache.get('99'.padStart(60, 'x'))?.probabilities?.dims[0], 10)
    assert.equal(cache.get('0'.padStart(60, 'x')), undefined)
  })

  it('does not keep an answer larger than a sixteenth of maxBytes', () => {
    const cache = new PredictionCache({ maxEntries: 1000, maxBytes: 64 * 1024 })
    cache.set('huge', answer(1000))
    assert.equal(cache.get('huge'), undefined)
    assert.equal(cache.size, 0)
  })
})

interface PredictBody {
  predictions: string[]
  probabilities: number[][]
}

async function cacheCount(server: TestServer, result: 'hit' | 'miss' | 'bypass'): Promise<number> {
  const text = await (await getJson(`${server.url}/metrics`, server.token(['admin']))).text()
  const match = new RegExp(`^portcullis_cache_requests_total\\{result="${result}"\\} (\\d+)`, 'm').exec(text)
  return Number(match?.[1] ?? NaN)
}

describe('the prediction cache behind POST /api/v1/models/{name}/predict', () => {
  let server: TestServer
  after(() => server.close())
  before(async () => {
    server = await startServer({
      config: {
        rbac: {
          roles: {
            user: ['predict', 'models:read'],
            admin: ['predict', 'models:read', 'models:admin', 'tokens:admin', 'metrics:read'],
            analyst: ['predict'],
            viewer: ['models:read'],
          },
        },
      },
    })
  })

  it('answers a repeated request from the cache with the same answer it computed', async () => {
    const url = `${server.url}/api/v1/models/iris/predict`
    const token = server.token(['user'])
    const inputs = { inputs: [VIRGINICA, SETOSA] }
    const hitsBefore = await cacheCount(server, 'hit')
    const computed = (await (await postJson(url, inputs, token, { 'Cache-Control': 'no-cache' })).json()) as PredictBody
    const cached = (await (await postJson(url, inputs, token)).json()) as PredictBody
    assert.equal(await cacheCount(server, 'hit'), hitsBefore + 1)
    assert.deepEqual(cached.predictions, computed.predictions)
    assert.deepEqual(cached.probabilities, computed.probabilities)
    assert.deepEqual(cached.predictions, ['virginica', 'setosa'])
  })

  it('bypasses the lookup for Cache-Control: no-cache', async () => {
    const url = `${server.url}/api/v1/models/iris/predict`
    const token = server.token(['user'])
    await postJson(url, { inputs: [[6.0, 3.0, 4.8, 1.8]] }, token)
    const hits = await cacheCount(server, 'hit')
    const bypasses = await cacheCount(server, 'bypass')
    const response = await postJson(url, { inputs: [[6.0, 3.0, 4.8, 1.8]] }, token, { 'Cache-Control': 'no-cache' })
    assert.equal(response.status, 200)
    assert.equal(await cacheCount(server, 'hit'), hits)
    assert.equal(await cacheCount(server, 'bypass'), bypasses + 1)
  })

  it('refuses a cached answer to a caller without the predict permission', async () => {
    const url = `${server.url}/api/v1/models/iris/predict`
    assert.equal((await postJson(url, { inputs: [SETOSA] }, server.token(['user']))).status, 200)
    const hits = await cacheCount(server, 'hit')
    await assertEnvelope(await postJson(url, { inputs: [SETOSA] }, server.token(['viewer'])), 403, 'insufficient_scope')
    assert.equal(await cacheCount(server, 'hit'), hits)
  })

  it('refuses a cached answer to a caller whose role the model does not allow', async () => {
    // The demo models allow the roles user and admin; analyst has the predict permission only.
    const url = `${server.url}/api/v1/models/iris/predict`
    assert.equal((await postJson(url, { inputs: [SETOSA] }, server.token(['user']))).status, 200)
    await assertEnvelope(await postJson(url, { inputs: [SETOSA] }, server.token(['analyst'])), 403, 'insufficient_scope')
  })

  it('refuses a cached answer to a caller without a valid token', async () => {
    const url = `${server.url}/api/v1/models/iris/predict`
    assert.equal((await postJson(url, { inputs: [SETOSA] }, server.token(['user']))).status, 200)
    await assertEnvelope(await postJson(url, { inputs: [SETOSA] }), 401, 'invalid_token')
    await assertEnvelope(await postJson(url, { inputs: [SETOSA] }, `${server.token(['user'])}x`), 401, 'invalid_token')
  })

  it('validates before the lookup: an invalid body is refused even after a cached answer', async () => {
    const url = `${server.url}/api/v1/models/iris/predict`
    const token = server.token(['user'])
    assert.equal((await postJson(url, { inputs: [SETOSA] }, token)).status, 200)
    await assertEnvelope(await postJson(url, { inputs: [SETOSA], extra: 1 }, token), 400, 'invalid_input')
  })
})
