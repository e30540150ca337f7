import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ApiError } from '../../src/errors/api-error.js'
import { MicroBatcher, type BatcherOptions } from '../../src/predict/batcher.js'
import { assertEnvelope } from '../helpers/envelope.js'
import { getJson, postJson, startServer, type TestServer } from '../helpers/server.js'

const OPTIONS: BatcherOptions = { maxBatchSize: 8, maxQueueDelayMicroseconds: 0, maxQueueSize: 100 }

/** A batcher whose run doubles every value and records the size of each run. */
function doubling(options: BatcherOptions = OPTIONS): { batcher: MicroBatcher<number, number[]>; runs: number[] } {
  const runs: number[] = []
  const batcher = new MicroBatcher<number, number[]>(
    async (rows) => {
      runs.push(rows.length)
      return rows.map((row) => row * 2)
    },
    (result, start, count) => result.slice(start, start + count),
    options,
  )
  return { batcher, runs }
}

describe('MicroBatcher', () => {
  it('merges requests queued in the same turn into one run and gives each its own rows', async () => {
    const { batcher, runs } = doubling()
    const answers = await Promise.all([batcher.submit([1, 2]), batcher.submit([3]), batcher.submit([4, 5, 6])])
    assert.deepEqual(answers, [[2, 4], [6], [8, 10, 12]])
    assert.deepEqual(runs, [6])
  })

  it('never puts more than maxBatchSize rows in a run, and runs a larger request alone', async () => {
    const { batcher, runs } = doubling()
    const requests = [[1, 2, 3, 4, 5], [6, 7, 8, 9], Array.from({ length: 20 }, (_, i) => i), [10]]
    const answers = await Promise.all(requests.map((rows) => batcher.submit(rows)))
    assert.deepEqual(
      answers,
      requests.map((rows) => rows.map((row) => row * 2)),
    )
    assert.deepEqual(runs, [5, 4, 20, 1])
  })

  it('merges requests that arrive while a run is busy into the next run', async () => {
    const { batcher, runs } = doubling()
    const first = batcher.submit([1])
    await new Promise((resolve) => setImmediate(resolve))
    const later = await Promise.all([batcher.submit([2]), batcher.submit([3]), first])
    assert.deepEqual(later, [[4], [6], [2]])
    assert.deepEqual(runs, [1, 2])
  })

  it('waits up to maxQueueDelayMicroseconds for more rows', async () => {
    const { batcher, runs } = doubling({ ...OPTIONS, maxQueueDelayMicroseconds: 200_000 })
    const first = batcher.submit([1])
    await new Promise((resolve) => setTimeout(resolve, 1))
    const second = batcher.submit([2])
    assert.deepEqual(await Promise.all([first, second]), [[2], [4]])
    assert.deepEqual(runs, [2])
  })

  it('refuses a request with 503 and Retry-After when maxQueueSize requests wait', async () => {
    const { batcher } = doubling({ ...OPTIONS, maxQueueSize: 2 })
    const waiting = [batcher.submit([1]), batcher.submit([2])]
    const refused = await batcher.submit([3]).then(
      () => undefined,
      (err: unknown) => err,
    )
    assert.ok(refused instanceof ApiError)
    assert.equal(refused.status, 503)
    assert.equal(refused.code, 'unavailable')
    assert.equal(refused.headers['Retry-After'], '1')
    assert.deepEqual(await Promise.all(waiting), [[2], [4]])
  })

  it('rejects every request of a run that fails, and keeps serving', async () => {
    let fail = true
    const batcher = new MicroBatcher<number, number[]>(
      async (rows) => {
        if (fail) throw new Error('session failed')
        return rows
      },
      (result, start, count) => result.slice(start, start + count),
      OPTIONS,
    )
    const outcomes = await Promise.allSettled([batcher.submit([1]), batcher.submit([2])])
    assert.deepEqual(
      outcomes.map((outcome) => outcome.status),
      ['rejected', 'rejected'],
    )
    fail = false
    assert.deepEqual(await batcher.submit([3]), [3])
  })
})

