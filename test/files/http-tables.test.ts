import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { parse } from 'csv-parse/sync'
import { IRIS_FEATURE_NAMES } from '../../src/demo/iris.js'
import { assertEnvelope } from '../helpers/envelope.js'
import { postJson, startServer, type TestServer } from '../helpers/server.js'
import { IRIS_ROWS } from './iris-files.js'

const ROWS = IRIS_ROWS.slice(45, 55)
const CSV_BODY = `${IRIS_FEATURE_NAMES.join(',')}\n${ROWS.map((row) => row.join(',')).join('\n')}\n`
const NDJSON_BODY = `${ROWS.map((row, index) => JSON.stringify(index % 2 === 0 ? row : Object.fromEntries(IRIS_FEATURE_NAMES.map((name, column) => [name, row[column]])))).join('\n')}\n`

describe('predict with CSV and NDJSON bodies', { timeout: 120_000 }, () => {
  let server: TestServer
  let token: string
  let json: { predictions: string[]; probabilities: number[][] }
  const predictUrl = (): string => `${server.url}/api/v1/models/iris/predict`
  const post = (body: string, type: string, accept?: string, path = '/api/v1/models/iris/predict'): Promise<Response> =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': type, ...(accept === undefined ? {} : { accept }) },
      body,
    })

  before(async () => {
    server = await startServer({ config: { limits: { maxBodyBytes: 4096, maxRows: 20 } } })
    token = server.token(['user'])
    const response = await postJson(predictUrl(), { inputs: ROWS }, token)
    assert.equal(response.status, 200)
    json = (await response.json()) as typeof json
  })
  after(() => server.close())

  it('takes a CSV body and answers JSON by default, the same as for JSON rows', async () => {
    const response = await post(CSV_BODY, 'text/csv')
    assert.equal(response.status, 200)
    const body = (await response.json()) as typeof json & { request_id: string }
    assert.deepEqual(body.predictions, json.predictions)
    assert.deepEqual(body.probabilities, json.probabilities)
    assert.equal(body.request_id, response.headers.get('x-request-id'))
  })

  it('answers CSV when asked with Accept: text/csv', async () => {
    const response = await post(CSV_BODY, 'text/csv; charset=utf-8', 'text/csv')
    assert.equal(response.status, 200)
    assert.match(response.headers.get('content-type') ?? '', /^text\/csv/)
    assert.ok(response.headers.get('x-request-id'))
    const rows = parse(await response.text(), { columns: true }) as Record<string, string>[]
    assert.deepEqual(Object.keys(rows[0] ?? {}), ['row', 'prediction', 'p_setosa', 'p_versicolor', 'p_virginica'])
    assert.deepEqual(
      rows.map((row) => row.prediction),
      json.predictions,
    )
    assert.deepEqual(
      rows.map((row) => [Number(row.p_setosa), Number(row.p_versicolor), Number(row.p_virginica)]),
      json.probabilities,
    )
    assert.deepEqual(
      rows.map((row) => Number(row.row)),
      ROWS.map((_, index) => index),
    )
  })

  it('takes NDJSON rows and feature objects and answers NDJSON when asked', async () => {
    const response = await post(NDJSON_BODY, 'application/x-ndjson', 'application/x-ndjson')
    assert.equal(response.status, 200)
    assert.match(response.headers.get('content-type') ?? '', /^application\/x-ndjson/)
    const lines = (await response.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { row: number; prediction: string; probabilities: number[] })
    assert.deepEqual(
      lines,
      json.predictions.map((prediction, row) => ({ row, prediction, probabilities: json.probabilities[row] })),
    )
  })

  it('answers JSON to a JSON body that asks for a table format too (Accept picks the format, not the body)', async () => {
    const response = await postJson(predictUrl(), { inputs: ROWS }, token, { accept: 'application/x-ndjson' })
    assert.equal(response.status, 200)
    assert.equal((await response.text()).trim().split('\n').length, ROWS.length)
  })

  it('refuses bad tables with 400 naming the row, and other types with 415', async () => {
    const shortRow = await assertEnvelope(await post(`${IRIS_FEATURE_NAMES.join(',')}\n5.1,3.5,1.4,0.2\n5.1,3.5\n`, 'text/csv'), 400, 'invalid_input')
    assert.match(shortRow.error.message, /row 1: expected 4 columns, got 2/)
    const text = await assertEnvelope(await post(`${IRIS_FEATURE_NAMES.join(',')}\n5.1,abc,1.4,0.2\n`, 'text/csv'), 400, 'invalid_input')
    assert.match(text.error.message, /sepal_width/)
    await assertEnvelope(await post(`${IRIS_FEATURE_NAMES.join(',')}\n`, 'text/csv'), 400, 'invalid_input')
    await assertEnvelope(await post('__proto__,sepal_width\n1,2\n', 'text/csv'), 400, 'invalid_input')
    await assertEnvelope(await post('id,sepal_length,sepal_width,petal_length,petal_width\na,5.1,3.5,1.4,0.2\n', 'text/csv'), 400, 'invalid_input')
    const badLine = await assertEnvelope(await post('[5.1,3.5,1.4,0.2]\n{oops\n', 'application/x-ndjson'), 400, 'invalid_input')
    assert.match(badLine.error.message, /row 1: line is not valid JSON/)
    await assertEnvelope(await post(CSV_BODY, 'text/plain'), 415, 'unsupported_media_type')
    await assertEnvelope(await post('{"jti":"x"}', 'text/csv', undefined, '/api/v1/admin/tokens/revoke'), 415, 'unsupported_media_type')
  })

  it('keeps the body and row limits: 413 over maxBodyBytes, 400 over maxRows', async () => {
    const many = `${IRIS_FEATURE_NAMES.join(',')}\n${IRIS_ROWS.slice(0, 21)
      .map((row) => row.join(','))
      .join('\n')}\n`
    const tooMany = await assertEnvelope(await post(many, 'text/csv'), 400, 'invalid_input')
    assert.match(tooMany.error.message, /20/)
    const huge = `${IRIS_FEATURE_NAMES.join(',')}\n${'5.1,3.5,1.4,0.2\n'.repeat(400)}`
    await assertEnvelope(await post(huge, 'text/csv'), 413, 'payload_too_large')
    await assertEnvelope(await post('[5.1,3.5,1.4,0.2]\n'.repeat(400), 'application/x-ndjson'), 413, 'payload_too_large')
  })
})
