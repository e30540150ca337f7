// What the test suite needs from the machine beyond node_modules: Chromium for the browser tests,
// promtool for the alert rule tests, and the local Redis, Mosquitto and NATS (JetStream) servers
// the security, fleet and stream tests talk to. Each is provisioned when it is missing and can be
// (Debian's chromium and prometheus packages as root; a service started with the same command
// the machine image uses); otherwise one line says what is missing and how to get it, and the
// run stops before any test starts.
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

/** Debian packages the suite runs programs of: each by the file it needs and what it is for. */
const DEBIAN_TOOLS = [
  { path: CHROMIUM, pkg: 'chromium', purpose: 'Chromium for the browser tests' },
  { path: '/usr/bin/promtool', pkg: 'prometheus', purpose: 'promtool for the alert rule tests' },
]

/** Makes sure everything the suite needs is there; returns a one-line reason per thing that is not. */
export async function provision(log = (line) => console.log(line)) {
  const missing = provisionDebianTools(log)
  for (const service of SERVICES) {
    const reason = await provisionService(service, log)
    if (reason !== undefined) missing.push(reason)
  }
  return missing
}

/** Installs the missing Debian tools in one apt-get run (as root); a reason per tool still missing. */
function provisionDebianTools(log) {
  const absent = DEBIAN_TOOLS.filter((tool) => !existsSync(tool.path))
  if (absent.length === 0) return []
  const packages = absent.map((tool) => tool.pkg)
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0
  if (!asRoot || !onPath('apt-get')) {
    return absent.map((tool) => `${tool.purpose} is missing: install Debian's package (sudo apt-get install ${tool.pkg}) so that ${tool.path} exists`)
  }
  log(`test prerequisites: installing ${absent.map((tool) => tool.purpose).join(' and ')} from Debian (apt-get install ${packages.join(' ')})`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  // Another apt run (an unattended upgrade, a second test run) may hold the dpkg lock: wait for it.
  const wait = ['-o', 'DPkg::Lock::Timeout=300']
  const update = spawnSync('apt-get', [...wait, 'update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env })
  if (update.status === 0) spawnSync('apt-get', [...wait, 'install', '-y', '-qq', ...packages], { stdio: ['ignore', 'ignore', 'inherit'], env })
  return absent.filter((tool) => !existsSync(tool.path)).map((tool) => `${tool.purpose} is missing and \`apt-get install ${tool.pkg}\` failed; install it by hand`)
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
