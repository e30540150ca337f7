import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { startServer, type TestServer } from '../helpers/server.js'

interface Trickle {
  /** What the server sent before it closed the connection. */
  received: string
  /** Whether the client still had data to send when the server closed. */
  cutOff: boolean
}

/** Opens a raw socket, sends `head` at once, then `piece` every 200 ms, at most `pieces` times. */
function trickle(port: number, head: string, piece: (n: number) => string, pieces: number): Promise<Trickle> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let received = ''
    let sent = 0
    let timer: NodeJS.Timeout | undefined
    socket.on('connect', () => {
      socket.write(head)
      timer = setInterval(() => {
        if (sent === pieces) {
          clearInterval(timer)
          socket.end()
          return
        }
        sent += 1
        socket.write(piece(sent))
      }, 200)
    })
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')))
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // A write racing the server's close is part of being cut off.
      if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') reject(err)
    })
    socket.on('close', () => {
      clearInterval(timer)
      resolve({ received, cutOff: sent < pieces })
    })
  })
}

// Slow loris: a client holds a connection open by sending its request a few bytes at a time.
describe('attack: slow client (slow loris)', () => {
  let server: TestServer
  before(async () => {
    server = await startServer({ config: { server: { port: 0, headersTimeoutMs: 1000, requestTimeoutMs: 2000 } } })
  })
  after(() => server.close())

  it('answers 408 and closes a connection whose headers never end', async () => {
    const result = await trickle(server.runtime.port, 'GET /healthz HTTP/1.1\r\nHost: localhost\r\n', (n) => `X-Slow-${n}: y\r\n`, 100)
    assert.ok(result.cutOff, 'the server closed the connection before the client gave up')
    assert.match(result.received, /^HTTP\/1\.1 408 Request Timeout\r\n/)
    assert.match(result.received, /\r\nConnection: close\r\n/i)
  })

  it('closes a connection whose body arrives a byte at a time', async () => {
    const head = 'POST /api/v1/models/iris/predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n'
    const result = await trickle(server.runtime.port, head, () => ' ', 100)
    assert.ok(result.cutOff, 'the server closed the connection before the client gave up')
    assert.doesNotMatch(result.received, /^HTTP\/1\.1 200/)
  })

  it('keeps serving other clients (control)', async () => {
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200)
  })
})
