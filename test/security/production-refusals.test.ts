import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { stringify } from 'yaml'

const STRONG = 'Vq3xL9mZp2Rt7Ks4Wn8Yb6Hc1Jd5Gf0Ea3Uo9Ti2Pl7'
const dir = mkdtempSync(join(tmpdir(), 'portcullis-prod-'))

/** Runs `portcullis serve` in production with one more YAML layer; it must exit before listening. */
function serve(config: Record<string, unknown>, env: Record<string, string> = {}): { status: number | null; stderr: string } {
  const path = join(dir, `${Math.random().toString(36).slice(2)}.yaml`)
  writeFileSync(path, stringify(config))
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    env: { PATH: process.env.PATH ?? '', APP_ENV: 'production', JWT_SECRET: STRONG, PORT: '0', MODELS_DIR: dir, CONFIG_PATH: path, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  })
  return { status: result.status, stderr: result.stderr }
}

// An operator ships an unsafe config to production; the process refuses to start (exit 2) and names the key.
describe('attack surface: unsafe production configs', () => {
  after(() => rmSync(dir, { recursive: true, force: true }))

  const refused: [string, Record<string, unknown>, Record<string, string>, RegExp][] = [
    ['a secret under 32 bytes', {}, { JWT_SECRET: 'Zq8#kP2!vR5@' }, /auth\.secret: the secret must be at least 32 bytes/],
    ['a placeholder secret', {}, { JWT_SECRET: 'your-256-bit-secret-your-256-bit-secret' }, /auth\.secret: .*placeholder/],
    ['authentication disabled', { auth: { enabled: false } }, {}, /auth\.enabled/],
    ['debug logging', { logging: { level: 'debug' } }, {}, /logging\.level/],
    ['CORS * with credentials', { server: { cors: { origins: ['*'], credentials: true } } }, {}, /server\.cors/],
    ['a JWKS fetched over plain http', { auth: { algorithms: ['RS256'], jwksUri: 'http://idp.example.test/jwks.json' } }, {}, /auth\.jwksUri/],
    ['a weak previous secret', { auth: { previousSecret: 'short' } }, {}, /auth\.previousSecret/],
    ['an alphabet-run secret', {}, { JWT_SECRET: 'abcdefghijklmnopqrstuvwxyz123456' }, /auth\.secret: .*placeholder/],
    ['a clock tolerance of years', { auth: { clockToleranceSeconds: 3 * 365 * 86_400 } }, {}, /auth\.clockToleranceSeconds/],
    ['token lifetimes of decades', { auth: { maxTokenLifetimeSeconds: 20 * 365 * 86_400 } }, {}, /auth\.maxTokenLifetimeSeconds/],
    ['rate limiting disabled', { rateLimit: { enabled: false } }, {}, /rateLimit\.enabled/],
    ['a token-free metrics listener on every interface', { metrics: { port: 0 } }, {}, /metrics\.host/],
    ['a token-free metrics listener on ::', { metrics: { port: 0, host: '::' } }, {}, /metrics\.host/],
    ['CORS origin null with credentials', { server: { cors: { origins: ['null'], credentials: true } } }, {}, /server\.cors: CORS origin "null"/],
    ['public-key tokens with no issuer or audience', { auth: { algorithms: ['ES256'], publicKeyFile: '/dev/null' } }, {}, /auth\.issuer/],
    ['an override of a key that cannot be overridden', { allowUnsafe: ['auth.enabled'], auth: { enabled: false } }, {}, /allowUnsafe/],
  ]
  for (const [name, config, env, message] of refused) {
    it(`exits 2 on ${name}, naming the key and not echoing the secret`, () => {
      const result = serve(config, env)
      assert.equal(result.status, 2, result.stderr)
      assert.match(result.stderr, message)
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace')
      for (const secret of [env.JWT_SECRET, STRONG]) if (secret !== undefined) assert.ok(!result.stderr.includes(secret), 'the secret is not echoed')
    })
  }
})
