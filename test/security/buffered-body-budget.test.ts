import assert from 'node:assert/strict'
import type { Socket } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { assertEnvelope } from '../helpers/envelope.js'
import { demoModelsDir } from '../helpers/demo-models.js'
import { CALLER, openSocket, predictAsCaller, startBody, validToken } from './support/flood.js'
import { spawnGateway, type Gateway } from './support/gateway.js'
import { send } from './support/http.js'

const MiB = 1024 * 1024

// Bodies of authenticated callers are read, so what they may buffer together is bounded
// (budgets.maxBufferedBodyBytes): past it 503 with Retry-After, before a byte is read.
describe('attack: authenticated callers hold more body bytes than the process should buffer', () => {
  let gateway: Gateway
  const held: Socket[] = []
  before(async () => {
    gateway = await spawnGateway({
      modelsDir: await demoModelsDir(),
      config: { limits: { maxBodyBytes: MiB }, budgets: { maxBufferedBodyBytes: 2 * MiB }, rateLimit: { enabled: false } },
    })
  })
  after(async () => {
    for (const socket of held) socket.destroy()
    await gateway.stop()
  })

  it('answers 503 with Retry-After while two 1 MiB bodies are being received, and 200 again once one is gone', async () => {
    const port = Number(new URL(gateway.url).port)
    const token = validToken()
    for (let i = 0; i < 2; i += 1) {
      const socket = await openSocket(port, CALLER)
      held.push(socket)
      startBody(socket, MiB, '{', { Authorization: `Bearer ${token}` })
    }
    let response: Response | undefined
    for (let attempt = 0; attempt < 100; attempt += 1) {
      response = await send(`${gateway.url}/api/v1/models/iris/predict`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify({ inputs: [[5.1, 3.5, 1.4, 0.2]] }),
        localAddress: CALLER,
      })
      if (response.status === 503) break
      await response.arrayBuffer()
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    assert.ok(response !== undefined)
    await assertEnvelope(response, 503, 'unavailable')
    assert.equal(response.headers.get('retry-after'), '1')
    held.pop()?.destroy()
    let status = 0
    for (let attempt = 0; attempt < 100 && status !== 200; attempt += 1) status = await predictAsCaller(gateway.url, token)
    assert.equal(status, 200)
  })
})
