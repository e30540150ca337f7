import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { spawnGateway, waitUntilReady } from '../helpers/process.js'

describe('portcullis serve --build-demo-if-missing (what npm start runs)', () => {
  const root = mkdtempSync(join(tmpdir(), 'portcullis-fresh-'))
  const modelsDir = join(root, 'models')
  after(() => rmSync(root, { recursive: true, force: true }))

  it('builds the demo models, prints demo tokens, and serves a prediction to the user token only', async () => {
    const gateway = await spawnGateway({ APP_ENV: 'development', MODELS_DIR: modelsDir, LOG_LEVEL: 'info' }, ['--build-demo-if-missing'])
    try {
      await waitUntilReady(gateway.url)
      assert.ok(existsSync(join(modelsDir, 'iris', '1', 'model.onnx')))
      assert.ok(existsSync(join(modelsDir, 'iris-logreg', 'model.yaml')))
      const userToken = /demo user token[^:]*:\s+(\S+)/.exec(gateway.stdout())?.[1]
      const adminToken = /demo admin token[^:]*:\s+(\S+)/.exec(gateway.stdout())?.[1]
      assert.ok(userToken, 'a demo user token is printed')
      assert.ok(adminToken, 'a demo admin token is printed')
      const request = { method: 'POST', body: JSON.stringify({ inputs: [[5.1, 3.5, 1.4, 0.2]] }) }
      const ok = await fetch(`${gateway.url}/api/v1/models/iris/predict`, { ...request, headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${userToken}` } })
      assert.equal(ok.status, 200)
      assert.deepEqual(((await ok.json()) as { predictions: string[] }).predictions, ['setosa'])
      const denied = await fetch(`${gateway.url}/api/v1/models/iris/predict`, { ...request, headers: { 'Content-Type': 'application/json' } })
      assert.equal(denied.status, 401)
      assert.equal(((await denied.json()) as { error: { code: string } }).error.code, 'invalid_token')
      // Tokens are printed for the operator, never written into the JSON log lines.
      const logLines = gateway
        .stdout()
        .split('\n')
        .filter((line) => line.startsWith('{'))
      assert.ok(logLines.length > 0)
      for (const line of logLines) assert.ok(!line.includes(userToken) && !line.includes(adminToken), 'no token in a log line')
    } finally {
      assert.equal(await gateway.stop(), 0, 'SIGTERM exits cleanly')
    }
  })
})
