import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { Agent } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import jwt from 'jsonwebtoken'
import { stringify } from 'yaml'
import { demoModelsDir } from '../helpers/demo-models.js'
import { openPredict } from '../helpers/in-flight.js'
import { spawnGateway, waitUntilReady, type GatewayProcess } from '../helpers/process.js'
import { TEST_SECRET } from '../helpers/server.js'

// Sessions on the event-loop thread (the demo models' default) and on an inference thread.
const PLACEMENTS = [
  { name: 'sessions on the event loop', inference: {}, runsOn: 'event-loop' },
  { name: 'sessions on an inference thread', inference: { threadAboveMicroseconds: 0 }, runsOn: 'inference-thread' },
]

for (const placement of PLACEMENTS) {
  describe(`portcullis serve on SIGTERM, ${placement.name}`, () => {
    let gateway: GatewayProcess
    let configDir: string
    const token = jwt.sign({ roles: ['user'] }, TEST_SECRET, { algorithm: 'HS256', subject: 'drain', expiresIn: 600 })

    before(async () => {
      configDir = mkdtempSync(join(tmpdir(), 'portcullis-sigterm-'))
      const configPath = join(configDir, 'extra.yaml')
      // Requests also wait in the batch queue while the server drains.
      writeFileSync(configPath, stringify({ cache: { enabled: false }, inference: { ...placement.inference, batching: { maxQueueDelayMicroseconds: 200_000 } } }))
      gateway = await spawnGateway({ APP_ENV: 'test', JWT_SECRET: TEST_SECRET, MODELS_DIR: await demoModelsDir(), CONFIG_PATH: configPath, LOG_LEVEL: 'info' })
      await waitUntilReady(gateway.url)
    })
    after(async () => {
      if (gateway.child.exitCode === null) gateway.child.kill('SIGKILL')
      rmSync(configDir, { recursive: true, force: true })
    })

    it('answers every request in flight, then exits 0', async () => {
      const agent = new Agent({ keepAlive: true })
      const open = await Promise.all(Array.from({ length: 8 }, () => openPredict(gateway.url, token, agent)))
      const exited = new Promise<number | null>((resolve) => gateway.child.once('exit', (code) => resolve(code)))
      gateway.child.kill('SIGTERM')
      const answers = await Promise.all(open.map((req) => req.finish()))
      for (const answer of answers) {
        assert.equal(answer.status, 200, answer.body)
        assert.deepEqual((JSON.parse(answer.body) as { predictions: string[] }).predictions, ['virginica'])
      }
      assert.equal(await exited, 0)
      assert.match(gateway.stdout(), /draining in-flight requests/)
      const loaded = gateway
        .stdout()
        .split('\n')
        .filter((line) => line.includes('model version loaded'))
        .map((line) => JSON.parse(line) as { model: string; runs_on: string })
      assert.equal(loaded.find((line) => line.model === 'iris')?.runs_on, placement.runsOn)
      agent.destroy()
    })
  })
}
