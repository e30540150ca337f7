import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { startServer, type TestServer } from '../helpers/server.js'
import { PrivateBroker } from './private-broker.js'
import { streamEntry, uniqueName } from './support.js'

/** One series of the gateway's /metrics for `stream`, or undefined while it is absent. */
async function streamSeries(server: TestServer, metric: string, stream: string): Promise<number | undefined> {
  const text = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${server.token(['admin'])}` } })).text()
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${metric}{stream="${stream}"}`))
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1))
}

async function waitForSeries(server: TestServer, metric: string, stream: string, value: number): Promise<void> {
  const deadline = Date.now() + 60_000
  while ((await streamSeries(server, metric, stream)) !== value) {
    if (Date.now() > deadline) throw new Error(`${metric} of ${stream} did not reach ${value}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('an MQTT broker that comes back without the input session', { timeout: 120_000 }, () => {
  const cleanups: (() => Promise<void>)[] = []
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
  })

  it('is counted and logged, since what it held for the stream is gone; a broker that kept it is not', async () => {
    const forgetful = await PrivateBroker.start('mqtt', { persistence: false })
    const keeping = await PrivateBroker.start('mqtt')
    const lost = streamEntry(uniqueName('forgetful'), 'mqtt', forgetful.url)
    const kept = streamEntry(uniqueName('keeping'), 'mqtt', keeping.url)
    const server = await startServer({ config: { streams: [lost, kept] } })
    cleanups.push(async () => {
      await server.close()
      await forgetful.close()
      await keeping.close()
    })
    for (const entry of [lost, kept]) await waitForSeries(server, 'portcullis_stream_up', entry.name as string, 1)
    for (const broker of [forgetful, keeping]) {
      await broker.stop()
      await broker.restart()
    }
    for (const entry of [lost, kept]) await waitForSeries(server, 'portcullis_stream_up', entry.name as string, 1)
    await waitForSeries(server, 'portcullis_stream_sessions_lost_total', lost.name as string, 1)
    assert.equal(await streamSeries(server, 'portcullis_stream_sessions_lost_total', kept.name as string), 0)
  })
})
