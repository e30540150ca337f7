import type { Server } from 'node:net'

/** Options of limitConnections (budgets.*). */
export interface ConnectionBudgetOptions {
  /** Open connections in all. */
  maxConnections: number
  /** Open connections from one peer address; undefined applies no per-address bound. */
  maxConnectionsPerAddress?: number
}

/**
 * Bounds open connections, in all (node's server.maxConnections) and per peer address, as
 * Envoy's connection_limit filter and nginx's limit_conn do: a connection past a bound is closed
 * at accept, before a byte of it is parsed, so one address cannot hold the sockets and memory
 * that other clients need. Counted by the socket's peer, so behind a proxy the proxy bounds it.
 */
export function limitConnections(server: Server, options: ConnectionBudgetOptions): void {
  server.maxConnections = options.maxConnections
  const perAddress = options.maxConnectionsPerAddress
  if (perAddress === undefined) return
  const open = new Map<string, number>()
  server.on('connection', (socket) => {
    const address = socket.remoteAddress ?? ''
    const count = open.get(address) ?? 0
    if (count >= perAddress) {
      socket.destroy()
      return
    }
    open.set(address, count + 1)
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1
      if (left === 0) open.delete(address)
      else open.set(address, left)
    })
  })
}
