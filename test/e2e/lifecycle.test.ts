import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import jwt from 'jsonwebtoken'
import { parse, stringify } from 'yaml'
import { tempRepository } from '../helpers/demo-models.js'
import { spawnGateway, waitUntilReady, type GatewayProcess } from '../helpers/process.js'
import { postJson, TEST_SECRET } from '../helpers/server.js'
import { constantClassifier, eventually } from '../models/repo-fixtures.js'

const SETOSA = [5.1, 3.5, 1.4, 0.2]
const VIRGINICA = [6.5, 3.0, 5.8, 2.2]

function token(subject: string, roles: string[] = ['user']): string {
  return jwt.sign({ roles }, TEST_SECRET, { algorithm: 'HS256', subject, expiresIn: 600, jwtid: randomUUID() })
}

interface PredictBody {
  version: string
  predictions: string[]
}

describe('model lifecycle in a running gateway', () => {
  let gateway: GatewayProcess
  let repo: { dir: string; cleanup: () => void }
  const user = token('lifecycle-user')
  const admin = token('lifecycle-admin', ['admin'])

  before(async () => {
    repo = await tempRepository()
    const irisYaml = parse(readFileSync(join(repo.dir, 'iris', 'model.yaml'), 'utf8')) as Record<string, unknown>
    const forest = readFileSync(join(repo.dir, 'iris', '1', 'model.onnx'))
    const write = (model: string, version: number, bytes: Uint8Array): void => {
      mkdirSync(join(repo.dir, model, String(version)), { recursive: true })
      writeFileSync(join(repo.dir, model, String(version), 'model.onnx'), bytes)
    }
    // iris: 1 = forest, 2 = always versicolor, 3 = always virginica; 3 is outside the policy.
    write('iris', 2, constantClassifier(1))
    write('iris', 3, constantClassifier(2))
    writeFileSync(
      join(repo.dir, 'iris', 'model.yaml'),
      stringify({
        ...irisYaml,
        aliases: { production: 1, staging: 2 },
        defaultVersion: 'production',
        versionPolicy: { specific: [1, 2] },
      }),
    )
    // canaried: 1 = always setosa, 2 = always versicolor, 20 % of subjects on 2.
    write('canaried', 1, constantClassifier(0))
    write('canaried', 2, constantClassifier(1))
    writeFileSync(join(repo.dir, 'canaried', 'model.yaml'), stringify({ ...irisYaml, canary: { version: 2, weight: 20 } }))
    // shadowed: the forest answers, a version that always says virginica gets a copy; plain: the forest alone.
    write('shadowed', 1, forest)
    write('shadowed', 2, constantClassifier(2))
    writeFileSync(join(repo.dir, 'shadowed', 'model.yaml'), stringify({ ...irisYaml, defaultVersion: 1, shadow: { version: 2 } }))
    write('plain', 1, forest)
    writeFileSync(join(repo.dir, 'plain', 'model.yaml'), stringify(irisYaml))
    const configPath = join(repo.dir, 'gateway.yaml')
    writeFileSync(configPath, stringify({ rateLimit: { enabled: false }, models: { pollIntervalMs: 200, stableMs: 400, shadowMaxInFlight: 64 } }))
    gateway = await spawnGateway({ APP_ENV: 'test', JWT_SECRET: TEST_SECRET, MODELS_DIR: repo.dir, CONFIG_PATH: configPath, LOG_LEVEL: 'info' })
    await waitUntilReady(gateway.url)
  })
  after(async () => {
    assert.equal(await gateway.stop(), 0)
    repo.cleanup()
  })

  /** portcullis_shadow_agreement_total{model="shadowed", result}. */
  const metric = async (result: string): Promise<number> => {
    const text = await (await fetch(`${gateway.url}/metrics`, { headers: { Authorization: `Bearer ${admin}` } })).text()
    return Number(new RegExp(`portcullis_shadow_agreement_total\\{model="shadowed",result="${result}"\\} (\\d+)`).exec(text)?.[1] ?? 0)
  }

  const predict = (path: string, rows: number[][] = [SETOSA], bearer = user): Promise<Response> =>
    postJson(`${gateway.url}${path}`, { inputs: rows }, bearer, { 'Cache-Control': 'no-cache' })

  it('resolves aliases and the version policy in the version path segment', async () => {
    const answer = async (path: string): Promise<PredictBody> => {
      const response = await predict(path)
      assert.equal(response.status, 200, path)
      return (await response.json()) as PredictBody
    }
    assert.equal((await answer('/api/v1/models/iris/predict')).version, '1', 'defaultVersion: production')
    assert.equal((await answer('/api/v1/models/iris/versions/production/predict')).version, '1')
    const staging = await answer('/api/v1/models/iris/versions/staging/predict')
    assert.deepEqual([staging.version, staging.predictions], ['2', ['versicolor']])
    const excluded = await predict('/api/v1/models/iris/versions/3/predict')
    assert.equal(excluded.status, 404)
    assert.match(((await excluded.json()) as { error: { message: string } }).error.message, /excluded by versionPolicy specific \[1, 2\]/)
    assert.equal((await predict('/api/v1/models/iris/versions/qa/predict')).status, 404)
    const oip = await postJson(
      `${gateway.url}/v2/models/iris/versions/staging/infer`,
      { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: SETOSA }], outputs: [{ name: 'label' }] },
      user,
    )
    assert.deepEqual(await oip.json(), { model_name: 'iris', model_version: '2', outputs: [{ name: 'label', datatype: 'INT64', shape: [1], data: [1] }] })
  })

  it('answers 409 after deactivate, serves again after activate, and logs both with the admin subject', async () => {
    assert.equal((await postJson(`${gateway.url}/api/v1/admin/models/iris/deactivate`, {}, admin)).status, 200)
    const refused = await predict('/api/v1/models/iris/predict')
    assert.equal(refused.status, 409)
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'model_inactive')
    assert.equal((await predict('/api/v1/models/iris/versions/staging/predict')).status, 409)
    const list = (await (await fetch(`${gateway.url}/api/v1/models`, { headers: { Authorization: `Bearer ${user}` } })).json()) as {
      models: { name: string; active: boolean; versions: { status: string }[] }[]
    }
    const iris = list.models.find((model) => model.name === 'iris')
    assert.equal(iris?.active, false)
    assert.deepEqual(
      iris?.versions.map((version) => version.status),
      ['inactive', 'inactive', 'inactive'],
    )
    assert.equal((await postJson(`${gateway.url}/api/v1/admin/models/iris/activate`, {}, admin)).status, 200)
    assert.equal((await predict('/api/v1/models/iris/predict')).status, 200)
    for (const action of ['deactivated', 'activated']) {
      const line = gateway
        .stdout()
        .split('\n')
        .find((candidate) => candidate.includes(`"model ${action}"`))
      assert.ok(line, `a log line for "model ${action}"`)
      const entry = JSON.parse(line) as { subject?: string; model?: string }
      assert.deepEqual([entry.subject, entry.model], ['lifecycle-admin', 'iris'])
    }
  })

  it('sends the canary its weight of 1,000 distinct subjects, within 5 points, and keeps each subject there', async (t) => {
    const subjects = Array.from({ length: 1000 }, (_, i) => `canary-subject-${i}`)
    const versions = new Map<string, string>()
    for (let start = 0; start < subjects.length; start += 25) {
      await Promise.all(
        subjects.slice(start, start + 25).map(async (subject) => {
          const response = await predict('/api/v1/models/canaried/predict', [SETOSA], token(subject))
          assert.equal(response.status, 200)
          versions.set(subject, ((await response.json()) as PredictBody).version)
        }),
      )
    }
    const share = [...versions.values()].filter((version) => version === '2').length / 10
    t.diagnostic(`canary share over 1,000 subjects: ${share}% (weight 20%)`)
    assert.ok(Math.abs(share - 20) <= 5, `canary share ${share}%`)
    for (const subject of subjects.slice(0, 20)) {
      const again = (await (await predict('/api/v1/models/canaried/predict', [SETOSA], token(subject))).json()) as PredictBody
      assert.equal(again.version, versions.get(subject), 'sticky per subject')
    }
  })

  it("counts shadow disagreement, never returns the shadow's answer, and reports latency with and without a shadow", async (t) => {
    const timed = async (model: string, row: number[], label: string): Promise<number> => {
      const started = performance.now()
      const response = await predict(`/api/v1/models/${model}/predict`, [row])
      const elapsed = performance.now() - started
      const body = (await response.json()) as PredictBody
      assert.equal(response.status, 200)
      assert.equal(body.version, '1', 'the primary answers')
      assert.deepEqual(body.predictions, [label], "the shadow's answer is never returned")
      return elapsed
    }
    const latencies: Record<string, number[]> = { shadowed: [], plain: [] }
    for (let i = 0; i < 100; i += 1) {
      const [row, label] = i % 4 === 0 ? [VIRGINICA, 'virginica'] : [SETOSA, 'setosa']
      for (const model of ['plain', 'shadowed']) latencies[model]?.push(await timed(model, row, label))
    }
    // 75 setosa rows (the shadow says virginica: disagree) and 25 virginica rows (agree).
    const counts = await eventually(async () => {
      const [agree, disagree, dropped, error] = await Promise.all(['agree', 'disagree', 'dropped', 'error'].map(metric))
      return (agree ?? 0) + (disagree ?? 0) + (dropped ?? 0) + (error ?? 0) === 100 ? { agree, disagree, dropped, error } : undefined
    }, 'every shadow copy to be counted')
    assert.deepEqual(counts, { agree: 25, disagree: 75, dropped: 0, error: 0 })
    const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN
    t.diagnostic(`median client latency: ${median(latencies.plain ?? []).toFixed(2)} ms without a shadow, ${median(latencies.shadowed ?? []).toFixed(2)} ms with one`)
  })

  it('mirrors Open Inference Protocol requests to the shadow too, comparing the selected outputs', async () => {
    const [agree, disagree] = [await metric('agree'), await metric('disagree')]
    for (const row of [SETOSA, VIRGINICA]) {
      const response = await postJson(
        `${gateway.url}/v2/models/shadowed/infer`,
        { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: row }], outputs: [{ name: 'label' }] },
        user,
      )
      assert.equal(response.status, 200)
      assert.equal(((await response.json()) as { model_version: string }).model_version, '1')
    }
    await eventually(async () => ((await metric('agree')) === agree + 1 && (await metric('disagree')) === disagree + 1 ? true : undefined), 'both copies to be compared')
  })

  it('shows per version its status, digest, load time and request count', async () => {
    const list = (await (await fetch(`${gateway.url}/api/v1/models`, { headers: { Authorization: `Bearer ${user}` } })).json()) as {
      models: { name: string; versions: { version: string; status: string; digest?: string; loaded_at?: string; requests: number; reason?: string }[] }[]
    }
    const iris = list.models.find((model) => model.name === 'iris')?.versions ?? []
    assert.deepEqual(
      iris.map((version) => [version.version, version.status]),
      [
        ['1', 'ready'],
        ['2', 'ready'],
        ['3', 'inactive'],
      ],
    )
    assert.match(iris[0]?.digest ?? '', /^sha256:[0-9a-f]{64}$/)
    assert.ok(!Number.isNaN(Date.parse(iris[0]?.loaded_at ?? '')))
    assert.ok((iris[0]?.requests ?? 0) > 0 && (iris[1]?.requests ?? 0) > 0)
    // A user sees the short code; the message behind it is for admins.
    assert.equal(iris[2]?.reason, 'excluded_by_policy')
    assert.equal((iris[2] as { detail?: string } | undefined)?.detail, undefined)
    const shadowed = list.models.find((model) => model.name === 'shadowed')?.versions ?? []
    assert.equal(shadowed[1]?.requests, 0, 'shadow copies are not client requests')
  })
})
