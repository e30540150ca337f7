import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { assertEnvelope } from '../helpers/envelope.js'
import { postJson, startServer, type TestServer } from '../helpers/server.js'

interface PredictBody {
  model: string
  version: string
  predictions: string[]
  probabilities: number[][]
  request_id: string
}

const SETOSA = [5.1, 3.5, 1.4, 0.2]
const VERSICOLOR = [6.2, 2.9, 4.3, 1.3]
const NAMES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width']

describe('POST /api/v1/models/{name}/predict', () => {
  let server: TestServer
  let token: string
  after(() => server.close())
  before(async () => {
    server = await startServer()
    token = server.token(['user'])
  })

  it('predicts rows given by position, one answer per row in order', async () => {
    const response = await postJson(`${server.url}/api/v1/models/iris/predict`, { inputs: [SETOSA, VERSICOLOR] }, token)
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8')
    const text = await response.text()
    assert.equal(Number(response.headers.get('content-length')), Buffer.byteLength(text))
    const body = JSON.parse(text) as PredictBody
    assert.equal(body.model, 'iris')
    assert.equal(body.version, '1')
    assert.deepEqual(body.predictions, ['setosa', 'versicolor'])
    assert.equal(body.probabilities.length, 2)
    for (const row of body.probabilities) {
      assert.equal(row.length, 3)
      assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5)
    }
    assert.equal(body.request_id, response.headers.get('x-request-id'))
  })

  it('predicts rows given by feature name, in any key order', async () => {
    const row = Object.fromEntries(NAMES.map((name, i) => [name, VERSICOLOR[i]]).reverse())
    const byName = (await (await postJson(`${server.url}/api/v1/models/iris-logreg/predict`, { inputs: [row] }, token)).json()) as PredictBody
    const byPosition = (await (await postJson(`${server.url}/api/v1/models/iris-logreg/predict`, { inputs: [VERSICOLOR] }, token)).json()) as PredictBody
    assert.deepEqual(byName.predictions, ['versicolor'])
    assert.deepEqual(byName.probabilities, byPosition.probabilities)
  })

  it('serves a named version', async () => {
    const response = await postJson(`${server.url}/api/v1/models/iris/versions/1/predict`, { inputs: [SETOSA] }, token)
    assert.equal(response.status, 200)
    assert.equal(((await response.json()) as PredictBody).version, '1')
  })

  it('serves the default model on /api/v1/predict', async () => {
    const response = await postJson(`${server.url}/api/v1/predict`, { inputs: [SETOSA] }, token)
    assert.equal(response.status, 200)
    const body = (await response.json()) as PredictBody
    assert.equal(body.model, 'iris')
    assert.deepEqual(body.predictions, ['setosa'])
  })

  const invalid: [string, unknown, RegExp][] = [
    ['a row of the wrong length', { inputs: [[5.1, 3.5, 1.4]] }, /row 0: expected 4 values, got 3/],
    ['a string where a number belongs', { inputs: [[5.1, '3.5', 1.4, 0.2]] }, /inputs\/0/],
    ['a null under the reject policy', { inputs: [[5.1, null, 1.4, 0.2]] }, /sepal_width is missing/],
    ['a value above the model maximum', { inputs: [[50, 3.5, 1.4, 0.2]] }, /above the maximum/],
    ['a value that overflows to Infinity', '{"inputs": [[1e999, 3.5, 1.4, 0.2]]}', /inputs\/0\/0|finite/],
    ['an unknown top-level key', { inputs: [SETOSA], extra: 1 }, /unknown key "extra"/],
    ['an unknown feature name', { inputs: [{ ...Object.fromEntries(NAMES.map((n) => [n, 1])), petal_colour: 2 }] }, /unknown feature "petal_colour"/],
    ['a missing feature name', { inputs: [{ sepal_length: 5.1 }] }, /missing feature "sepal_width"/],
    ['no rows', { inputs: [] }, /at least one row/],
    ['no inputs key', {}, /inputs/],
    ['a body that is not an object', [[1, 2, 3, 4]], /expected object/i],
    ['malformed JSON', '{"inputs": [[1,2,3,4]', /not valid JSON/],
  ]
  for (const [what, body, message] of invalid) {
    it(`answers 400 invalid_input for ${what}`, async () => {
      const response = await postJson(`${server.url}/api/v1/models/iris/predict`, body, token)
      const envelope = await assertEnvelope(response, 400, 'invalid_input')
      assert.match(envelope.error.message, message)
    })
  }

  it('answers 400 for a batch larger than maxRows', async () => {
    const inputs = Array.from({ length: 1025 }, () => SETOSA)
    const envelope = await assertEnvelope(await postJson(`${server.url}/api/v1/models/iris/predict`, { inputs }, token), 400, 'invalid_input')
    assert.match(envelope.error.message, /at most 1024 rows/)
  })

  it('keeps serving after bad input', async () => {
    await postJson(`${server.url}/api/v1/models/iris/predict`, '{{{', token)
    const response = await postJson(`${server.url}/api/v1/models/iris/predict`, { inputs: [SETOSA] }, token)
    assert.equal(response.status, 200)
  })
})
