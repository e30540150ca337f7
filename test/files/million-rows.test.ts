import assert from 'node:assert/strict'
import { createReadStream, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { after, before, describe, it } from 'node:test'
import { demoModelsDir } from '../helpers/demo-models.js'
import { writeManyIrisCsv } from './iris-files.js'
import { runScore } from './run-score.js'

const ROWS = 1_000_000
const MAX_PEAK_MIB = 300

describe('portcullis score on a million rows', { timeout: 1_800_000 }, () => {
  let dir: string
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-million-'))
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  it(`scores ${ROWS} Iris rows with the process's peak RSS (VmHWM) under ${MAX_PEAK_MIB} MiB`, async () => {
    const input = join(dir, 'million.csv')
    const output = join(dir, 'million.out.csv')
    await writeManyIrisCsv(input, ROWS)
    const run = await runScore(['--model', 'iris', '--input', input, '--output', output], { MODELS_DIR: await demoModelsDir() })
    assert.equal(run.code, 0, run.stderr)
    assert.ok(run.peakKib > 0, 'VmHWM was read')
    assert.ok(run.peakKib / 1024 < MAX_PEAK_MIB, `peak RSS ${(run.peakKib / 1024).toFixed(0)} MiB`)
    let lines = 0
    let last = ''
    for await (const line of createInterface({ input: createReadStream(output) })) {
      lines += 1
      last = line
    }
    assert.equal(lines, ROWS + 1, 'a header and one line per row')
    assert.match(last, new RegExp(`^${ROWS - 1},`))
    console.log(`# ${ROWS} rows, peak RSS ${(run.peakKib / 1024).toFixed(0)} MiB; ${run.stderr.trim().split('\n').at(-1) ?? ''}`)
  })
})
