/**
 * `npm run bench -- --only streams`: messages per second end to end (publish → answer received)
 * through MQTT (Mosquitto) and NATS JetStream, for `portcullis stream` beside the broker's own
 * bare round trip measured the same way (bench/stream-echo.ts: same adapter and settling, no
 * model). Both run as child processes through tsx; the publisher and collector run here.
 *
 *   npm run bench -- --only streams [--messages 5000] [--brokers mqtt,nats]
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { stringify } from 'yaml'
import { buildDemoModels } from '../src/demo/build-demo.js'
import { loadIris } from '../src/demo/iris.js'
import { dropMqttSession, jetStreamNames, MQTT_URL, MqttProbe, NATS_URL, NatsProbe, streamEntry, uniqueName, type Collector } from '../test/streams/support.js'

const { values } = parseArgs({ options: { messages: { type: 'string', default: '5000' }, brokers: { type: 'string', default: 'mqtt,nats' } } })
const MESSAGES = Number(values.messages)
// Unanswered messages at most: Mosquitto queues 1000 per session by default (max_queued_messages).
const WINDOW = { mqtt: 500, nats: 2000 } as const
const rows = loadIris().features.map((row) => [...row])
const workDir = mkdtempSync(join(tmpdir(), 'portcullis-stream-bench-'))

type Kind = 'mqtt' | 'nats'
interface Row {
  broker: Kind
  bare: number
  portcullis: number
}

async function main(): Promise<void> {
  const modelsDir = join(workDir, 'models')
  await buildDemoModels(modelsDir)
  const results: Row[] = []
  for (const broker of values.brokers.split(',') as Kind[]) {
    const bare = await measure(broker, 'bare', modelsDir)
    const portcullis = await measure(broker, 'portcullis', modelsDir)
    results.push({ broker, bare, portcullis })
  }
  console.log(`\nStreams: ${MESSAGES} messages, publish → answer received (messages/s; target ≥ 0.5 of bare)\n`)
  console.log('| broker | bare round trip | portcullis | ratio | target |')
  console.log('| --- | ---: | ---: | ---: | --- |')
  for (const row of results) {
    const ratio = row.portcullis / row.bare
    console.log(`| ${row.broker} | ${row.bare.toFixed(0)} | ${row.portcullis.toFixed(0)} | ${ratio.toFixed(2)} | ${ratio >= 0.5 ? 'met' : 'NOT met'} |`)
  }
}

/** Messages per second through one child (echo or gateway), from the first publish to the last answer. */
async function measure(broker: Kind, what: 'bare' | 'portcullis', modelsDir: string): Promise<number> {
  const name = uniqueName(`bench-${what}`)
  const entry = streamEntry(name, broker, broker === 'mqtt' ? MQTT_URL : NATS_URL, { maxInFlight: 256 })
  const probe: MqttProbe | NatsProbe =
    broker === 'mqtt' ? await MqttProbe.open(MQTT_URL, entry.output, entry.deadLetter) : await NatsProbe.open(NATS_URL, entry.output, entry.deadLetter)
  const child = what === 'bare' ? spawnEcho(entry) : spawnGateway(entry, modelsDir)
  try {
    await waitForLine(child, what === 'bare' ? /^ready$/m : /"message":"stream broker up"/)
    const started = performance.now()
    const pending: Promise<void>[] = []
    for (let index = 0; index < MESSAGES; index += 1) {
      while (index - probe.settled >= WINDOW[broker]) await new Promise((resolve) => setTimeout(resolve, 1))
      pending.push(probe.publish(entry.input, { id: `m${index}`, inputs: [rows[index % rows.length]] }))
    }
    await Promise.all(pending)
    await (probe as Collector).waitFor(() => probe.settled >= MESSAGES, 'every answer', 600_000)
    const seconds = (performance.now() - started) / 1000
    if (probe.dead.size > 0) throw new Error(`${probe.dead.size} messages were dead-lettered`)
    return MESSAGES / seconds
  } finally {
    child.kill('SIGTERM')
    await new Promise((resolve) => child.once('exit', resolve))
    if (broker === 'nats' && probe instanceof NatsProbe) await probe.deleteStreams(jetStreamNames(name))
    await probe.close()
    if (broker === 'mqtt') await dropMqttSession(MQTT_URL, `portcullis-${name}`)
  }
}

function spawnEcho(entry: Record<string, unknown>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'bench/stream-echo.ts', JSON.stringify(entry)], { stdio: ['ignore', 'pipe', 'inherit'] })
}

function spawnGateway(entry: Record<string, unknown>, modelsDir: string): ChildProcess {
  const configPath = join(workDir, `${String(entry.name)}.yaml`)
  writeFileSync(configPath, stringify({ streams: [entry], cache: { enabled: false } }))
  const env = {
    PATH: process.env.PATH ?? '',
    APP_ENV: 'test',
    LOG_LEVEL: 'info',
    JWT_SECRET: 'bench-secret-0123456789abcdef0123456789abcdef',
    MODELS_DIR: modelsDir,
    CONFIG_PATH: configPath,
  }
  return spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'stream'], { env, stdio: ['ignore', 'pipe', 'inherit'] })
}

function waitForLine(child: ChildProcess, pattern: RegExp): Promise<void> {
  let out = ''
  return new Promise((resolve, reject) => {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk
      if (pattern.test(out)) resolve()
    })
    child.once('exit', (code) => reject(new Error(`child exited with ${code} before it was ready`)))
  })
}

try {
  await main()
} finally {
  rmSync(workDir, { recursive: true, force: true })
}
