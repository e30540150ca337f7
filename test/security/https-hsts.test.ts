import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { request } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { startServer, type TestServer } from '../helpers/server.js'

/** GETs over HTTPS, trusting only the given certificate. */
function httpsGet(url: string, ca: Buffer): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    request(url, { ca }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }))
    })
      .on('error', reject)
      .end()
  })
}

// Tokens in transit: server.tls serves HTTPS from configured files, and only then sends HSTS.
describe('transport: HTTPS from server.tls with a key made for this test', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-tls-'))
  let server: TestServer
  let plain: TestServer
  let cert: Buffer
  before(async () => {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    )
    cert = readFileSync(join(dir, 'cert.pem'))
    server = await startServer({ config: { server: { port: 0, tls: { certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') } } } })
    plain = await startServer()
  })
  after(async () => {
    await server.close()
    await plain.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('serves HTTPS with Strict-Transport-Security', async () => {
    const response = await httpsGet(`https://127.0.0.1:${server.runtime.port}/healthz`, cert)
    assert.equal(response.status, 200)
    assert.match(String(response.headers['strict-transport-security']), /max-age=31536000; includeSubDomains/)
    assert.equal(response.headers['x-content-type-options'], 'nosniff')
  })

  it('refuses a client that does not trust the certificate', async () => {
    await assert.rejects(httpsGet(`https://127.0.0.1:${server.runtime.port}/healthz`, Buffer.from('')), /certificate|self.signed/i)
  })

  it('sends no Strict-Transport-Security over plain HTTP', async () => {
    const response = await fetch(`${plain.url}/healthz`)
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('strict-transport-security'), null)
  })
})
