import { readFileSync } from 'node:fs'
import type { StreamConfig } from '../config/schema.js'
import { ConfigError } from '../config/config-error.js'

/** A broker's username and password, with the password read from its file when so configured. */
export interface BrokerCredentials {
  username?: string
  password?: string
}

/** TLS material for a broker connection, read from the configured files. */
export interface BrokerTls {
  ca?: Buffer
  cert?: Buffer
  key?: Buffer
  rejectUnauthorized: boolean
}

/** The credentials of a stream's broker; a missing password file is a configuration error. */
export function brokerCredentials(stream: StreamConfig): BrokerCredentials {
  const credentials = stream.broker.credentials
  if (credentials === undefined) return {}
  const password = credentials.passwordFile === undefined ? credentials.password : readSecret(stream, 'credentials.passwordFile', credentials.passwordFile).toString('utf8').trim()
  return { username: credentials.username, password }
}

/** The TLS options of a stream's broker, or undefined when none are configured. */
export function brokerTls(stream: StreamConfig): BrokerTls | undefined {
  const tls = stream.broker.tls
  if (tls === undefined) return undefined
  const read = (key: string, file: string | undefined) => (file === undefined ? undefined : readSecret(stream, `tls.${key}`, file))
  return { ca: read('caFile', tls.caFile), cert: read('certFile', tls.certFile), key: read('keyFile', tls.keyFile), rejectUnauthorized: tls.rejectUnauthorized }
}

function readSecret(stream: StreamConfig, key: string, file: string): Buffer {
  try {
    return readFileSync(file)
  } catch (err) {
    // The path is the operator's own config; the file's contents are never shown.
    const reason = err instanceof Error && 'code' in err ? String(err.code) : 'unreadable'
    throw new ConfigError(`streams.${stream.name}.broker.${key}`, `cannot read ${file} (${reason})`)
  }
}
