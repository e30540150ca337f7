// What the test suite needs from the machine beyond node_modules: Chromium for the browser tests,
// and the local Redis, Mosquitto and NATS (JetStream) servers the security, fleet and stream tests
// talk to. Each is provisioned when it is missing and can be (Debian's chromium as root; a
// service started with the same command the machine image uses); otherwise one line says what is
// missing and how to get it, and the run stops before any test starts.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { connect } from 'node:net'

export const CHROMIUM = '/usr/bin/chromium'

const SERVICES = [
  {
    name: 'Redis',
    port: 6379,
    command: 'redis-server',
    args: ['--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', '6379', '--save', '', '--appendonly', 'no', '--dir', '/tmp'],
  },
  { name: 'Mosquitto', port: 1883, command: 'mosquitto', args: ['-d', '-c', '/etc/mosquitto/mosquitto.conf'] },
  {
    name: 'NATS',
    port: 4222,
    command: 'start-stop-daemon',
    needs: '/usr/sbin/nats-server',
    args: [
      '--start',
      '--oknodo',
      '--background',
      '--exec',
      '/usr/sbin/nats-server',
      '--',
      '-a',
      '127.0.0.1',
      '-p',
      '4222',
      '-js',
      '-sd',
      '/var/lib/nats-server',
      '-l',
      '/var/log/nats-server.log',
    ],
    before: () => mkdirSync('/var/lib/nats-server', { recursive: true }),
  },
]

/** Makes sure everything the suite needs is there; returns a one-line reason per thing that is not. */
export async function provision(log = (line) => console.log(line)) {
  const missing = []
  const chromium = provisionChromium(log)
  if (chromium !== undefined) missing.push(chromium)
  for (const service of SERVICES) {
    const reason = await provisionService(service, log)
    if (reason !== undefined) missing.push(reason)
  }
  return missing
}

function provisionChromium(log) {
  if (existsSync(CHROMIUM)) return undefined
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0
  if (!asRoot || !onPath('apt-get')) return `Chromium is missing for the browser tests: install Debian's package (sudo apt-get install chromium) so that ${CHROMIUM} exists`
  log('test prerequisites: installing Chromium from Debian for the browser tests (apt-get install chromium)')
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  // Another apt run (an unattended upgrade, a second test run) may hold the dpkg lock: wait for it.
  const wait = ['-o', 'DPkg::Lock::Timeout=300']
  const update = spawnSync('apt-get', [...wait, 'update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env })
  const install = update.status === 0 ? spawnSync('apt-get', [...wait, 'install', '-y', '-qq', 'chromium'], { stdio: ['ignore', 'ignore', 'inherit'], env }) : update
  return install.status === 0 && existsSync(CHROMIUM) ? undefined : 'Chromium is missing and `apt-get install chromium` failed; install it by hand'
}

async function provisionService(service, log) {
  if (await listening(service.port)) return undefined
  if (!onPath(service.command) || (service.needs !== undefined && !existsSync(service.needs))) {
    return `${service.name} is not listening on 127.0.0.1:${service.port} and ${service.needs ?? service.command} is not installed`
  }
  log(`test prerequisites: starting ${service.name} on 127.0.0.1:${service.port}`)
  service.before?.()
  spawnSync(service.command, service.args, { stdio: 'ignore' })
  for (let attempt = 0; attempt < 50; attempt += 1) {
    if (await listening(service.port)) return undefined
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return `${service.name} is not listening on 127.0.0.1:${service.port}, and \`${service.command}\` did not start it`
}

function listening(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

function onPath(command) {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' })
    return true
  } catch {
    // `command -v` exits non-zero exactly when the command is not found.
    return false
  }
}
