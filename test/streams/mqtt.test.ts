import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { loadIris } from '../../src/demo/iris.js'
import { getJson, postJson, startServer, type TestServer } from '../helpers/server.js'
import { dropMqttSession, MQTT_URL, MqttProbe, publishPaced, streamEntry, uniqueName, type OutMessage } from './support.js'

interface HttpAnswer {
  model: string
  version: string
  predictions: unknown[]
  probabilities: number[][]
}

const MESSAGES = 10_000
const rows = loadIris().features.map((row) => [...row])

describe('MQTT streams against the real Mosquitto', { timeout: 600_000 }, () => {
  const flow = streamEntry(uniqueName('flow'), 'mqtt', MQTT_URL)
  const strict = streamEntry(uniqueName('strict'), 'mqtt', MQTT_URL, { requireToken: true, allowModelChoice: true, maxMessageBytes: 2048 })
  let server: TestServer
  let http: HttpAnswer

  before(async () => {
    server = await startServer({ config: { streams: [flow, strict] } })
    const response = await postJson(`${server.url}/api/v1/models/iris/predict`, { inputs: rows }, server.token(['user']))
    assert.equal(response.status, 200)
    http = (await response.json()) as HttpAnswer
    await waitForStreamsUp(server)
  })

  after(async () => {
    await server.close()
    for (const stream of [flow, strict]) await dropMqttSession(MQTT_URL, `portcullis-${String(stream.name)}`)
  })

  it(`scores ${MESSAGES} messages, each answer equal to the HTTP answer for its row`, async () => {
    const probe = await MqttProbe.open(MQTT_URL, flow.output, flow.deadLetter)
    try {
      await publishPaced(MESSAGES, 500, probe, (index) => {
        const row = rows[index % rows.length]
        // Every tenth message in the seed shape: {"model_name", "input"}.
        const message = index % 10 === 0 ? { id: `m${index}`, model_name: 'iris', input: row } : { id: `m${index}`, inputs: [row] }
        return probe.publish(flow.input, message)
      })
      await probe.waitFor(() => probe.outputs.size >= MESSAGES, `${MESSAGES} outputs`, 300_000)
      assert.equal(probe.dead.size, 0, 'no message went to the dead letter')
      for (let index = 0; index < MESSAGES; index += 1) {
        const out = probe.outputs.get(`m${index}`)
        assert.ok(out !== undefined, `an output for m${index}`)
        assertSameAsHttp(out, http, index % rows.length)
      }
    } finally {
      await probe.close()
    }
  })

  it('sends invalid messages to the dead letter with the right code while valid ones keep flowing', async () => {
    const probe = await MqttProbe.open(MQTT_URL, strict.output, strict.deadLetter)
    const user = server.token(['user'])
    const invalid: [string, unknown, string][] = [
      ['bad-json', '{"id": "bad-json", "inputs": [[5.1, 3.5', 'invalid_input'],
      ['short-row', { id: 'short-row', token: user, inputs: [[5.1, 3.5, 1.4]] }, 'invalid_input'],
      ['unknown-key', { id: 'unknown-key', token: user, inputs: [rows[0]], colour: 'red' }, 'invalid_input'],
      ['unknown-model', { id: 'unknown-model', token: user, model: 'no-such-model', inputs: [rows[0]] }, 'not_found'],
      ['refused-role', { id: 'refused-role', token: server.token(['metrics']), inputs: [rows[0]] }, 'insufficient_scope'],
      ['bad-token', { id: 'bad-token', token: `${user.slice(0, -4)}AAAA`, inputs: [rows[0]] }, 'invalid_token'],
      ['no-token', { id: 'no-token', inputs: [rows[0]] }, 'invalid_token'],
      ['oversized', { id: 'oversized', token: user, inputs: [rows[0]], pad: 'x'.repeat(4096) }, 'payload_too_large'],
    ]
    try {
      const valid = 200
      for (let index = 0; index < valid; index += 1) {
        const bad = invalid[index % 25 === 0 ? index / 25 : -1]
        if (bad !== undefined) await probe.publish(strict.input, bad[1])
        await probe.publish(strict.input, { id: `ok${index}`, token: user, inputs: [rows[index % rows.length]] })
      }
      await probe.waitFor(() => probe.outputs.size >= valid && probe.dead.size >= invalid.length, 'outputs and dead letters')
      for (let index = 0; index < valid; index += 1) assertSameAsHttp(probe.outputs.get(`ok${index}`), http, index % rows.length)
      const dead = [...probe.dead.values()]
      for (const [id, , code] of invalid) {
        // Unreadable messages get a generated id; they are found by their code and original.
        const letter = dead.find((entry) => entry.id === id) ?? dead.find((entry) => typeof entry.message === 'string' && entry.message.includes(`"${id}"`))
        assert.ok(letter !== undefined, `a dead letter for ${id}`)
        assert.equal(letter.error?.code, code, `${id}: ${JSON.stringify(letter.error)}`)
        assert.equal(typeof letter.error.message, 'string')
        assert.ok(Array.isArray(letter.error.details))
        assert.doesNotMatch(JSON.stringify(letter), /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\./, `${id}: no token in the dead letter`)
      }
      const oversized = dead.find((entry) => entry.error?.code === 'payload_too_large')
      assert.ok(typeof oversized?.message === 'string' && Buffer.byteLength(oversized.message) <= 2048, 'the original is truncated to the limit')
      const metrics = await (await getJson(`${server.url}/metrics`, server.token(['admin']))).text()
      assert.match(metrics, new RegExp(`portcullis_stream_dead_lettered_total\\{stream="${String(strict.name)}",code="invalid_token"\\} 2`))
      assert.match(metrics, new RegExp(`portcullis_stream_scored_total\\{stream="${String(strict.name)}"\\} ${valid}`))
    } finally {
      await probe.close()
    }
  })

  it('lists the streams on /readyz and /v2/health/ready', async () => {
    const ready = (await (await fetch(`${server.url}/readyz`)).json()) as { streams: { name: string; state: string }[] }
    assert.deepEqual(
      ready.streams.map((stream) => [stream.name, stream.state]),
      [
        [flow.name, 'up'],
        [strict.name, 'up'],
      ],
    )
    const v2 = (await (await fetch(`${server.url}/v2/health/ready`)).json()) as { ready: boolean; streams: { name: string; state: string }[] }
    assert.equal(v2.ready, true)
    assert.equal(v2.streams.length, 2)
  })
})

/** Same model, version, label and probabilities as HTTP gave for the row. */
function assertSameAsHttp(out: OutMessage | undefined, http: HttpAnswer, row: number): void {
  assert.ok(out !== undefined)
  assert.equal(out.model, http.model)
  assert.equal(out.version, http.version)
  assert.deepEqual(out.predictions, [http.predictions[row]])
  assert.deepEqual(out.probabilities, [http.probabilities[row]])
  assert.equal(typeof out.request_id, 'string')
  assert.ok(!Number.isNaN(Date.parse(out.scored_at ?? '')), 'scored_at is a time')
}

async function waitForStreamsUp(server: TestServer): Promise<void> {
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    const statuses = server.runtime.streams?.statuses() ?? []
    if (statuses.length > 0 && statuses.every((status) => status.state === 'up')) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error('streams did not come up')
}
