import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { stringify } from 'yaml'
import { TEST_SECRET } from '../../helpers/server.js'

/** A `portcullis serve` child process on a random port. */
export interface Gateway {
  url: string
  /** The gateway's process id, for reading its memory from /proc. */
  pid: number
  /** Every JSON log line the process has written so far, parsed. */
  logs: LogEntry[]
  /** The open metrics listener's URL, when `metrics.port` is configured. */
  metricsUrl(): string | undefined
  stop(): Promise<void>
}

/** One JSON log line of the gateway. */
export type LogEntry = Record<string, unknown> & { message?: string }

/** Options of spawnGateway. */
export interface GatewayOptions {
  modelsDir: string
  /** YAML merged last, as CONFIG_PATH. */
  config?: Record<string, unknown>
  env?: Record<string, string>
}

/** Starts the real CLI as its own process and resolves once it listens and its models are ready. */
export async function spawnGateway(options: GatewayOptions): Promise<Gateway> {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-gateway-'))
  const configPath = join(dir, 'extra.yaml')
  writeFileSync(configPath, stringify(options.config ?? {}))
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    env: {
      PATH: process.env.PATH ?? '',
      APP_ENV: 'test',
      LOG_LEVEL: 'info',
      PORT: '0',
      JWT_SECRET: TEST_SECRET,
      MODELS_DIR: options.modelsDir,
      CONFIG_PATH: configPath,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const stop = async (): Promise<void> => {
    await terminate(child)
    rmSync(dir, { recursive: true, force: true })
  }
  const logs = collectLogs(child)
  try {
    const port = await listeningPort(child)
    const url = `http://127.0.0.1:${port}`
    await waitUntilReady(url)
    const metricsUrl = (): string | undefined => {
      const port = logs.find((entry) => entry.message === 'metrics listening')?.port
      return typeof port === 'number' ? `http://127.0.0.1:${port}` : undefined
    }
    return { url, pid: child.pid ?? 0, logs, metricsUrl, stop }
  } catch (err) {
    await stop()
    throw err
  }
}

function collectLogs(child: ChildProcess): LogEntry[] {
  const logs: LogEntry[] = []
  if (child.stdout === null) return logs
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.startsWith('{')) logs.push(JSON.parse(line) as LogEntry)
  })
  return logs
}

function listeningPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    if (child.stdout === null) return reject(new Error('no stdout'))
    const lines = createInterface({ input: child.stdout })
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code} before listening`)))
    lines.on('line', (line) => {
      if (!line.startsWith('{')) return
      const entry = JSON.parse(line) as { message?: string; port?: number }
      if (entry.message === 'listening' && typeof entry.port === 'number') resolve(entry.port)
    })
  })
}

// Polls /readyz a bounded number of times: models load after the port opens.
async function waitUntilReady(url: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if ((await fetch(`${url}/readyz`)).status === 200) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`${url} never became ready`)
}

function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}
