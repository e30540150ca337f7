import assert from 'node:assert/strict'
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { parse, stringify } from 'yaml'
import { assertEnvelope } from '../helpers/envelope.js'
import { tempRepository } from '../helpers/demo-models.js'
import { getJson, postJson, startServer, type TestServer } from '../helpers/server.js'
import { assertSecurityHeaders } from './support/attack.js'

const ROW = { inputs: [[5.1, 3.5, 1.4, 0.2]] }

async function assertForbidden(response: Response): Promise<string> {
  const body = await assertEnvelope(response, 403, 'insufficient_scope')
  assert.match(response.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/)
  assertSecurityHeaders(response)
  return JSON.stringify(body) + (response.headers.get('www-authenticate') ?? '')
}

// A user allowed to predict calls a model whose model.yaml admits only `analyst` (OWASP API1:2023).
describe('attack: a role the model does not allow', () => {
  let server: TestServer
  let cleanup: () => void
  before(async () => {
    const repo = await tempRepository()
    cleanup = repo.cleanup
    cpSync(join(repo.dir, 'iris-logreg'), join(repo.dir, 'risk'), { recursive: true })
    const yamlPath = join(repo.dir, 'risk', 'model.yaml')
    writeFileSync(yamlPath, stringify({ ...(parse(readFileSync(yamlPath, 'utf8')) as object), roles: ['analyst'] }))
    server = await startServer({
      modelsDir: repo.dir,
      config: {
        rbac: {
          roles: {
            user: ['predict', 'models:read'],
            analyst: ['predict', 'models:read'],
            admin: ['predict', 'models:read', 'models:admin', 'tokens:admin', 'metrics:read'],
            metrics: ['metrics:read'],
          },
        },
      },
    })
  })
  after(async () => {
    await server.close()
    cleanup()
  })

  it('answers 200 to the analyst (control)', async () => {
    assert.equal((await postJson(`${server.url}/api/v1/models/risk/predict`, ROW, server.token(['analyst']))).status, 200)
  })

  it('answers 403 to a user, after the analyst warmed the cache with the same row', async () => {
    const shown = await assertForbidden(await postJson(`${server.url}/api/v1/models/risk/predict`, ROW, server.token(['user'])))
    assert.doesNotMatch(shown, /analyst/, 'the refusal does not say which roles would do')
    assert.doesNotMatch(shown, /iris/, 'the refusal names no other model')
  })

  it('answers 403 to a user for a version of that model, before looking the version up', async () => {
    await assertForbidden(await postJson(`${server.url}/api/v1/models/risk/versions/1/predict`, ROW, server.token(['user'])))
    await assertForbidden(await postJson(`${server.url}/api/v1/models/risk/versions/99/predict`, ROW, server.token(['user'])))
  })

  it('answers 403 to a user asking for the model description', async () => {
    await assertForbidden(await getJson(`${server.url}/api/v1/models/risk`, server.token(['user'])))
  })

  it('lists to a user only the models its roles may call', async () => {
    const response = await getJson(`${server.url}/api/v1/models`, server.token(['user']))
    const body = (await response.json()) as { models: { name: string }[] }
    assert.deepEqual(body.models.map((model) => model.name).sort(), ['iris', 'iris-logreg'])
  })

  it('answers the same 403 to a role without predict for a model that exists and one that does not', async () => {
    const known = await postJson(`${server.url}/api/v1/models/risk/predict`, ROW, server.token(['metrics']))
    const unknown = await postJson(`${server.url}/api/v1/models/no-such-model/predict`, ROW, server.token(['metrics']))
    const [knownBody, unknownBody] = await Promise.all([assertEnvelope(known, 403, 'insufficient_scope'), assertEnvelope(unknown, 403, 'insufficient_scope')])
    assert.equal(knownBody.error.message, unknownBody.error.message)
  })
})
