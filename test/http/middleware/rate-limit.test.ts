import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseRate, trafficClass } from '../../../src/http/middleware/rate-limit.js'

describe('parseRate(text)', () => {
  it('reads a count and a window', () => {
    assert.deepEqual(parseRate('100/minute'), { max: 100, durationMs: 60_000 })
    assert.deepEqual(parseRate('5 / second'), { max: 5, durationMs: 1000 })
  })

  it('throws on anything else', () => {
    assert.throws(() => parseRate('lots'), /not a rate/)
  })
})

describe('trafficClass(route)', () => {
  it('puts v1 predict and OIP infer route templates in the predict class', () => {
    for (const route of [
      '/api/v1/predict',
      '/api/v1/models/:name/predict',
      '/api/v1/models/:name/versions/:version/predict',
      '/v2/models/:name/infer',
      '/v2/models/:name/versions/:version/infer',
    ]) {
      assert.equal(trafficClass(route), 'predict', route)
    }
  })

  it('puts /api/v1/admin route templates in the admin class, even one named like a predict route', () => {
    assert.equal(trafficClass('/api/v1/admin/tokens/revoke'), 'admin')
    assert.equal(trafficClass('/api/v1/admin/models/predict'), 'admin')
  })

  it('puts everything else, and requests no route matched, in the subject class', () => {
    for (const route of ['/api/v1/models', '/api/v1/models/:name', '/metrics', '/api/v1/administrator']) assert.equal(trafficClass(route), 'subject', route)
    assert.equal(trafficClass(undefined), 'subject')
  })
})
