import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { profileModel } from '../../src/training/profile-model.js'
import { tempRepository } from '../helpers/demo-models.js'
import { getJson, postJson, startServer, type TestServer } from '../helpers/server.js'
import { writeIrisCsv } from '../training/datasets.js'

interface DriftBody {
  version: string | null
  window: number
  versions: { version: string }[]
}

describe('a profile stored while the gateway runs', () => {
  let server: TestServer
  let cleanup: () => void
  let modelsDir: string
  const csvDir = mkdtempSync(join(tmpdir(), 'portcullis-profile-csv-'))

  before(async () => {
    const repository = await tempRepository()
    cleanup = repository.cleanup
    modelsDir = repository.dir
    server = await startServer({ modelsDir, config: { models: { pollIntervalMs: 100, stableMs: 200 } } })
  })
  after(async () => {
    await server.close()
    cleanup()
    rmSync(csvDir, { recursive: true, force: true })
  })

  async function drift(): Promise<DriftBody> {
    const response = await getJson(`${server.url}/api/v1/models/iris/drift`, server.token(['user']))
    assert.equal(response.status, 200)
    return (await response.json()) as DriftBody
  }

  it('tracks nothing before, and the served version after, without a restart', async () => {
    const before = await drift()
    assert.deepEqual(before.versions, [])
    assert.equal(before.version, null)
    await profileModel({ modelsDir, model: 'iris', input: writeIrisCsv(csvDir) })
    const deadline = Date.now() + 20_000
    let body = await drift()
    while (body.versions.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      body = await drift()
    }
    assert.deepEqual(
      body.versions.map((entry) => entry.version),
      ['1'],
    )
    assert.equal((await postJson(`${server.url}/api/v1/models/iris/predict`, { inputs: [[5.1, 3.5, 1.4, 0.2]] }, server.token(['user']))).status, 200)
    assert.equal((await drift()).window, 1)
  })
})
