import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { assertEnvelope } from '../helpers/envelope.js'
import { getJson, startServer, type TestServer } from '../helpers/server.js'
import { assertSecurityHeaders } from './support/attack.js'

/** A request that stays in flight: its headers are sent, its body never completes. */
function holdRequest(port: number, token: string): Socket {
  const socket = connect(port, '127.0.0.1')
  socket.on('error', () => undefined)
  socket.write(
    [
      'POST /api/v1/models/iris/predict HTTP/1.1',
      'Host: localhost',
      `Authorization: Bearer ${token}`,
      'Content-Type: application/json',
      'Content-Length: 100',
      '',
      '{"inputs": ',
    ].join('\r\n'),
  )
  return socket
}

async function untilStatus(url: string, token: string, status: number): Promise<Response> {
  // Bounded: the held requests reach the server in their own time.
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const response = await getJson(url, token)
    if (response.status === status) return response
    await response.arrayBuffer()
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error(`never answered ${status}`)
}

// A flood of concurrent requests (OWASP API4:2023): past server.maxInFlight the answer is an
// immediate 503 with Retry-After, not a growing queue.
describe('attack: more concurrent requests than server.maxInFlight', () => {
  let server: TestServer
  const held: Socket[] = []
  before(async () => {
    server = await startServer({ config: { server: { port: 0, maxInFlight: 2 }, rateLimit: { enabled: false } } })
  })
  after(async () => {
    for (const socket of held) socket.destroy()
    await server.close()
  })

  it('answers 503 with Retry-After while two requests are in flight', async () => {
    const token = server.token(['user'])
    held.push(holdRequest(server.runtime.port, token), holdRequest(server.runtime.port, token))
    const response = await untilStatus(`${server.url}/api/v1/models`, token, 503)
    await assertEnvelope(response, 503, 'unavailable')
    assert.equal(response.headers.get('retry-after'), '1')
    assertSecurityHeaders(response)
  })

  it('keeps answering liveness probes under overload', async () => {
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200)
  })

  it('answers 200 again once the held requests are gone', async () => {
    for (const socket of held) socket.destroy()
    const response = await untilStatus(`${server.url}/api/v1/models`, server.token(['user']), 200)
    assert.equal(response.status, 200)
  })
})
