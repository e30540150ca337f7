import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import jwt from 'jsonwebtoken'
import { stringify } from 'yaml'
import { mintToken } from '../../src/cli/token.js'
import { loadConfig } from '../../src/config/load.js'
import { loadVerificationKeys } from '../../src/security/keys.js'
import { verifyToken } from '../../src/security/jwt.js'
import { TEST_SECRET } from '../helpers/server.js'
import { portcullis } from './run-cli.js'

const POLICY = { rolesClaim: 'roles', clockToleranceSeconds: 30, maxTokenLifetimeSeconds: 86_400, maxTokenBytes: 8192 }

describe('portcullis token', { concurrency: true }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-token-cli-'))
  before(async () => {
    await Promise.all(['RS256', 'ES384'].map((alg) => portcullis(['keys', 'generate', '--alg', alg, '--out', join(dir, alg)])))
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  function configWith(auth: Record<string, unknown>): ReturnType<typeof loadConfig> {
    const path = join(dir, `${Math.random().toString(36).slice(2)}.yaml`)
    writeFileSync(path, stringify({ auth }))
    return loadConfig({ APP_ENV: 'test', JWT_SECRET: TEST_SECRET, CONFIG_PATH: path })
  }

  /** Mints a token with the CLI under a config layer and verifies it with the server's own keys. */
  async function mintAndVerify(auth: Record<string, unknown>, args: string[]): Promise<{ token: string; roles: readonly string[] }> {
    const path = join(dir, `${Math.random().toString(36).slice(2)}.yaml`)
    writeFileSync(path, stringify({ auth }))
    const env = { APP_ENV: 'test', JWT_SECRET: TEST_SECRET, CONFIG_PATH: path }
    const token = (await portcullis(['token', '--sub', 'cli-user', ...args], env)).stdout.trim()
    const config = loadConfig(env)
    const principal = await verifyToken(token, loadVerificationKeys(config), { ...POLICY, rolesClaim: config.auth.rolesClaim })
    assert.equal(principal.subject, 'cli-user')
    return { token, roles: principal.roles }
  }

  for (const alg of ['HS256', 'HS512'] as const) {
    it(`signs ${alg} with JWT_SECRET`, async () => {
      const { token } = await mintAndVerify({ algorithms: ['HS256', 'HS384', 'HS512'] }, ['--alg', alg, '--roles', 'user'])
      assert.equal(jwt.decode(token, { complete: true })?.header.alg, alg)
    })
  }

  // PS256 reuses the RSA pair, verified through the PEM file; the others through their jwks.json.
  for (const [alg, keyDir, verifyWith] of [
    ['RS256', 'RS256', 'jwksFile'],
    ['PS256', 'RS256', 'publicKeyFile'],
    ['ES384', 'ES384', 'jwksFile'],
  ] as const) {
    it(`signs ${alg} with auth.privateKeyFile and names the key by kid`, async () => {
      const published = verifyWith === 'jwksFile' ? join(dir, keyDir, 'jwks.json') : join(dir, keyDir, 'public.pem')
      const auth = { algorithms: [alg], privateKeyFile: join(dir, keyDir, 'private.pem'), [verifyWith]: published }
      const { token } = await mintAndVerify(auth, ['--roles', 'user,admin', '--ttl', '5m'])
      const decoded = jwt.decode(token, { complete: true })
      assert.equal(decoded?.header.alg, alg)
      assert.ok(decoded?.header.kid)
      const payload = decoded?.payload as jwt.JwtPayload
      assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 300)
      assert.ok(payload.jti, 'every token has a jti, so it can be revoked')
    })
  }

  it('puts roles at realm_access.roles or in scope when the config says so', async () => {
    for (const [rolesClaim, expected] of [
      ['realm_access.roles', { realm_access: { roles: ['user', 'admin'] } }],
      ['scope', { scope: 'user admin' }],
    ] as const) {
      const config = configWith({ rolesClaim })
      const keys = loadVerificationKeys(config)
      const token = mintToken(config, keys, { subject: 'cli-user', roles: ['user', 'admin'], ttlSeconds: 60 })
      assert.deepEqual((await verifyToken(token, keys, { ...POLICY, rolesClaim })).roles, ['user', 'admin'])
      const decoded = jwt.decode(token) as Record<string, unknown>
      for (const [key, value] of Object.entries(expected)) assert.deepEqual(decoded[key], value)
    }
  })

  it('exits 2 for an algorithm outside auth.algorithms', async () => {
    const path = join(dir, 'hs-only.yaml')
    writeFileSync(path, stringify({ auth: { algorithms: ['HS256'] } }))
    await assert.rejects(portcullis(['token', '--sub', 'x', '--alg', 'RS256'], { JWT_SECRET: TEST_SECRET, CONFIG_PATH: path }), (err: { code?: number }) => err.code === 2)
  })
})
