import winston from 'winston'

/** The service logger: winston, one JSON object per line. */
export type Logger = winston.Logger

/** Keys whose values never reach a log line (design.md, invariant 5). */
const REDACTED_KEYS = new Set(['authorization', 'token', 'secret', 'password', 'jwt', 'cookie', 'set-cookie'])

const redact = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (REDACTED_KEYS.has(key.toLowerCase())) info[key] = '[redacted]'
  }
  return info
})

/** Options of createLogger. */
export interface LoggerOptions {
  level: string
  /** Where lines go; stdout when omitted. */
  stream?: NodeJS.WritableStream
  silent?: boolean
}

/** Builds the JSON-lines logger with redaction of credential-bearing keys. */
export function createLogger(options: LoggerOptions): Logger {
  const transport = options.stream ? new winston.transports.Stream({ stream: options.stream }) : new winston.transports.Console()
  return winston.createLogger({
    level: options.level,
    silent: options.silent ?? false,
    format: winston.format.combine(redact(), winston.format.timestamp(), winston.format.json()),
    defaultMeta: { service: 'portcullis' },
    transports: [transport],
  })
}
