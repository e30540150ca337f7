import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { loadIris } from '../../src/demo/iris.js'
import { startServer, type TestServer } from '../helpers/server.js'
import { PrivateBroker } from './private-broker.js'
import { jetStreamNames, MqttProbe, NatsProbe, publishPaced, streamEntry, uniqueName, type Collector } from './support.js'

const MESSAGES = 1000
const rows = loadIris().features.map((row) => [...row])

describe('a broker restarted mid-stream: the stream recovers without losing messages', { timeout: 600_000 }, () => {
  const cleanups: (() => Promise<void>)[] = []
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
  })

  for (const kind of ['mqtt', 'nats'] as const) {
    it(`${kind}: readiness names the stream while it is down; every id has an output after`, async () => {
      const broker = await PrivateBroker.start(kind)
      const name = uniqueName(`restart-${kind}`)
      const entry = streamEntry(name, kind, broker.url, { holdsReadiness: true })
      const server = await startServer({ config: { streams: [entry] } })
      // MQTT: a persistent probe session, so answers published while it reconnects are kept for it.
      const probe: MqttProbe | NatsProbe =
        kind === 'mqtt' ? await MqttProbe.open(broker.url, entry.output, entry.deadLetter, uniqueName('probe')) : await NatsProbe.open(broker.url, entry.output, entry.deadLetter)
      let stopped = false
      cleanups.push(async () => {
        stopped = true
        await broker.restart().catch(() => undefined)
        await server.close()
        await probe.close()
        await broker.close()
      })
      await waitForReady(server, 200)
      const collector: Collector = probe
      const publishing = publishPaced(MESSAGES, 200, collector, (index) =>
        retry(
          () => stopped,
          () => probe.publish(entry.input, { id: `m${index}`, inputs: [rows[index % rows.length]] }),
        ),
      )
      await collector.waitFor(() => collector.outputs.size >= MESSAGES * 0.4, 'some outputs')
      await broker.stop()
      const down = await waitForReady(server, 503)
      assert.equal((JSON.parse(down.readyz) as { error: { message: string } }).error.message, `not ready: stream "${name}" is down`)
      assert.equal((JSON.parse(down.v2) as { error: string }).error, `not ready: stream "${name}" is down`)
      await broker.restart()
      await waitForReady(server, 200)
      await publishing
      if (probe instanceof NatsProbe) {
        // Answers published while the probe's own connection was away are read back from their stream.
        await collector.waitFor(() => collector.settled >= MESSAGES || collector.outputs.size > 0, 'answers after the restart')
        await waitForStored(probe, jetStreamNames(name)[1] ?? '', MESSAGES)
        await probe.readStored(jetStreamNames(name)[1] ?? '', entry.output)
      }
      await collector
        .waitFor(() => collector.outputs.size >= MESSAGES, `all ${MESSAGES} outputs`, Number(process.env.DIAG_WAIT ?? 300_000))
        .catch(async (err: unknown) => {
          const gone = Array.from({ length: MESSAGES }, (_, index) => `m${index}`).filter((id) => !collector.outputs.has(id))
          const text = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${server.token(['admin'])}` } })).text()
          process.stderr.write(
            `DIAG missing ${gone.join(',')}\n${text
              .split('\n')
              .filter((line) => line.startsWith('portcullis_stream'))
              .join('\n')}\n`,
          )
          throw err
        })
      const missing = Array.from({ length: MESSAGES }, (_, index) => `m${index}`).filter((id) => !collector.outputs.has(id))
      assert.deepEqual(missing, [])
      assert.equal(collector.dead.size, 0)
    })
  }
})

/** Polls /readyz until it answers `status`; returns both ready bodies then. */
async function waitForReady(server: TestServer, status: number): Promise<{ readyz: string; v2: string }> {
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    const readyz = await fetch(`${server.url}/readyz`)
    const v2 = await fetch(`${server.url}/v2/health/ready`)
    const bodies = { readyz: await readyz.text(), v2: await v2.text() }
    if (readyz.status === status && v2.status === status) return bodies
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`/readyz did not answer ${status}`)
}

/** A publish retried while the broker is away. */
async function retry(stopped: () => boolean, publish: () => Promise<void>): Promise<void> {
  while (!stopped()) {
    try {
      return await publish()
    } catch {
      // The broker is restarting; the message is sent again until it is confirmed.
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }
}

async function waitForStored(probe: NatsProbe, stream: string, count: number): Promise<void> {
  const { jetstreamManager } = await import('@nats-io/jetstream')
  const jsm = await jetstreamManager(probe.nc)
  const deadline = Date.now() + 300_000
  while ((await jsm.streams.info(stream)).state.messages < count) {
    if (Date.now() > deadline) throw new Error(`${stream} did not reach ${count} messages`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}
