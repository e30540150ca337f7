import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { loadIris } from '../../src/demo/iris.js'
import { demoModelsDir } from '../helpers/demo-models.js'
import { StreamProcess } from './gateway-process.js'
import { dropMqttSession, jetStreamNames, MQTT_URL, MqttProbe, NATS_URL, NatsProbe, publishPaced, streamEntry, uniqueName, type Collector } from './support.js'

const MESSAGES = 2000
const HALF = MESSAGES / 2
// Messages published at once, right before the kill and again while no gateway runs.
const BURST = 200
// Messages published ahead of the answers while paced.
const WINDOW = 300
const rows = loadIris().features.map((row) => [...row])

describe('portcullis stream killed with SIGKILL half way and restarted loses no message', { timeout: 600_000 }, () => {
  const cleanups: (() => Promise<void>)[] = []
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
  })

  for (const kind of ['mqtt', 'nats'] as const) {
    it(`${kind}: every id has an output; redeliveries are counted`, async () => {
      const name = uniqueName(`crash-${kind}`)
      const entry = streamEntry(name, kind, kind === 'mqtt' ? MQTT_URL : NATS_URL)
      const probe: MqttProbe | NatsProbe =
        kind === 'mqtt' ? await MqttProbe.open(MQTT_URL, entry.output, entry.deadLetter) : await NatsProbe.open(NATS_URL, entry.output, entry.deadLetter)
      const gateway = new StreamProcess({ streams: [entry], metrics: { port: 0 } }, await demoModelsDir())
      cleanups.push(async () => {
        await gateway.close()
        if (probe instanceof NatsProbe) await probe.deleteStreams(jetStreamNames(name))
        await probe.close()
        if (kind === 'mqtt') await dropMqttSession(MQTT_URL, `portcullis-${name}`)
      })
      await gateway.start()
      const collector: Collector = probe
      const publish = (index: number): Promise<void> => probe.publish(entry.input, { id: `m${index}`, inputs: [rows[index % rows.length]] })
      // The first half at the gateway's pace, then a burst published all at once, faster than it
      // scores: when the kill comes, the broker holds messages it has sent but not had
      // acknowledged, which must come back as redeliveries. (Paced to the end, or published one
      // by one, the kill found nothing in flight in one run of three.)
      await publishPaced(HALF, WINDOW, collector, publish)
      await Promise.all(Array.from({ length: BURST }, (_, offset) => publish(HALF + offset)))
      assert.equal(await gateway.kill('SIGKILL'), null, 'killed, not exited')
      const atKill = collector.outputs.size
      // More arrive while no gateway runs: the broker keeps them for the session or the consumer.
      for (let index = HALF + BURST; index < HALF + 2 * BURST; index += 1) await publish(index)
      await gateway.start()
      await publishPaced(MESSAGES, WINDOW, collector, publish, HALF + 2 * BURST)
      // JetStream redelivers what the killed consumer held once its ack wait (30 s) passes.
      await collector.waitFor(() => collector.outputs.size >= MESSAGES, `all ${MESSAGES} outputs`, 300_000)
      const missing = Array.from({ length: MESSAGES }, (_, index) => `m${index}`).filter((id) => !collector.outputs.has(id))
      assert.deepEqual(missing, [], 'every id has an output')
      assert.ok(atKill < MESSAGES, 'the kill came before the end')
      const metrics = await (await fetch(`http://127.0.0.1:${gateway.metricsPort()}/metrics`)).text()
      const redelivered = Number(new RegExp(`portcullis_stream_redelivered_total\\{stream="${name}"\\} (\\d+)`).exec(metrics)?.[1])
      assert.ok(redelivered >= 1, `the restarted gateway counted redeliveries (${redelivered}; duplicates seen: ${collector.duplicates})`)
      assert.equal(await gateway.kill('SIGTERM'), 0, 'a SIGTERM ends it cleanly')
    })
  }
})
