import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { parse } from 'yaml'
import { readProfile } from '../../src/drift/profile.js'
import { postJson, startServer } from '../helpers/server.js'
import { writeFlatsCsv, writeIrisCsv } from '../training/datasets.js'
import { portcullis } from './run-cli.js'

const dir = mkdtempSync(join(tmpdir(), 'portcullis-cli-train-'))
const models = join(dir, 'models')
after(() => rmSync(dir, { recursive: true, force: true }))

/** The exit code and stderr of a command expected to fail. */
async function failure(args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    await portcullis(args)
  } catch (err) {
    const { code, stderr } = err as { code: number; stderr: string }
    return { code, stderr }
  }
  throw new Error(`portcullis ${args.join(' ')} succeeded`)
}

describe('portcullis train and models profile', () => {
  const csv = writeIrisCsv(dir)

  it('writes versions 1 and 2 with model.yaml metrics and a profile each', async () => {
    const first = await portcullis(['train', '--input', csv, '--target', 'species', '--model', 'flowers', '--out', models, '--seed', '7'])
    assert.match(first.stdout, /flowers version 1: .*held out 0\.\d{4} \(30 rows\)/s)
    await portcullis(['train', '--input', csv, '--target', 'species', '--model', 'flowers', '--out', models, '--algorithm', 'logistic-regression', '--test-size', '0.3'])
    const card = parse(readFileSync(join(models, 'flowers', 'model.yaml'), 'utf8')) as {
      labels: string[]
      training: { version: number; algorithm: string; split: { testRows: number }; metrics: { test: { confusion: number[][] } } }
    }
    assert.deepEqual(card.labels, ['setosa', 'versicolor', 'virginica'])
    assert.equal(card.training.version, 2)
    assert.equal(card.training.algorithm, 'logistic-regression')
    assert.equal(card.training.split.testRows, 45)
    assert.equal(
      card.training.metrics.test.confusion.flat().reduce((sum, n) => sum + n, 0),
      45,
    )
    for (const version of ['1', '2']) assert.ok(existsSync(join(models, 'flowers', version, 'profile.json')), `version ${version} has a profile`)
  })

  it('stores a profile of a named version from another CSV', async () => {
    const half = join(dir, 'setosa.csv')
    writeFileSync(
      half,
      readFileSync(csv, 'utf8')
        .split('\n')
        .filter((line, i) => i === 0 || line.endsWith('setosa'))
        .join('\n'),
    )
    const { stdout } = await portcullis(['models', 'profile', '--model', 'flowers', '--version', '1', '--input', half], { MODELS_DIR: models })
    assert.match(stdout, /50 rows, 4 features, 3 classes/)
    const profile = await readProfile(join(models, 'flowers', '1', 'profile.json'))
    assert.equal(profile?.rows, 50)
    assert.deepEqual(
      profile?.classes.map((entry) => entry.share),
      [1, 0, 0],
    )
  })

  it('refuses bad input with one line and no stack', async () => {
    const noTarget = await failure(['train', '--input', csv, '--target', 'colour', '--model', 'flowers', '--out', models])
    assert.equal(noTarget.code, 1)
    assert.match(noTarget.stderr, /^portcullis: the CSV has no target column "colour"/)
    assert.doesNotMatch(noTarget.stderr, /\n\s+at /)
    const text = join(dir, 'text.csv')
    writeFileSync(text, 'a,b,label\n1,x,yes\n2,3,no\n')
    assert.match((await failure(['train', '--input', text, '--target', 'label', '--model', 'words', '--out', models])).stderr, /line 2, column "b": "x" is not a number/)
    assert.equal((await failure(['train', '--input', csv, '--model', 'flowers'])).code, 2)
    assert.equal((await failure(['train', '--input', csv, '--target', 'species', '--model', '../escape', '--out', models])).code, 1)
    assert.equal((await failure(['models', 'profile', '--model', 'flowers'])).code, 2)
  })
})

describe('portcullis train --url', () => {
  it('publishes through the admin API as the next version, and the gateway serves it', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'portcullis-train-url-'))
    const server = await startServer({ modelsDir: repo })
    try {
      const csv = writeIrisCsv(repo)
      const admin = server.token(['admin'])
      for (const expected of ['1', '2']) {
        const { stdout } = await portcullis(['train', '--input', csv, '--target', 'species', '--model', 'published', '--url', server.url, '--token', admin])
        assert.match(stdout, new RegExp(`published published version ${expected} \\(sha256:[0-9a-f]{64}, ready\\)`))
      }
      const answer = await postJson(`${server.url}/api/v1/models/published/versions/2/predict`, { inputs: [[5.1, 3.5, 1.4, 0.2]] }, server.token(['user']))
      assert.equal(answer.status, 200)
      assert.deepEqual(((await answer.json()) as { predictions: string[] }).predictions, ['setosa'])
      const refused = await failure(['train', '--input', csv, '--target', 'species', '--model', 'published', '--url', server.url, '--token', server.token(['user'])])
      assert.equal(refused.code, 1)
    } finally {
      await server.close()
      rmSync(repo, { recursive: true, force: true })
    }
  })
})

describe('portcullis train --task regression', () => {
  const csv = writeFlatsCsv(dir)

  it('prints RMSE, MAE and R², and models profile bins the predicted values of another CSV', async () => {
    const { stdout } = await portcullis(['train', '--input', csv, '--target', 'price', '--model', 'flats', '--task', 'regression', '--out', models])
    assert.match(stdout, /flats version 1: .*held out: RMSE [\d.]+, MAE [\d.]+, R² 0\.\d+ \(80 rows\)/s)
    const profiled = await portcullis(['models', 'profile', '--model', 'flats', '--input', csv], { MODELS_DIR: models })
    assert.match(profiled.stdout, /400 rows, 4 features, predicted values \(regression\)/)
    const profile = await readProfile(join(models, 'flats', '1', 'profile.json'))
    assert.equal(profile?.prediction?.count, 400)
  })

  it('refuses logistic regression for a regression, and an unknown task, as usage errors', async () => {
    const logistic = await failure([
      'train',
      '--input',
      csv,
      '--target',
      'price',
      '--model',
      'flats',
      '--task',
      'regression',
      '--algorithm',
      'logistic-regression',
      '--out',
      models,
    ])
    assert.equal(logistic.code, 2)
    assert.match(logistic.stderr, /--algorithm logistic-regression fits classifiers only; --task regression takes --algorithm random-forest/)
    assert.equal((await failure(['train', '--input', csv, '--target', 'price', '--model', 'flats', '--task', 'ranking', '--out', models])).code, 2)
  })

  it('points a numeric target refused as classes at --task regression', async () => {
    const refused = await failure(['train', '--input', csv, '--target', 'price', '--model', 'flats', '--out', models])
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /too many classes for a classifier; for a numeric target use --task regression/)
  })
})
