/**
 * `npm run bench -- --only files`: `portcullis score` on one million Iris rows beside raw ONNX
 * Runtime batch throughput on the same machine, in one run: the same model, the same batch size
 * (--batch-rows) and session options, `session.run` in a loop on ready-made tensors. Target
 * (issue 14): the score command at least 0.5 of the raw rate.
 *
 *   npm run bench -- --only files [--rows 1000000] [--batch-rows 1024] [--rounds 3] [--formats csv,jsonl,parquet]
 *
 * Each round measures raw ONNX Runtime, then each format, back to back; the table keeps each
 * median. The score command's rate is the one it prints itself: rows over the time from the
 * model loaded to the last row written (process start and model load are left out, as they are
 * for the raw loop). The command runs compiled (dist/, built first), as `portcullis score` does:
 * under tsx its reader thread also starts tsx's loader, and each closure is wrapped in a naming
 * helper: the CSV rate measured 5–35% lower that way.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import ort from 'onnxruntime-node'
import { parquetWriteFile } from 'hyparquet-writer'
import { buildDemoModels } from '../src/demo/build-demo.js'
import { IRIS_FEATURE_NAMES, loadIris } from '../src/demo/iris.js'
import { isFileFormat, type FileFormat } from '../src/files/format.js'
import { compileProject } from './servers.js'

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    'batch-rows': { type: 'string', default: '1024' },
    rounds: { type: 'string', default: '3' },
    formats: { type: 'string', default: 'csv' },
  },
})
const ROWS = Number(values.rows)
const BATCH = Number(values['batch-rows'])
const ROUNDS = Math.max(1, Number(values.rounds))
const FORMATS = values.formats.split(',').filter(isFileFormat)
const TARGET = 0.5
const iris = loadIris().features

/** Rows per second of `session.run` over ROWS rows in batches of BATCH, with ready-made tensors. */
async function rawOrtRate(modelPath: string): Promise<number> {
  // The session options of config/default.yaml's `inference` block, which the score command uses.
  const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' })
  const input = session.inputNames[0] ?? 'input'
  const feeds = (count: number): Record<string, ort.Tensor> => {
    const data = new Float32Array(count * IRIS_FEATURE_NAMES.length)
    for (let row = 0; row < count; row += 1) data.set(iris[row % iris.length] ?? [], row * IRIS_FEATURE_NAMES.length)
    return { [input]: new ort.Tensor('float32', data, [count, IRIS_FEATURE_NAMES.length]) }
  }
  const full = feeds(BATCH)
  const rest = ROWS % BATCH === 0 ? undefined : feeds(ROWS % BATCH)
  for (let warm = 0; warm < 20; warm += 1) await session.run(full)
  const started = process.hrtime.bigint()
  for (let done = 0; done + BATCH <= ROWS; done += BATCH) await session.run(full)
  if (rest !== undefined) await session.run(rest)
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  await session.release()
  return ROWS / seconds
}

/** Runs `portcullis score` and returns the rows/s it printed. */
function scoreRate(input: string, output: string, modelsDir: string): Promise<number> {
  const child = spawn(process.execPath, [join('dist', 'cli', 'main.js'), 'score', '--model', 'iris', '--input', input, '--output', output, '--batch-rows', String(BATCH)], {
    env: { PATH: process.env.PATH ?? '', APP_ENV: 'test', MODELS_DIR: modelsDir },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      const rate = /^scored (\d+) rows, rejected 0, .*\((\d+) rows\/s\)/m.exec(stderr)
      if (code !== 0 || rate?.[2] === undefined || Number(rate[1]) !== ROWS) reject(new Error(`portcullis score exited ${code}: ${stderr}`))
      else resolve(Number(rate[2]))
    })
  })
}

async function writeInput(path: string, format: FileFormat): Promise<void> {
  const { writeManyIrisCsv } = await import('../test/files/iris-files.js')
  if (format === 'csv') return writeManyIrisCsv(path, ROWS)
  if (format === 'jsonl') {
    const { createWriteStream } = await import('node:fs')
    const { finished } = await import('node:stream/promises')
    const out = createWriteStream(path)
    const lines = iris.map((row) => `${JSON.stringify(row)}\n`)
    for (let start = 0; start < ROWS; start += 10_000) {
      let text = ''
      for (let row = start; row < Math.min(ROWS, start + 10_000); row += 1) text += lines[row % lines.length]
      out.write(text)
    }
    out.end()
    await finished(out)
    return
  }
  const column = (index: number): Float64Array => Float64Array.from({ length: ROWS }, (_, row) => iris[row % iris.length]?.[index] ?? 0)
  parquetWriteFile({ filename: path, rowGroupSize: 65_536, columnData: IRIS_FEATURE_NAMES.map((name, index) => ({ name, type: 'DOUBLE' as const, data: column(index) })) })
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}

compileProject('tsconfig.build.json')
const workDir = mkdtempSync(join(tmpdir(), 'portcullis-bench-files-'))
try {
  const modelsDir = join(workDir, 'models')
  await buildDemoModels(modelsDir)
  const inputs = new Map<FileFormat, string>()
  for (const format of FORMATS) {
    const path = join(workDir, `input.${format}`)
    await writeInput(path, format)
    inputs.set(format, path)
  }
  const raw: number[] = []
  const scored = new Map<FileFormat, number[]>(FORMATS.map((format) => [format, []]))
  for (let round = 0; round < ROUNDS; round += 1) {
    raw.push(await rawOrtRate(join(modelsDir, 'iris', '1', 'model.onnx')))
    for (const [format, input] of inputs) scored.get(format)?.push(await scoreRate(input, join(workDir, `output.${format}`), modelsDir))
    console.error(`round ${round + 1}/${ROUNDS}: raw ${Math.round(raw.at(-1) ?? 0)} rows/s, ${FORMATS.map((format) => `${format} ${scored.get(format)?.at(-1) ?? 0}`).join(', ')}`)
  }
  const rawRate = median(raw)
  const lines = [
    `## portcullis score: ${ROWS} Iris rows, batch ${BATCH}, median of ${ROUNDS} rounds (${cpus().length} cores)`,
    '',
    // Each round's own ratio too: its raw and score runs are back to back, so a slow spell of the
    // machine that falls between rounds moves both.
    '| what | rows/s | ratio to raw | ratio per round | target |',
    '| --- | ---: | ---: | --- | --- |',
    `| raw ONNX Runtime session.run (batch ${BATCH}) | ${Math.round(rawRate)} | 1.00 | | |`,
    ...FORMATS.map((format) => {
      const rates = scored.get(format) ?? []
      const rate = median(rates)
      const ratio = rate / rawRate
      const perRound = rates.map((value, round) => (value / (raw[round] ?? Infinity)).toFixed(2)).join(', ')
      return `| portcullis score, ${format} in and out | ${Math.round(rate)} | ${ratio.toFixed(2)} | ${perRound} | ≥ ${TARGET}: ${ratio >= TARGET ? 'met' : 'NOT met'} |`
    }),
  ]
  console.log(lines.join('\n'))
  mkdirSync('bench-output', { recursive: true })
  writeFileSync(join('bench-output', 'files.md'), `${lines.join('\n')}\n`)
  writeFileSync(join('bench-output', 'files.json'), `${JSON.stringify({ rows: ROWS, batchRows: BATCH, raw, scored: Object.fromEntries(scored) }, null, 2)}\n`)
} finally {
  rmSync(workDir, { recursive: true, force: true })
}
