import { join } from 'node:path'
import winston from 'winston'
import type { LoadedVersion } from '../models/loaded-version.js'
import type { Prediction } from '../predict/prediction.js'

/** One rotating JSON Lines writer per model. */
interface ModelLog {
  logger: winston.Logger
  /** The metadata the writer was made for; a model.yaml change makes a new one. */
  settings: NonNullable<LoadedVersion['metadata']['payloadLog']>
}

/**
 * The payload log of models that ask for one (model.yaml `payloadLog`): a sample of requests,
 * one JSON line per row with its inputs by feature name and its prediction, redacted fields
 * left out entirely. Files are `<dir>/<model>.jsonl`, rotated by size by winston's File transport.
 */
export class PayloadLog {
  readonly #logs = new Map<string, ModelLog>()

  constructor(
    private readonly dir: string,
    private readonly random: () => number = Math.random,
  ) {}

  /** Logs the rows of one request when the model has a payload log and the request is sampled. */
  record(version: LoadedVersion, rows: readonly (readonly number[])[], prediction: Prediction): void {
    const settings = version.metadata.payloadLog
    if (settings === undefined || this.random() >= settings.sampleRate) return
    const log = this.#log(version.model, settings)
    const hidden = new Set(settings.redact)
    const names = version.metadata.features?.map((feature) => feature.name) ?? rows[0]?.map((_, i) => `f${i}`) ?? []
    const time = new Date().toISOString()
    rows.forEach((row, i) => {
      const inputs: Record<string, number> = {}
      names.forEach((name, j) => {
        if (!hidden.has(name)) inputs[name] = row[j] ?? Number.NaN
      })
      const line: Record<string, unknown> = { time, model: version.model, version: version.version, inputs }
      if (!hidden.has('label')) line.label = prediction.predictions[i]
      if (!hidden.has('probabilities') && prediction.probabilities !== undefined) line.probabilities = prediction.probabilities[i]
      log.logger.info(JSON.stringify(line))
    })
  }

  /** Flushes and closes every file. */
  async close(): Promise<void> {
    const closing = [...this.#logs.values()].map(
      ({ logger }) =>
        new Promise<void>((done) => {
          logger.on('finish', () => done())
          logger.end()
        }),
    )
    this.#logs.clear()
    await Promise.all(closing)
  }

  #log(model: string, settings: ModelLog['settings']): ModelLog {
    const existing = this.#logs.get(model)
    if (existing !== undefined && JSON.stringify(existing.settings) === JSON.stringify(settings)) return existing
    existing?.logger.end()
    const logger = winston.createLogger({
      // The line is already JSON; the format writes it as it is, without level or metadata.
      format: winston.format.printf(({ message }) => String(message)),
      transports: [new winston.transports.File({ filename: join(this.dir, `${model}.jsonl`), maxsize: settings.maxBytes, maxFiles: settings.maxFiles, tailable: true })],
    })
    const log = { logger, settings }
    this.#logs.set(model, log)
    return log
  }
}
