import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { readFileSync } from 'node:fs'
import type Koa from 'koa'
import type { Config } from '../config/schema.js'
import { ConfigError } from '../config/config-error.js'
import { limitConnections } from './budgets/connection-budget.js'
import { answerClientErrors } from './client-error.js'
import { deferContinue } from './expect-continue.js'
import { responseWithHeaderBlock } from './header-block.js'
import { securityHeaderBlock } from './middleware/security-headers.js'
import type { AppState } from './state.js'

/**
 * Wraps the app in an HTTP(S) server with the timeouts that cut off slow clients: a client that
 * has not sent its whole header block in headersTimeoutMs, or its whole request in
 * requestTimeoutMs, gets 408 and a closed socket (slow loris). Connections are bounded in all and
 * per address (budgets.*), node's own error answers carry the contract's headers, and a client
 * that expects `100 Continue` hears it only once the app reads its body.
 */
export function createServer(app: Koa<AppState>, config: Readonly<Config>): Server {
  const handler = app.callback()
  const { server: settings } = config
  if (settings.headersTimeoutMs > settings.requestTimeoutMs) {
    throw new ConfigError('server.headersTimeoutMs', 'must not be longer than server.requestTimeoutMs')
  }
  const { tls } = settings
  const fixedHeaders = securityHeaderBlock({ hsts: tls !== undefined })
  const options: ServerOptions = {
    // Every response head carries the security headers as one block rendered at start.
    ServerResponse: responseWithHeaderBlock(fixedHeaders),
    headersTimeout: settings.headersTimeoutMs,
    requestTimeout: settings.requestTimeoutMs,
    keepAliveTimeout: settings.keepAliveTimeoutMs,
    // Node checks those timeouts on this interval (30 s by default), so it bounds how late a slow client is cut off.
    connectionsCheckingInterval: Math.min(1_000, settings.headersTimeoutMs),
  }
  const server =
    tls === undefined
      ? createHttpServer(options, handler)
      : createHttpsServer({ ...options, cert: readTlsFile(tls.certFile, 'server.tls.certFile'), key: readTlsFile(tls.keyFile, 'server.tls.keyFile') }, handler)
  limitConnections(server, {
    maxConnections: config.budgets.maxConnections,
    // Behind a trusted proxy every connection comes from the proxy: the edge bounds its clients there.
    maxConnectionsPerAddress: settings.trustProxy === false ? config.budgets.maxConnectionsPerAddress : undefined,
  })
  answerClientErrors(server, fixedHeaders)
  server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => {
    deferContinue(request)
    void handler(request, response)
  })
  return server
}

function readTlsFile(path: string, keyPath: string): Buffer {
  try {
    return readFileSync(path)
  } catch (err) {
    throw new ConfigError(keyPath, `cannot read ${path}`, { cause: err })
  }
}

/** Listens and resolves with the bound port. */
export function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      const address = server.address()
      resolve(typeof address === 'object' && address !== null ? address.port : port)
    })
  })
}
