import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Registry } from 'prom-client'
import type { Logger } from './logger.js'

/** Options of createMetricsServer. */
export interface MetricsServerOptions {
  registry: Registry
  /** The scrape text; the registry's own when unset (under --workers, every worker summed). */
  scrape?: () => Promise<string>
  logger: Logger
  headersTimeoutMs: number
  requestTimeoutMs: number
}

/**
 * The open metrics listener (`metrics.port`): GET or HEAD /metrics and nothing else, without a token,
 * as a Prometheus scrape target on an address kept off the public network.
 */
export function createMetricsServer(options: MetricsServerOptions): Server {
  const server = createServer((request, response) => {
    answer(options, request, response).catch((err: unknown) => {
      options.logger.error('metrics scrape failed', { reason: err instanceof Error ? err.message : String(err) })
      if (!response.headersSent) send(response, 500, 'text/plain; charset=utf-8', 'internal server error\n')
      else response.destroy()
    })
  })
  server.headersTimeout = options.headersTimeoutMs
  server.requestTimeout = options.requestTimeoutMs
  return server
}

async function answer({ registry, scrape }: MetricsServerOptions, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = (request.url ?? '').split('?', 1)[0]
  if (path !== '/metrics') {
    send(response, 404, 'text/plain; charset=utf-8', 'not found\n')
    return
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD')
    send(response, 405, 'text/plain; charset=utf-8', 'method not allowed\n')
    return
  }
  const text = await (scrape === undefined ? registry.metrics() : scrape())
  send(response, 200, registry.contentType, request.method === 'HEAD' ? undefined : text)
}

function send(response: ServerResponse, status: number, type: string, body: string | undefined): void {
  response.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' })
  response.end(body)
}
