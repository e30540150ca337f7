import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import Koa from 'koa'
import { HeaderBlockResponse, responseWithHeaderBlock } from '../../src/http/header-block.js'
import { securityHeaderBlock, securityHeaders } from '../../src/http/middleware/security-headers.js'
import type { AppState } from '../../src/http/state.js'
import { startServer, type TestServer } from '../helpers/server.js'

const FIXED = securityHeaderBlock({ hsts: false })

/** Sends one raw request and resolves with the response head's header lines, names lowercased, duplicates kept. */
function headLines(port: number, request: string): Promise<[string, string][]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let received = ''
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1')
      const end = received.indexOf('\r\n\r\n')
      if (end === -1) return
      socket.destroy()
      const lines = received.slice(0, end).split('\r\n').slice(1)
      resolve(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]))
    })
    socket.once('error', reject)
    socket.write(request)
  })
}

function valuesOf(lines: [string, string][], name: string): string[] {
  return lines.filter(([header]) => header === name).map(([, value]) => value)
}

describe("the server's response class writes the security headers as one block", () => {
  let server: TestServer
  before(async () => {
    server = await startServer()
  })
  after(() => server.close())

  it('is available on this node, so responses do not set each header one by one', () => {
    const Response = responseWithHeaderBlock(FIXED)
    assert.notEqual(Response, undefined, 'node renders response heads differently: header-block.ts needs a look')
    assert.equal(Response?.prototype instanceof HeaderBlockResponse, true)
  })

  it('puts every security header exactly once on a prediction, an error and a 404', async () => {
    const token = server.token(['user'])
    const body = JSON.stringify({ inputs: [[5.1, 3.5, 1.4, 0.2]] })
    const requests = [
      `POST /api/v1/models/iris/predict HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      'POST /api/v1/models/iris/predict HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n',
      'GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n',
    ]
    for (const request of requests) {
      const lines = await headLines(server.runtime.port, request)
      for (const [name, value] of FIXED) assert.deepEqual(valuesOf(lines, name.toLowerCase()), [value], `${name} on ${request.split('\r\n')[0]}`)
      assert.equal(valuesOf(lines, 'x-request-id').length, 1)
    }
  })

  it("lets a route's own Cache-Control replace the block's, once", async () => {
    const lines = await headLines(server.runtime.port, 'GET /docs/swagger-ui.css HTTP/1.1\r\nHost: x\r\n\r\n')
    assert.deepEqual(valuesOf(lines, 'cache-control'), ['public, max-age=3600'])
    assert.equal(valuesOf(lines, 'x-frame-options').length, 1)
  })
})

describe('securityHeaders on a server of another response class', () => {
  let plain: Server
  before(async () => {
    const app = new Koa<AppState>()
    app.use(securityHeaders({ hsts: false }))
    app.use((ctx) => {
      ctx.body = { ok: true }
    })
    plain = createServer(app.callback())
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve))
  })
  after(() => new Promise<void>((resolve) => plain.close(() => resolve())))

  it('sets each header itself', async () => {
    const lines = await headLines((plain.address() as AddressInfo).port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n')
    for (const [name, value] of FIXED) assert.deepEqual(valuesOf(lines, name.toLowerCase()), [value], name)
  })
})

describe('responseWithHeaderBlock', () => {
  it('refuses a header it could not send', () => {
    assert.throws(() => responseWithHeaderBlock([['X-Bad', 'one\r\nInjected: two']]), { code: 'ERR_INVALID_CHAR' })
    assert.throws(() => responseWithHeaderBlock([['Bad Name', 'x']]), { code: 'ERR_INVALID_HTTP_TOKEN' })
  })
})
