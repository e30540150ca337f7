import assert from 'node:assert/strict'
import { appendFileSync, cpSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { tempRepository } from '../helpers/demo-models.js'
import { getJson, postJson, startServer, type TestServer } from '../helpers/server.js'
import { count, parseScrape, sum, value, type Scrape } from '../observability/scrape.js'

interface OutputTensor {
  name: string
  datatype: string
  shape: number[]
  data: number[]
}

interface InferBody {
  model_name: string
  model_version: string
  outputs: OutputTensor[]
}

// Distinct rows inside the iris feature ranges, so no two requests share a cache entry.
const ROWS = Array.from({ length: 12 }, (_, index) => [4.4 + index * 0.25, 2.2 + (index % 5) * 0.4, 1.1 + index * 0.45, 0.2 + (index % 7) * 0.3])

function tensorOf(rows: number[][]): { inputs: { name: string; shape: number[]; datatype: string; data: number[] }[] } {
  return { inputs: [{ name: 'input', shape: [rows.length, 4], datatype: 'FP32', data: rows.flat() }] }
}

async function metricsOf(server: TestServer): Promise<Scrape> {
  return parseScrape(await (await getJson(`${server.url}/metrics`, server.token(['admin']))).text())
}

async function infer(server: TestServer, path: string, rows: number[][], headers: Record<string, string> = {}): Promise<InferBody> {
  const response = await postJson(`${server.url}${path}`, tensorOf(rows), server.token(['user']), headers)
  const text = await response.text()
  assert.equal(response.status, 200, text)
  return JSON.parse(text) as InferBody
}

describe('the inference core behind /v2 infer', () => {
  let batched: TestServer
  let alone: TestServer
  let cleanup: () => void
  before(async () => {
    const repository = await tempRepository()
    cleanup = repository.cleanup
    // Version 2 is the same file as version 1: only the version tells their answers apart.
    cpSync(join(repository.dir, 'iris', '1'), join(repository.dir, 'iris', '2'), { recursive: true })
    appendFileSync(join(repository.dir, 'iris', 'model.yaml'), '\nversionPolicy: all\ndefaultVersion: "1"\n')
    const rbac = { roles: { user: ['predict', 'models:read'], admin: ['predict', 'models:read', 'models:admin', 'tokens:admin', 'metrics:read'] } }
    // A long queue delay, so concurrent requests surely meet in one batch on a busy machine.
    const batching = { enabled: true, maxBatchSize: 64, maxQueueDelayMicroseconds: 200_000, maxQueueSize: 64 }
    const rateLimit = { enabled: false }
    batched = await startServer({ modelsDir: repository.dir, config: { rbac, rateLimit, inference: { batching } } })
    alone = await startServer({ modelsDir: repository.dir, config: { rbac, rateLimit, inference: { batching: { enabled: false } }, cache: { enabled: false } } })
  })
  after(async () => {
    await batched?.close()
    await alone?.close()
    cleanup?.()
  })

  it('batches concurrent infers into fewer session runs, each answer equal to its unbatched answer element by element', async () => {
    const before = await metricsOf(batched)
    const answers = await Promise.all(ROWS.map((row) => infer(batched, '/v2/models/iris/versions/1/infer', [row])))
    const after = await metricsOf(batched)
    const runs = count(after, 'portcullis_batch_size', { model: 'iris' }) - count(before, 'portcullis_batch_size', { model: 'iris' })
    const rows = sum(after, 'portcullis_batch_size', { model: 'iris' }) - sum(before, 'portcullis_batch_size', { model: 'iris' })
    assert.equal(rows, ROWS.length, "every request's row went through a session run")
    assert.ok(runs < ROWS.length, `${ROWS.length} requests ran in ${runs} session runs`)
    for (const [index, row] of ROWS.entries()) {
      const expected = await infer(alone, '/v2/models/iris/versions/1/infer', [row])
      const answer = answers[index]
      assert.equal(answer?.outputs.length, expected.outputs.length)
      expected.outputs.forEach((output, position) => {
        const got = answer?.outputs[position]
        assert.equal(got?.name, output.name)
        assert.deepEqual(got?.shape, output.shape)
        output.data.forEach((element, at) => assert.equal(got?.data[at], element, `${output.name}[${at}] of row ${index}`))
      })
    }
  })

  it('answers a v2 infer of a row v1 has predicted from the cache', async () => {
    const row = [5.9, 3.1, 4.2, 1.4]
    const v1 = await postJson(`${batched.url}/api/v1/models/iris/versions/1/predict`, { inputs: [row] }, batched.token(['user']))
    assert.equal(v1.status, 200)
    const before = await metricsOf(batched)
    const answer = await infer(batched, '/v2/models/iris/versions/1/infer', [row])
    const after = await metricsOf(batched)
    const delta = (result: string): number => value(after, 'portcullis_cache_requests_total', { result }) - value(before, 'portcullis_cache_requests_total', { result })
    assert.equal(delta('hit'), 1)
    assert.equal(delta('miss'), 0)
    assert.equal(count(after, 'portcullis_batch_size', { model: 'iris' }), count(before, 'portcullis_batch_size', { model: 'iris' }), 'no session run')
    const v1Body = (await v1.json()) as { predictions: string[] }
    assert.deepEqual(v1Body.predictions, ['versicolor'])
    assert.deepEqual(answer.outputs.find((output) => output.name === 'label')?.data, [1])
  })

  it("never answers version 2 from version 1's cached answer, though the files are the same", async () => {
    const row = [6.3, 2.9, 5.0, 1.7]
    for (const door of ['v1', 'v2'] as const) {
      for (const version of ['1', '2', '1', '2']) {
        const reported =
          door === 'v2'
            ? (await infer(batched, `/v2/models/iris/versions/${version}/infer`, [row])).model_version
            : ((await (await postJson(`${batched.url}/api/v1/models/iris/versions/${version}/predict`, { inputs: [row] }, batched.token(['user']))).json()) as { version: string })
                .version
        assert.equal(reported, version, `${door} asked version ${version}`)
      }
    }
  })

  it('records each stage under the door the request came through', async () => {
    const scraped = await metricsOf(batched)
    assert.ok(count(scraped, 'portcullis_stage_duration_seconds', { stage: 'authorize', door: 'http' }) > 0)
    assert.ok(count(scraped, 'portcullis_stage_duration_seconds', { stage: 'queue_wait', door: 'http' }) > 0)
  })
})
