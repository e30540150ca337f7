import { spawn, type ChildProcess } from 'node:child_process'
import { connect as connectTcp } from 'node:net'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './support.js'

/** A broker of the test's own (Mosquitto or nats-server) on a free port, with its state on disk, so it can be restarted. */
export class PrivateBroker {
  #child: ChildProcess | undefined
  readonly #dir = mkdtempSync(join(tmpdir(), 'portcullis-broker-'))

  private constructor(
    readonly kind: 'mqtt' | 'nats',
    readonly port: number,
  ) {}

  static async start(kind: 'mqtt' | 'nats'): Promise<PrivateBroker> {
    const broker = new PrivateBroker(kind, await freePort())
    await broker.restart()
    return broker
  }

  get url(): string {
    return `${this.kind}://127.0.0.1:${this.port}`
  }

  /** Starts (again) on the same port and state, and resolves once it accepts connections; a no-op while it runs. */
  async restart(): Promise<void> {
    // A second broker on the port would fail to bind while the first kept running unseen by stop().
    if (this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null) return
    if (this.kind === 'mqtt') {
      const config = join(this.#dir, 'mosquitto.conf')
      writeFileSync(config, `listener ${this.port} 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location ${this.#dir}/\n`)
      this.#child = spawn('mosquitto', ['-c', config], { stdio: 'ignore' })
    } else {
      this.#child = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.#dir], { stdio: 'ignore' })
    }
    const deadline = Date.now() + 20_000
    while (!(await accepts(this.port))) {
      if (Date.now() > deadline) throw new Error(`${this.kind} broker did not start on ${this.port}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  /** Stops it the way an operator would (SIGTERM; Mosquitto writes its persistence file). */
  async stop(): Promise<void> {
    const child = this.#child
    if (child === undefined || child.exitCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  }

  async close(): Promise<void> {
    await this.stop()
    rmSync(this.#dir, { recursive: true, force: true })
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}
