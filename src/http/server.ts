import { createServer as createHttpServer, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { readFileSync } from 'node:fs'
import type Koa from 'koa'
import type { Config } from '../config/schema.js'
import type { AppState } from './state.js'

/** Wraps the app in an HTTP(S) server with the timeouts that cut off slow clients. */
export function createServer(app: Koa<AppState>, config: Readonly<Config>): Server {
  const handler = app.callback()
  const { tls } = config.server
  const server = tls === undefined
    ? createHttpServer(handler)
    : createHttpsServer({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }, handler)
  server.headersTimeout = config.server.headersTimeoutMs
  server.requestTimeout = config.server.requestTimeoutMs
  server.keepAliveTimeout = config.server.keepAliveTimeoutMs
  return server
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
