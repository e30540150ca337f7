import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { TEST_SECRET } from '../helpers/server.js'

/** `portcullis stream` as a child process, started and restarted on the same config. */
export class StreamProcess {
  #child: ChildProcessWithoutNullStreams | undefined
  #out = ''
  readonly #dir: string
  readonly #configPath: string

  constructor(
    config: Record<string, unknown>,
    private readonly modelsDir: string,
  ) {
    this.#dir = mkdtempSync(join(tmpdir(), 'portcullis-stream-'))
    this.#configPath = join(this.#dir, 'streams.yaml')
    writeFileSync(this.#configPath, stringify(config))
  }

  /** Starts the child and resolves once its stream takes messages. */
  async start(): Promise<void> {
    this.#out = ''
    const env = { PATH: process.env.PATH ?? '', APP_ENV: 'test', LOG_LEVEL: 'info', JWT_SECRET: TEST_SECRET, MODELS_DIR: this.modelsDir, CONFIG_PATH: this.#configPath }
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'stream'], { env })
    this.#child = child
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (this.#out += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (this.#out += chunk))
    const deadline = Date.now() + 60_000
    while (!this.#out.includes('"message":"stream broker up"')) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`portcullis stream did not start:\n${this.#out}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  /** The port of its metrics listener, read from its log. */
  metricsPort(): number {
    const match = /"message":"metrics listening"[^\n]*"port":(\d+)|"port":(\d+)[^\n]*"message":"metrics listening"/.exec(this.#out)
    return Number(match?.[1] ?? match?.[2])
  }

  output(): string {
    return this.#out
  }

  /** Sends a signal and resolves with the exit code once the child is gone. */
  async kill(signal: NodeJS.Signals): Promise<number | null> {
    const child = this.#child
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    child.kill(signal)
    return exited
  }

  async close(): Promise<void> {
    await this.kill('SIGKILL')
    rmSync(this.#dir, { recursive: true, force: true })
  }
}
