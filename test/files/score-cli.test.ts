import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { parse } from 'csv-parse/sync'
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet'
import { demoModelsDir } from '../helpers/demo-models.js'
import { postJson, startServer, type TestServer } from '../helpers/server.js'
import { IRIS_ROWS, writeIrisCsv, writeIrisJsonLines, writeIrisParquet } from './iris-files.js'
import { runScore } from './run-score.js'

interface Answer {
  key: string | number
  prediction: string
  probabilities: number[]
}

const LABELS = ['setosa', 'versicolor', 'virginica']

/** A flat output row (CSV cells are text, Parquet cells are typed) as an Answer. */
function flatAnswer(row: Record<string, unknown>, key: 'id' | 'row'): Answer {
  return {
    key: key === 'row' ? Number(row.row) : String(row.id),
    prediction: String(row.prediction),
    probabilities: LABELS.map((label) => Number(row[`p_${label}`])),
  }
}

describe('portcullis score', { timeout: 600_000 }, () => {
  let server: TestServer
  let dir: string
  let env: Record<string, string>
  let http: { predictions: string[]; probabilities: number[][] }

  before(async () => {
    const modelsDir = await demoModelsDir()
    server = await startServer({ modelsDir })
    dir = mkdtempSync(join(tmpdir(), 'portcullis-files-'))
    env = { MODELS_DIR: modelsDir }
    const response = await postJson(`${server.url}/api/v1/models/iris/predict`, { inputs: IRIS_ROWS }, server.token(['user']))
    assert.equal(response.status, 200)
    http = (await response.json()) as typeof http
  })
  after(async () => {
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  })

  /** The HTTP answer for row `index`, keyed like the file's output. */
  const expected = (key: (index: number) => string | number): Answer[] =>
    http.predictions.map((prediction, index) => ({ key: key(index), prediction, probabilities: http.probabilities[index] ?? [] }))

  it('scores the 150 Iris rows from CSV like HTTP, keeping the id column', async () => {
    const input = join(dir, 'iris.csv')
    writeIrisCsv(input)
    const run = await runScore(['--model', 'iris', '--input', input, '--output', join(dir, 'out.csv')], env)
    assert.equal(run.code, 0, run.stderr)
    const rows = parse(readFileSync(join(dir, 'out.csv'), 'utf8'), { columns: true }) as Record<string, string>[]
    assert.deepEqual(Object.keys(rows[0] ?? {}), ['id', 'prediction', 'p_setosa', 'p_versicolor', 'p_virginica'])
    assert.deepEqual(
      rows.map((row) => flatAnswer(row, 'id')),
      expected((index) => `iris-${index}`),
    )
    assert.equal(existsSync(join(dir, 'out.csv.rejects.jsonl')), false)
    assert.match(run.stderr, /scored 150 rows, rejected 0/)
  })

  it('scores the 150 Iris rows from JSON Lines like HTTP, keyed by row number', async () => {
    const input = join(dir, 'iris.jsonl')
    writeIrisJsonLines(input)
    const run = await runScore(['--model', 'iris', '--input', input, '--output', join(dir, 'out.jsonl')], env)
    assert.equal(run.code, 0, run.stderr)
    const lines = readFileSync(join(dir, 'out.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { row: number; prediction: string; probabilities: number[] })
    assert.deepEqual(
      lines.map((line) => ({ key: line.row, prediction: line.prediction, probabilities: line.probabilities })),
      expected((index) => index),
    )
  })

  it('scores the 150 Iris rows from Parquet like HTTP, into Parquet', async () => {
    const input = join(dir, 'iris.parquet')
    writeIrisParquet(input)
    const output = join(dir, 'out.parquet')
    const run = await runScore(['--model', 'iris', '--input', input, '--output', output], env)
    assert.equal(run.code, 0, run.stderr)
    const rows = await parquetReadObjects({ file: await asyncBufferFromFile(output) })
    assert.deepEqual(
      rows.map((row) => flatAnswer(row, 'id')),
      expected((index) => `iris-${index}`),
    )
  })

  it('converts between formats: Parquet in, CSV out; --format names the format of extension-less files', async () => {
    const input = join(dir, 'iris.parquet')
    writeIrisParquet(input)
    const csvRun = await runScore(['--model', 'iris', '--input', input, '--output', join(dir, 'converted.csv')], env)
    assert.equal(csvRun.code, 0, csvRun.stderr)
    const rows = parse(readFileSync(join(dir, 'converted.csv'), 'utf8'), { columns: true }) as Record<string, string>[]
    assert.deepEqual(
      rows.map((row) => flatAnswer(row, 'id')),
      expected((index) => `iris-${index}`),
    )
    const plain = join(dir, 'iris-rows')
    writeIrisJsonLines(plain)
    const jsonRun = await runScore(['--model', 'iris', '--input', plain, '--output', join(dir, 'answers'), '--format', 'jsonl'], env)
    assert.equal(jsonRun.code, 0, jsonRun.stderr)
    assert.equal(readFileSync(join(dir, 'answers'), 'utf8').trim().split('\n').length, 150)
  })

  it('keeps ids that need CSV quoting and JSON Lines ids of both types, in input order across chunks', async () => {
    const ids = ['a,1', 'q"x', 'line\nbreak', 'plain']
    const input = join(dir, 'quoted.csv')
    const csvLines = IRIS_ROWS.slice(0, 8).map((row, index) => `"${(ids[index % ids.length] ?? '').replaceAll('"', '""')}",${row.join(',')}`)
    writeFileSync(input, `id,sepal_length,sepal_width,petal_length,petal_width\n${csvLines.join('\n')}\n`)
    const run = await runScore(['--model', 'iris', '--input', input, '--output', join(dir, 'quoted.out.csv'), '--batch-rows', '3'], env)
    assert.equal(run.code, 0, run.stderr)
    const rows = parse(readFileSync(join(dir, 'quoted.out.csv'), 'utf8'), { columns: true }) as Record<string, string>[]
    assert.deepEqual(
      rows.map((row) => row.id),
      Array.from({ length: 8 }, (_, index) => ids[index % ids.length]),
    )
    assert.deepEqual(
      rows.map((row) => row.prediction),
      http.predictions.slice(0, 8),
    )
    const jsonInput = join(dir, 'ids.jsonl')
    const names = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width']
    const objects = IRIS_ROWS.slice(0, 5).map((row, index) => ({
      ...(index % 2 === 0 ? { id: index } : { id: `s${index}` }),
      ...Object.fromEntries(names.map((name, column) => [name, row[column]])),
    }))
    writeFileSync(jsonInput, `${objects.map((object) => JSON.stringify(object)).join('\r\n')}\r\n`)
    const jsonRun = await runScore(['--model', 'iris', '--input', jsonInput, '--output', join(dir, 'ids.out.jsonl'), '--batch-rows', '2'], env)
    assert.equal(jsonRun.code, 0, jsonRun.stderr)
    const lines = readFileSync(join(dir, 'ids.out.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: unknown; prediction: string; probabilities: number[] })
    assert.deepEqual(
      lines.map((line) => [line.id, line.prediction, line.probabilities]),
      objects.map((object, index) => [object.id, http.predictions[index], http.probabilities[index]]),
    )
  })

  it('scores through a running gateway with --url and a token, in chunks of --batch-rows', async () => {
    const input = join(dir, 'iris.csv')
    writeIrisCsv(input)
    const run = await runScore(
      ['--model', 'iris', '--input', input, '--output', join(dir, 'remote.csv'), '--url', server.url, '--token', server.token(['user']), '--batch-rows', '64'],
      env,
    )
    assert.equal(run.code, 0, run.stderr)
    const rows = parse(readFileSync(join(dir, 'remote.csv'), 'utf8'), { columns: true }) as Record<string, string>[]
    assert.deepEqual(
      rows.map((row) => flatAnswer(row, 'id')),
      expected((index) => `iris-${index}`),
    )
  })

  for (const mode of ['local', 'remote'] as const) {
    it(`scores the good rows of a file with bad rows and lists the bad ones with reasons, exit 1 (${mode})`, async () => {
      const input = join(dir, `bad-${mode}.csv`)
      writeFileSync(
        input,
        [
          'id,sepal_length,sepal_width,petal_length,petal_width',
          'a,5.1,3.5,1.4,0.2',
          'b,abc,3.0,1.4,0.2',
          'c,5.1,3.5,1.4',
          'd,99,3.0,1.4,0.2',
          'e,,3.0,1.4,0.2',
          'f,6.2,2.9,4.3,1.3',
          '',
        ].join('\n'),
      )
      const output = join(dir, `bad-${mode}.out.csv`)
      const rejects = join(dir, `bad-${mode}.rejects.jsonl`)
      const remote = mode === 'remote' ? ['--url', server.url, '--token', server.token(['user'])] : []
      const run = await runScore(['--model', 'iris', '--input', input, '--output', output, '--rejects', rejects, ...remote], env)
      assert.equal(run.code, 1, run.stderr)
      const rows = parse(readFileSync(output, 'utf8'), { columns: true }) as Record<string, string>[]
      assert.deepEqual(
        rows.map((row) => [row.id, row.prediction]),
        [
          ['a', 'setosa'],
          ['f', 'versicolor'],
        ],
      )
      const listed = readFileSync(rejects, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { row: number; id: string; error: { code: string; message: string } })
      assert.deepEqual(
        listed.map((entry) => [entry.row, entry.id, entry.error.code]),
        [
          [1, 'b', 'invalid_input'],
          [2, 'c', 'invalid_input'],
          [3, 'd', 'invalid_input'],
          [4, 'e', 'invalid_input'],
        ],
      )
      assert.match(listed[0]?.error.message ?? '', /sepal_length/)
      assert.match(listed[1]?.error.message ?? '', /expected 5 columns, got 4/)
      assert.match(listed[2]?.error.message ?? '', /sepal_length is 99, above the maximum/)
      assert.match(listed[3]?.error.message ?? '', /sepal_length is missing/)
    })
  }

  it('rejects unreadable JSON lines by row and scores the rest', async () => {
    const input = join(dir, 'bad.jsonl')
    writeFileSync(input, '[5.1,3.5,1.4,0.2]\n{not json\n\n{"id":"x","sepal_length":6.2,"sepal_width":2.9,"petal_length":4.3,"petal_width":1.3}\n{"id":"y","sepal_length":6.2}\n')
    const output = join(dir, 'bad.out.jsonl')
    const run = await runScore(['--model', 'iris', '--input', input, '--output', output], env)
    assert.equal(run.code, 1, run.stderr)
    const lines = readFileSync(output, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
    assert.deepEqual(
      lines.map((line) => [line.row ?? line.id, line.prediction]),
      [
        [0, 'setosa'],
        ['x', 'versicolor'],
      ],
    )
    const listed = readFileSync(`${output}.rejects.jsonl`, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { row: number; id: unknown; error: { message: string } })
    assert.deepEqual(
      listed.map((entry) => [entry.row, entry.id]),
      [
        [1, null],
        [3, 'y'],
      ],
    )
    assert.match(listed[0]?.error.message ?? '', /not valid JSON/)
    assert.match(listed[1]?.error.message ?? '', /missing feature "sepal_width"/)
  })

  it('exits 2 on bad usage (unknown flag, missing file, unknown model or format) and on a run that cannot go on', async () => {
    const input = join(dir, 'usage.csv')
    writeIrisCsv(input)
    const output = join(dir, 'usage.out.csv')
    const cases: [string[], RegExp][] = [
      [['--model', 'iris', '--input', input, '--output', output, '--colour', 'red'], /Unknown option '--colour'/],
      [['--model', 'iris', '--input', join(dir, 'absent.csv'), '--output', output], /input file .*absent\.csv not found/],
      [['--model', 'no-such-model', '--input', input, '--output', output], /model "no-such-model" not found/],
      [['--model', 'iris', '--version', '99', '--input', input, '--output', output], /has no version "99"/],
      [['--model', 'iris', '--input', input, '--output', output, '--format', 'xlsx'], /unknown format "xlsx"/],
      [['--model', 'iris', '--input', input], /--output are required/],
      [['--model', 'iris', '--input', input, '--output', output, '--url', server.url], /--url needs --token/],
      [['--model', 'iris', '--input', input, '--output', join(dir, 'no-such-dir', 'out.csv')], /ENOENT/],
      [['--model', 'iris', '--input', input, '--output', output, '--url', server.url, '--token', server.token([])], /predict permission/],
    ]
    for (const [args, message] of cases) {
      const run = await runScore(args, env)
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`)
      assert.match(run.stderr, message)
      assert.doesNotMatch(run.stderr, /at .*\.(ts|js):\d+/, 'no stack trace')
    }
  })
})
