import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { loadIris } from '../../src/demo/iris.js'
import { postJson, startServer, type TestServer } from '../helpers/server.js'
import { jetStreamNames, NATS_URL, NatsProbe, publishPaced, streamEntry, uniqueName, type OutMessage } from './support.js'

interface HttpAnswer {
  model: string
  version: string
  predictions: unknown[]
  probabilities: number[][]
}

const MESSAGES = 10_000
const rows = loadIris().features.map((row) => [...row])

describe('NATS JetStream streams against the real server', { timeout: 600_000 }, () => {
  const flow = streamEntry(uniqueName('flow'), 'nats', NATS_URL)
  const strict = streamEntry(uniqueName('strict'), 'nats', NATS_URL, { requireToken: true })
  let server: TestServer
  let http: HttpAnswer
  let probe: NatsProbe

  before(async () => {
    probe = await NatsProbe.open(NATS_URL, uniqueName('unused'), uniqueName('unused'))
    server = await startServer({ config: { streams: [flow, strict] } })
    const response = await postJson(`${server.url}/api/v1/models/iris/predict`, { inputs: rows }, server.token(['user']))
    assert.equal(response.status, 200)
    http = (await response.json()) as HttpAnswer
    await waitForStreamsUp(server)
  })

  after(async () => {
    await server.close()
    await probe.deleteStreams([...jetStreamNames(String(flow.name)), ...jetStreamNames(String(strict.name))])
    await probe.close()
  })

  it(`scores ${MESSAGES} messages, each answer equal to the HTTP answer for its row`, async () => {
    const out = await NatsProbe.open(NATS_URL, flow.output, flow.deadLetter)
    try {
      await publishPaced(MESSAGES, 2000, out, (index) => {
        const row = rows[index % rows.length]
        const message = index % 10 === 0 ? { id: `m${index}`, model_name: 'iris', input: row } : { id: `m${index}`, inputs: [row] }
        return out.publish(flow.input, message)
      })
      await out.waitFor(() => out.outputs.size >= MESSAGES, `${MESSAGES} outputs`, 300_000)
      assert.equal(out.dead.size, 0, 'no message went to the dead letter')
      for (let index = 0; index < MESSAGES; index += 1) assertSameAsHttp(out.outputs.get(`m${index}`), http, index % rows.length)
    } finally {
      await out.close()
    }
  })

  it('refuses a message with a bad token to the dead letter; good tokens flow', async () => {
    const out = await NatsProbe.open(NATS_URL, strict.output, strict.deadLetter)
    const user = server.token(['user'])
    try {
      await out.publish(strict.input, { id: 'good-1', token: user, inputs: [rows[0]] })
      await out.publish(strict.input, { id: 'forged', token: `${user.slice(0, -4)}AAAA`, inputs: [rows[0]] })
      await out.publish(strict.input, { id: 'expired', token: server.token(['user'], 'tester', -120), inputs: [rows[0]] })
      await out.publish(strict.input, { id: 'good-2', token: user, inputs: [rows[50]] })
      await out.waitFor(() => out.outputs.size >= 2 && out.dead.size >= 2, 'two outputs and two dead letters')
      assertSameAsHttp(out.outputs.get('good-1'), http, 0)
      assertSameAsHttp(out.outputs.get('good-2'), http, 50)
      for (const id of ['forged', 'expired']) {
        const letter = out.dead.get(id)
        assert.equal(letter?.error?.code, 'invalid_token', id)
        assert.deepEqual((letter.message as { token: string }).token, '[redacted]')
      }
    } finally {
      await out.close()
    }
  })
})

function assertSameAsHttp(out: OutMessage | undefined, http: HttpAnswer, row: number): void {
  assert.ok(out !== undefined)
  assert.equal(out.model, http.model)
  assert.equal(out.version, http.version)
  assert.deepEqual(out.predictions, [http.predictions[row]])
  assert.deepEqual(out.probabilities, [http.probabilities[row]])
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
