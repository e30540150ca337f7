import type { BrokerState } from './broker.js'

/** A stream's state, as /readyz shows it. */
export interface StreamStatus {
  name: string
  broker: 'mqtt' | 'nats'
  state: BrokerState
  /** When the state last changed (ISO 8601). */
  since: string
  reason?: string
  holdsReadiness: boolean
}

/** Where the health routes read the streams' states. */
export interface StreamStatusSource {
  statuses(): StreamStatus[]
}

/** The streams that hold readiness back: configured with `holdsReadiness` and not up. */
export function streamsHoldingReadiness(source: StreamStatusSource | undefined): StreamStatus[] {
  return source === undefined ? [] : source.statuses().filter((status) => status.holdsReadiness && status.state !== 'up')
}

/** `stream "a" is down`, `streams "a", "b" are down`. */
export function describeDown(statuses: StreamStatus[]): string {
  const quoted = statuses.map((status) => JSON.stringify(status.name)).join(', ')
  return statuses.length === 1 ? `stream ${quoted} is down` : `streams ${quoted} are down`
}
