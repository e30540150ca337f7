import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { ALGORITHMS, REGRESSION_ALGORITHMS, TASKS, type Algorithm, type Task } from '../training/tabular-trainer.js'
import { trainCsv, type TrainCsvReport } from '../training/train-csv.js'
import { modelsSupplyCommand } from './models-supply.js'

const USAGE =
  'usage: portcullis train --input CSV --target COLUMN --model NAME [--task classification|regression] [--algorithm random-forest|logistic-regression] [--test-size 0.2] [--seed N] [--out DIR | --url URL --token T]'

function isAlgorithm(value: string): value is Algorithm {
  return (ALGORITHMS as readonly string[]).includes(value)
}

function isTask(value: string): value is Task {
  return (TASKS as readonly string[]).includes(value)
}

/** `portcullis train`: trains a classifier (or, with --task regression, a regression) on a CSV and writes it as the model's next version. */
export async function trainCommand(argv: string[], defaultDir: string): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      input: { type: 'string' },
      target: { type: 'string' },
      model: { type: 'string' },
      task: { type: 'string', default: 'classification' },
      algorithm: { type: 'string', default: 'random-forest' },
      'test-size': { type: 'string', default: '0.2' },
      seed: { type: 'string', default: '42' },
      out: { type: 'string', default: defaultDir },
      url: { type: 'string' },
      token: { type: 'string' },
    },
  })
  const { input, target, model, algorithm, task } = values
  const testSize = Number(values['test-size'])
  const seed = Number(values.seed)
  if (input === undefined || target === undefined || model === undefined || !isAlgorithm(algorithm) || !isTask(task) || !Number.isInteger(seed)) {
    console.error(USAGE)
    return 2
  }
  if (task === 'regression' && !REGRESSION_ALGORITHMS.includes(algorithm)) {
    console.error(`--algorithm ${algorithm} fits classifiers only; --task regression takes --algorithm ${REGRESSION_ALGORITHMS.join(' or ')}\n${USAGE}`)
    return 2
  }
  const { url, token } = values
  if ((url === undefined) !== (token === undefined)) {
    console.error(`--url and --token go together\n${USAGE}`)
    return 2
  }
  // Publishing trains into a scratch repository first, then sends that version through the admin API.
  const out = url === undefined ? values.out : mkdtempSync(join(tmpdir(), 'portcullis-train-'))
  try {
    const report = await trainCsv({ input, target, model, algorithm, task, testSize, seed, out })
    if (url === undefined || token === undefined) console.log(`${report.model} version ${report.version}: ${report.dir}`)
    console.log(scoreLine(report))
    return url === undefined || token === undefined ? 0 : await publish(report, out, url, token)
  } catch (err) {
    // Bad data, a missing file or a model that will not run: one line, no stack (exit 1, as for a failed run).
    if (!(err instanceof Error)) throw err
    console.error(`portcullis: ${err.message}`)
    return 1
  } finally {
    if (url !== undefined) rmSync(out, { recursive: true, force: true })
  }
}

/** The metrics of a run on one line: accuracy, or RMSE, MAE and R² for a regression. */
function scoreLine(report: TrainCsvReport): string {
  if (report.task === 'classification') {
    return `accuracy: training ${report.train.accuracy.toFixed(4)} (${report.train.rows} rows), held out ${report.test.accuracy.toFixed(4)} (${report.test.rows} rows)`
  }
  const score = (metrics: typeof report.train): string => `RMSE ${metrics.rmse}, MAE ${metrics.mae}, R² ${metrics.r2} (${metrics.rows} rows)`
  return `training: ${score(report.train)}; held out: ${score(report.test)}`
}

/**
 * Publishes a freshly trained version as the gateway's next version number, by `portcullis models
 * push`. A new model gets its model.yaml (features, labels, metrics) too; an existing model keeps
 * the one it has, since a trained card knows nothing of the roles, aliases and routing an operator
 * set there. The reference profile stays local: the admin API takes none, so store it with
 * `portcullis models profile` where the repository lives.
 */
async function publish(report: TrainCsvReport, out: string, url: string, token: string): Promise<number> {
  const version = await nextVersion(url, token, report.model)
  if (typeof version === 'string') {
    console.error(`portcullis: ${version}`)
    return 1
  }
  const args = ['push', '--url', url, '--token', token, '--model', report.model, '--version', String(version), '--file', join(report.dir, 'model.onnx')]
  return modelsSupplyCommand(version === 1 ? [...args, '--metadata', join(out, report.model, 'model.yaml')] : args)
}

/** One past the highest version the gateway lists for the model (1 for a new model), or why it cannot be told. */
async function nextVersion(url: string, token: string, model: string): Promise<number | string> {
  const response = await fetch(`${url.replace(/\/+$/, '')}/api/v1/models/${encodeURIComponent(model)}`, { headers: { Authorization: `Bearer ${token}` } })
  if (response.status === 404) return 1
  if (!response.ok) return `the gateway answered ${response.status} when asked for model "${model}"`
  const body = (await response.json()) as { versions?: { version: string }[] }
  return Math.max(0, ...(body.versions ?? []).map((entry) => Number(entry.version))) + 1
}
