/**
 * The load generator of bench/drift.ts, kept alive for the whole bench: the parent process (the
 * gateway) sends it one round at a time over IPC, `{path, seconds}`, and reads its own CPU time
 * around each, so it knows what every round cost the gateway. No process starts inside a round.
 *
 *   fork('bench/alternating-load.ts', [SPEC.json], { execArgv: ['--import', 'tsx'] })
 */
import { readFileSync } from 'node:fs'
import autocannon from 'autocannon'

/** The server and requests: the same bodies and headers, POSTed to whichever path a round names. */
export interface LoadTarget {
  url: string
  connections: number
  headers: Record<string, string>
  bodies: string[]
}

/** One round the parent asks for. */
export interface RoundRequest {
  path: string
  seconds: number
}

/** What one round measured. */
export interface RoundResult {
  requests: number
  seconds: number
  /** Responses that were not 2xx, and errors or timeouts. */
  failures: number
}

async function round(target: LoadTarget, request: RoundRequest): Promise<RoundResult> {
  const result = await autocannon({
    url: target.url,
    connections: target.connections,
    duration: request.seconds,
    requests: target.bodies.map((body) => ({ method: 'POST' as const, path: request.path, headers: target.headers, body })),
    timeout: 10,
  })
  return { requests: result.requests.total, seconds: result.duration, failures: result.non2xx + result.errors + result.timeouts }
}

const target = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as LoadTarget
process.on('message', (message: RoundRequest) => {
  void round(target, message).then((result) => process.send?.(result))
})
process.on('disconnect', () => process.exit(0))
