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

describe('trafficClass(path)', () => {
  it('puts v1 predict and OIP infer routes in the predict class', () => {
    for (const path of ['/api/v1/predict', '/api/v1/models/iris/predict', '/api/v1/models/iris/versions/2/predict', '/v2/models/iris/infer', '/v2/models/iris/versions/1/infer']) {
      assert.equal(trafficClass(path), 'predict', path)
    }
  })

  it('puts /api/v1/admin routes in the admin class, even one named like a predict route', () => {
    assert.equal(trafficClass('/api/v1/admin/tokens/revoke'), 'admin')
    assert.equal(trafficClass('/api/v1/admin/models/predict'), 'admin')
  })

  it('puts everything else in the subject class', () => {
    for (const path of ['/api/v1/models', '/api/v1/models/predictor', '/metrics', '/api/v1/administrator']) assert.equal(trafficClass(path), 'subject', path)
  })
})
