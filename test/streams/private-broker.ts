import { spawn, type ChildProcess } from 'node:child_process'
import { connect as connectTcp } from 'node:net'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { freePort } from './support.js'

/** A broker of the test's own (Mosquitto or nats-server) on a free port, with its state on disk, so it can be restarted. */
export class PrivateBroker {
  #child: ChildProcess | undefined
  /** The end of what the broker printed, for the error when it fails. */
  #log = ''
  readonly #dir = mkdtempSync(join(tmpdir(), 'portcullis-broker-'))

  private constructor(
    readonly kind: 'mqtt' | 'nats',
    readonly port: number,
    /** Mosquitto only: false keeps sessions in memory, so a restart forgets them (a misconfigured broker). */
    readonly persistence: boolean,
  ) {}

  static async start(kind: 'mqtt' | 'nats', options: { persistence?: boolean } = {}): Promise<PrivateBroker> {
    const broker = new PrivateBroker(kind, await freePort(), options.persistence ?? true)
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
      writeFileSync(config, mosquittoConfig(this.port, this.persistence ? this.#dir : undefined))
      this.#child = this.#spawn('mosquitto', ['-c', config])
    } else {
      this.#child = this.#spawn('nats-server', ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.#dir])
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
    // Without its file Mosquitto restarts with no sessions, and every queued message is gone.
    if (this.kind === 'mqtt' && this.persistence && !existsSync(join(this.#dir, 'mosquitto.db'))) throw new Error(`mosquitto saved no mosquitto.db in ${this.#dir}:\n${this.#log}`)
  }

  async close(): Promise<void> {
    await this.stop().finally(() => rmSync(this.#dir, { recursive: true, force: true }))
  }

  #spawn(command: string, args: string[]): ChildProcess {
    this.#log = ''
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] })
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.#log = (this.#log + chunk).slice(-4096)))
    return child
  }
}

/**
 * Mosquitto keeps its sessions and their queued messages in `dir`/mosquitto.db. Started as root
 * it switches to the user `mosquitto` unless told otherwise, and that user cannot write the
 * test's private directory (mode 0700): `user` keeps it as whoever runs the test (ignored when
 * that is not root). Its default `max_queued_messages` (1000 per session) is kept: the test's
 * publisher keeps far fewer unanswered (publishPaced).
 */
function mosquittoConfig(port: number, dir: string | undefined): string {
  const persistence = dir === undefined ? ['persistence false'] : ['persistence true', `persistence_location ${dir}/`]
  return [`listener ${port} 127.0.0.1`, 'allow_anonymous true', `user ${userInfo().username}`, ...persistence, ''].join('\n')
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
