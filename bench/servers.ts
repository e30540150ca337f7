import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { stringify } from 'yaml'
import type { ReferenceKind } from './report.js'

/** A server under test, running as its own process. */
export interface ServerProcess {
  name: string
  url: string
  pid: number
  /** Current and peak resident set size, bytes, from /proc. */
  rssBytes(): number
  peakRssBytes(): number
  /** User plus system CPU time the process has used, microseconds, from /proc. */
  cpuMicros(): number
  stop(): Promise<void>
}

/** `taskset -c CORE` when taskset exists and the machine has a core to spare. */
export function pinning(core: number | undefined): string[] {
  if (core === undefined) return []
  return hasTaskset() ? ['taskset', '-c', String(core)] : []
}

let tasksetFound: boolean | undefined
function hasTaskset(): boolean {
  tasksetFound ??= spawnSync('taskset', ['-c', '0', 'true']).status === 0
  return tasksetFound
}

/**
 * Compiles what the servers run, as production does (`npm run build` → dist/), and the baseline
 * the same way: tsx would wrap every closure in a naming helper and tilt the comparison.
 */
export function compileServers(): void {
  for (const project of ['tsconfig.build.json', join('bench', 'tsconfig.baseline.json')]) compileProject(project)
}

/** Compiles one TypeScript project (`tsconfig.build.json`: the gateway and its CLI into dist/). */
export function compileProject(project: string): void {
  const tsc = join('node_modules', 'typescript', 'bin', 'tsc')
  const result = spawnSync(process.execPath, [tsc, '-p', project], { stdio: 'inherit' })
  if (result.status !== 0) throw new Error(`tsc -p ${project} failed`)
}

/** Runs a command, pinned, and resolves with its stdout. */
export function runPinned(core: number | undefined, command: string[]): Promise<string> {
  const [file, ...args] = [...pinning(core), ...command] as [string, ...string[]]
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command.join(' ')} exited with ${code}`))))
  })
}

/** Options of a reference server: the bare baseline or the Koa floor. */
export interface BaselineOptions {
  name: string
  /**
   * `floor` runs bench/koa-floor-server.ts; `floor-headers` the same with the contract's headers
   * written as Portcullis writes them (one block per response head); `floor-headers-each` with
   * the same headers set one by one on each response.
   */
  server: ReferenceKind
  modelFile: string
  labels: readonly string[]
  secret: string
  core?: number
}

/** Starts a reference server (bench/baseline-server.ts or bench/koa-floor-server.ts) and waits for its port. */
export async function startBaseline(options: BaselineOptions): Promise<ServerProcess> {
  const floor = options.server.startsWith('floor')
  const script = join('bench-output', 'baseline', 'bench', floor ? 'koa-floor-server.js' : 'baseline-server.js')
  const args = [script, '--model', options.modelFile, '--labels', options.labels.join(',')]
  if (options.server === 'noauth') args.push('--no-auth')
  if (options.server === 'floor-headers') args.push('--headers', 'block')
  if (options.server === 'floor-headers-each') args.push('--headers', 'each')
  const child = launch(options.core, args, { JWT_SECRET: options.secret })
  const port = await new Promise<number>((resolve, reject) => {
    let out = ''
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk
      const match = /"port":(\d+)/.exec(out)
      if (match?.[1] !== undefined) resolve(Number(match[1]))
    })
    child.once('exit', (code) => reject(new Error(`${options.name} exited with ${code}`)))
  })
  return handle(options.name, child, `http://127.0.0.1:${port}`)
}

/** Options of a Portcullis server under test. */
export interface PortcullisOptions {
  name: string
  modelsDir: string
  secret: string
  /** Written as the CONFIG_PATH overlay. */
  overlay: Record<string, unknown>
  workDir: string
  core?: number
}

/** Starts `portcullis serve --workers 1` with the production overlay plus `overlay`, and waits until ready. */
export async function startPortcullis(options: PortcullisOptions): Promise<ServerProcess> {
  const port = await freePort()
  const configPath = join(options.workDir, `${options.name.replace(/\W+/g, '-')}.yaml`)
  writeFileSync(configPath, stringify(options.overlay))
  const child = launch(options.core, [join('dist', 'cli', 'main.js'), 'serve', '--workers', '1'], {
    APP_ENV: 'production',
    JWT_SECRET: options.secret,
    HOST: '127.0.0.1',
    PORT: String(port),
    MODELS_DIR: options.modelsDir,
    CONFIG_PATH: configPath,
  })
  const url = `http://127.0.0.1:${port}`
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`${options.name} exited with ${code}`))))
  await Promise.race([waitReady(url), exited])
  return handle(options.name, child, url)
}

function launch(core: number | undefined, args: string[], env: Record<string, string>): ChildProcess {
  const [file, ...rest] = [...pinning(core), process.execPath, ...args] as [string, ...string[]]
  return spawn(file, rest, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
}

function handle(name: string, child: ChildProcess, url: string): ServerProcess {
  const pid = child.pid ?? 0
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return {
    name,
    url,
    pid,
    rssBytes: () => procStatusBytes(pid, 'VmRSS'),
    peakRssBytes: () => procStatusBytes(pid, 'VmHWM'),
    cpuMicros: () => procCpuMicros(pid),
    async stop() {
      child.kill('SIGTERM')
      await exited
    },
  }
}

function procStatusBytes(pid: number, field: string): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match?.[1] === undefined ? NaN : Number(match[1]) * 1024
  } catch {
    return NaN
  }
}

// Fields 14 and 15 of /proc/PID/stat (proc(5)): utime and stime, in clock ticks of 1/100 s on Linux.
function procCpuMicros(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10_000
  } catch {
    return NaN
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      probe.close(() => resolve(port))
    })
  })
}

async function waitReady(url: string): Promise<void> {
  const deadline = Date.now() + 120_000
  while (Date.now() < deadline) {
    const response = await fetch(`${url}/readyz`).catch(() => undefined)
    if (response?.status === 200) return
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`${url} did not become ready`)
}
