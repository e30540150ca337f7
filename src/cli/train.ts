import { parseArgs } from 'node:util'
import { ALGORITHMS, type Algorithm } from '../training/tabular-trainer.js'
import { trainCsv } from '../training/train-csv.js'

const USAGE = 'usage: portcullis train --input CSV --target COLUMN --model NAME [--algorithm random-forest|logistic-regression] [--test-size 0.2] [--seed N] [--out DIR]'

function isAlgorithm(value: string): value is Algorithm {
  return (ALGORITHMS as readonly string[]).includes(value)
}

/** `portcullis train`: trains a classifier on a CSV and writes it as the model's next version. */
export async function trainCommand(argv: string[], defaultDir: string): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      input: { type: 'string' },
      target: { type: 'string' },
      model: { type: 'string' },
      algorithm: { type: 'string', default: 'random-forest' },
      'test-size': { type: 'string', default: '0.2' },
      seed: { type: 'string', default: '42' },
      out: { type: 'string', default: defaultDir },
      url: { type: 'string' },
      token: { type: 'string' },
    },
  })
  const { input, target, model, algorithm } = values
  const testSize = Number(values['test-size'])
  const seed = Number(values.seed)
  if (input === undefined || target === undefined || model === undefined || !isAlgorithm(algorithm) || !Number.isInteger(seed)) {
    console.error(USAGE)
    return 2
  }
  if (values.url !== undefined || values.token !== undefined) {
    // Publishing needs PUT /api/v1/admin/models/{name}/versions/{version}, which this gateway does not serve yet.
    console.error('portcullis: --url/--token publishing is not available; write with --out and copy the version directory')
    return 2
  }
  try {
    const report = await trainCsv({ input, target, model, algorithm, testSize, seed, out: values.out })
    console.log(`${report.model} version ${report.version}: ${report.dir}`)
    console.log(`accuracy: training ${report.train.accuracy.toFixed(4)} (${report.train.rows} rows), held out ${report.test.accuracy.toFixed(4)} (${report.test.rows} rows)`)
    return 0
  } catch (err) {
    // Bad data, a missing file or a model that will not run: one line, no stack (exit 1, as for a failed run).
    if (!(err instanceof Error)) throw err
    console.error(`portcullis: ${err.message}`)
    return 1
  }
}
