import { existsSync, statSync } from 'node:fs'
import { parseArgs } from 'node:util'
import type { Config } from '../config/schema.js'
import { formatOf, type FileFormat } from '../files/format.js'
import { openLocalScorer } from '../files/local-scorer.js'
import { UsageError, type ModelScorer } from '../files/model-scorer.js'
import { ReaderThread } from '../files/reader-thread/reader-thread.js'
import { openRemoteScorer } from '../files/remote-scorer.js'
import { scoreFile, type RunProgress } from '../files/score-file.js'
import { createLogger } from '../observability/logger.js'
import { progressView } from './score-progress.js'

/** Usage of `portcullis score`, printed on bad usage. */
const SCORE_USAGE = `usage: portcullis score --model NAME [--version V] --input FILE --output FILE [--rejects FILE]
                       [--format csv|jsonl|parquet] [--url URL --token T] [--batch-rows N]`

/** The parsed flags of one run. */
interface ScoreArgs {
  model: string
  version?: string
  input: string
  output: string
  rejects: string
  inputFormat: FileFormat
  outputFormat: FileFormat
  batchRows: number
  remote?: { url: string; token: string }
}

/**
 * `portcullis score`: scores a CSV, JSON Lines or Parquet file into another, loading the model
 * itself or, with --url and a token, through a running gateway. Exit 0 when every row scored,
 * 1 when some were rejected (listed in the rejects file), 2 for bad usage.
 */
export async function scoreCommand(config: Readonly<Config>, argv: string[]): Promise<number> {
  let args: ScoreArgs
  let scorer: ModelScorer
  let readerThread: ReaderThread | undefined
  try {
    args = parseScoreArgs(argv, config.limits.maxRows)
    // A text file is parsed on a reader thread, started now so that it is up once the model has
    // loaded. Parquet decoding gained nothing there and cost about 30 MiB, so it stays here.
    readerThread = args.inputFormat === 'parquet' ? undefined : new ReaderThread()
    const logger = createLogger({ level: 'warn', stream: process.stderr })
    const { model, version, batchRows } = args
    const target = { model, ...(version === undefined ? {} : { version }) }
    scorer = args.remote === undefined ? await openLocalScorer(config, { ...target, batchRows, logger }) : await openRemoteScorer({ ...args.remote, ...target })
  } catch (err) {
    await readerThread?.close()
    if (!(err instanceof UsageError)) throw err
    console.error(`portcullis score: ${err.message}\n\n${SCORE_USAGE}`)
    return 2
  }
  const view = progressView()
  const started = process.hrtime.bigint()
  let last: RunProgress | undefined
  try {
    const summary = await scoreFile({ ...args, scorer, readerThread, onProgress: (progress) => view.update((last = progress)) }).catch((err: unknown) => {
      if (last !== undefined) view.stop(last)
      throw err
    })
    if (last !== undefined) view.stop(last)
    const seconds = Number(process.hrtime.bigint() - started) / 1e9
    const rate = Math.round((summary.scored + summary.rejected) / Math.max(seconds, 0.001))
    console.error(
      `scored ${summary.scored} rows, rejected ${summary.rejected}, in ${seconds.toFixed(1)} s (${rate} rows/s) → ${args.output}${summary.rejected > 0 ? `; rejects in ${args.rejects}` : ''}`,
    )
    return summary.rejected > 0 ? 1 : 0
  } catch (err) {
    // A run that cannot go on (a gateway that refuses the token or is gone, a file that cannot
    // be written or is not what its format says) ends with its reason, not a stack trace.
    if (!(err instanceof Error)) throw err
    console.error(`portcullis score: ${err.message}`)
    return 2
  } finally {
    await readerThread?.close()
    await scorer.close()
  }
}

function parseScoreArgs(argv: string[], maxRows: number): ScoreArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      version: { type: 'string' },
      input: { type: 'string' },
      output: { type: 'string' },
      rejects: { type: 'string' },
      format: { type: 'string' },
      url: { type: 'string' },
      token: { type: 'string' },
      'batch-rows': { type: 'string' },
    },
  })
  const { model, input, output, format } = values
  if (model === undefined || input === undefined || output === undefined) throw new UsageError('--model, --input and --output are required')
  if (!existsSync(input) || !statSync(input).isFile()) throw new UsageError(`input file ${input} not found`)
  const inputFormat = formatOf(input, format)
  const outputFormat = formatOf(output, format)
  if (inputFormat === undefined || outputFormat === undefined) {
    throw new UsageError(format === undefined ? 'cannot tell the format from the file extension (.csv, .jsonl, .ndjson, .parquet); pass --format' : `unknown format "${format}"`)
  }
  const batchRows = Number(values['batch-rows'] ?? maxRows)
  if (!Number.isInteger(batchRows) || batchRows < 1) throw new UsageError(`--batch-rows must be a positive integer, got ${values['batch-rows'] ?? ''}`)
  // The token may come from the environment, to keep it out of shell history and process lists.
  const token = values.token ?? process.env.PORTCULLIS_TOKEN
  if (values.url !== undefined && (token === undefined || token === '')) throw new UsageError('--url needs --token (or PORTCULLIS_TOKEN)')
  return {
    model,
    input,
    output,
    inputFormat,
    outputFormat,
    batchRows,
    rejects: values.rejects ?? `${output}.rejects.jsonl`,
    ...(values.version === undefined ? {} : { version: values.version }),
    ...(values.url === undefined || token === undefined ? {} : { remote: { url: values.url, token } }),
  }
}
