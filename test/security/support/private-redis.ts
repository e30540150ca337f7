import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { Redis } from 'ioredis'

/** A redis-server of one test alone, on a free port: it may be killed, restarted and listed whole. */
export interface PrivateRedis {
  url: string
  /** Starts the server (again) on the same port and resolves once it answers PING. */
  start(): Promise<void>
  /** Kills the server at once, as a crash would (SIGKILL). */
  kill(): Promise<void>
  /** Every key in the server. */
  keys(): Promise<string[]>
}

/** Starts `redis-server --port N --save '' --appendonly no` on a port that was free a moment ago. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort()
  const url = `redis://127.0.0.1:${port}`
  let child: ChildProcess | undefined
  const server: PrivateRedis = {
    url,
    async start() {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
      await untilPing(url)
    },
    async kill() {
      const running = child
      if (running === undefined || running.exitCode !== null || running.signalCode !== null) return
      await new Promise<void>((resolve) => {
        running.once('exit', () => resolve())
        running.kill('SIGKILL')
      })
    },
    async keys() {
      const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 })
      try {
        await client.connect()
        return await client.keys('*')
      } finally {
        client.disconnect()
      }
    },
  }
  await server.start()
  return server
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      probe.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

// Polls with a fresh connection a bounded number of times: redis-server needs a moment to bind.
async function untilPing(url: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    client.on('error', () => {}) // a refused connection is expected until the server is up
    try {
      await client.connect()
      if ((await client.ping()) === 'PONG') return
    } catch {
      // not listening yet: try again below
    } finally {
      client.disconnect()
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`${url} never answered PING`)
}
