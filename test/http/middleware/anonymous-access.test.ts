import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { postJson, startServer, type TestServer } from '../../helpers/server.js'

describe('anonymousAccess() (auth.enabled: false)', () => {
  let server: TestServer
  after(() => server.close())
  before(async () => {
    server = await startServer({ config: { auth: { enabled: false } } })
  })

  it('lets a request without a token predict', async () => {
    const response = await postJson(`${server.url}/api/v1/models/iris/predict`, { inputs: [[5.1, 3.5, 1.4, 0.2]] })
    assert.equal(response.status, 200)
    assert.deepEqual(((await response.json()) as { predictions: string[] }).predictions, ['setosa'])
  })
})