interface PredictBody {
  predictions: string[]
  probabilities: number[][]
}

/** Rows spread over the Iris feature ranges, different per request. */
function rowsFor(request: number): number[][] {
  const count = 1 + (request % 3)
  return Array.from({ length: count }, (_, i) => {
    const t = ((request * 7 + i * 13) % 31) / 30
    return [4.3 + t * 3.6, 2 + (1 - t) * 2.4, 1 + t * 5.9, 0.1 + t * 2.4].map((value) => Math.round(value * 100) / 100)
  })
}

async function batchRuns(server: TestServer): Promise<{ runs: number; rows: number }> {
  const text = await (await getJson(`${server.url}/metrics`, server.token(['admin']))).text()
  const runs = /^portcullis_batch_size_count\{model="iris"\} (\d+)/m.exec(text)?.[1]
  const rows = /^portcullis_batch_size_sum\{model="iris"\} (\d+)/m.exec(text)?.[1]
  return { runs: Number(runs ?? 0), rows: Number(rows ?? 0) }
}

describe('micro-batching behind POST /api/v1/models/{name}/predict', () => {
  let batched: TestServer
  let unbatched: TestServer
  after(async () => {
    await batched.close()
    await unbatched.close()
  })
  before(async () => {
    const cache = { enabled: false }
    batched = await startServer({ config: { cache, inference: { batching: { maxBatchSize: 16, maxQueueDelayMicroseconds: 5_000 } } } })
    unbatched = await startServer({ config: { cache, inference: { batching: { enabled: false } } } })
  })

  it('answers concurrent requests row by row exactly as unbatched runs do', async () => {
    const requests = Array.from({ length: 40 }, (_, i) => rowsFor(i))
    const before = await batchRuns(batched)
    const send = (server: TestServer) =>
      Promise.all(
        requests.map(async (inputs) => {
          const response = await postJson(`${server.url}/api/v1/models/iris/predict`, { inputs }, server.token(['user']))
          assert.equal(response.status, 200)
          return (await response.json()) as PredictBody
        }),
      )
    const expected = await send(unbatched)
    const answers = await send(batched)
    const after = await batchRuns(batched)
    answers.forEach((answer, i) => {
      assert.equal(answer.predictions.length, requests[i]?.length)
      assert.deepEqual(answer.predictions, expected[i]?.predictions, `request ${i}`)
      assert.deepEqual(answer.probabilities, expected[i]?.probabilities, `request ${i}`)
    })
    const rows = requests.reduce((sum, inputs) => sum + inputs.length, 0)
    assert.equal(after.rows - before.rows, rows)
    assert.ok(after.runs - before.runs < requests.length, `${after.runs - before.runs} runs for ${requests.length} requests`)
  })
})

describe('a full batch queue', () => {
  let server: TestServer
  after(() => server.close())
  before(async () => {
    // One waiting request fills the queue, and it waits a whole second for company.
    server = await startServer({ config: { cache: { enabled: false }, inference: { batching: { maxBatchSize: 1024, maxQueueDelayMicroseconds: 1_000_000, maxQueueSize: 1 } } } })
  })

  it('answers 503 with Retry-After', async () => {
    const url = `${server.url}/api/v1/models/iris/predict`
    const token = server.token(['user'])
    const responses = await Promise.all([0, 1, 2].map(() => postJson(url, { inputs: [[5.1, 3.5, 1.4, 0.2]] }, token)))
    const refused = responses.filter((response) => response.status === 503)
    assert.equal(refused.length, 2)
    assert.equal(responses.filter((response) => response.status === 200).length, 1)
    for (const response of refused) {
      assert.equal(response.headers.get('retry-after'), '1')
      await assertEnvelope(response, 503, 'unavailable')
    }
  })
})
