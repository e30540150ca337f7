import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { startServer, type TestServer } from '../helpers/server.js'

/** Writes raw bytes on a fresh connection and resolves with all the server sent until it closed. */
function exchange(port: number, data: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let received = ''
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')))
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // The server closes after answering; a write still on its way may meet the reset.
      if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') reject(err)
    })
    socket.once('close', () => resolve(received))
    socket.write(data)
  })
}

/** Splits a raw response into its status, lowercased headers and body. */
function parse(raw: string): { status: number; headers: Map<string, string>; body: string } {
  const [head = '', body = ''] = raw.split('\r\n\r\n', 2)
  const [statusLine = '', ...lines] = head.split('\r\n')
  const headers = new Map(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]))
  return { status: Number(statusLine.split(' ')[1]), headers, body }
}

function assertAnswer(raw: string, status: number, code: string): void {
  const answer = parse(raw)
  assert.equal(answer.status, status, raw)
  assert.equal(answer.headers.get('x-content-type-options'), 'nosniff')
  assert.match(answer.headers.get('content-security-policy') ?? '', /default-src 'none'/)
  assert.equal(answer.headers.get('x-frame-options'), 'SAMEORIGIN')
  assert.equal(answer.headers.get('cache-control'), 'no-store')
  assert.equal(answer.headers.get('connection'), 'close')
  const requestId = answer.headers.get('x-request-id') ?? ''
  assert.match(requestId, /^[0-9a-f-]{36}$/)
  const body = JSON.parse(answer.body) as { error: { code: string; message: string }; request_id: string }
  assert.equal(body.error.code, code)
  assert.equal(body.request_id, requestId)
}

// Node answers what its parser refuses (400, 408, 413, 431) on its own, before the app runs: those
// answers now carry the security headers, an X-Request-ID and the envelope too.
describe('attack: requests node refuses before the app sees them', () => {
  let server: TestServer
  before(async () => {
    server = await startServer({ config: { server: { port: 0, headersTimeoutMs: 1000, requestTimeoutMs: 2000 } } })
  })
  after(() => server.close())

  it('answers a malformed request line with 400, the security headers and an X-Request-ID', async () => {
    assertAnswer(await exchange(server.runtime.port, 'NOT HTTP AT ALL\r\n\r\n'), 400, 'invalid_input')
  })

  it('answers an oversized header block with 431, the security headers and an X-Request-ID', async () => {
    const raw = await exchange(server.runtime.port, `GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)
    assertAnswer(raw, 431, 'invalid_input')
  })

  it('answers headers that never end with 408, the security headers and an X-Request-ID', async () => {
    assertAnswer(await exchange(server.runtime.port, 'GET /healthz HTTP/1.1\r\nHost: localhost\r\n'), 408, 'invalid_input')
  })

  it('keeps serving (control)', async () => {
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200)
  })
})
