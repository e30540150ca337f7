import { parseArgs } from 'node:util'
import type { Config } from '../config/schema.js'
import { createLogger } from '../observability/logger.js'
import { startStreamWorker } from '../streams/worker.js'

/**
 * `portcullis stream`: runs the configured `streams:` without the HTTP listener, until SIGTERM or
 * SIGINT; then it stops taking messages, lets those in flight settle, and exits.
 */
export async function streamCommand(config: Readonly<Config>, argv: string[]): Promise<number> {
  parseArgs({ args: argv, options: {} })
  if (config.streams.length === 0) {
    console.error('portcullis: no streams are configured (add a `streams:` list to the config)')
    return 2
  }
  const logger = createLogger({ level: config.logging.level })
  const worker = await startStreamWorker(config, logger)
  await new Promise<void>((resolveSignal) => {
    const stop = (): void => {
      process.off('SIGTERM', stop)
      process.off('SIGINT', stop)
      resolveSignal()
    }
    process.on('SIGTERM', stop)
    process.on('SIGINT', stop)
  })
  logger.info('shutting down: settling in-flight messages')
  await worker.close()
  logger.info('streams stopped')
  return 0
}
