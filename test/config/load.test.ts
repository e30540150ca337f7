import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { ConfigError } from '../../src/config/config-error.js'
import { loadConfig } from '../../src/config/load.js'

const STRONG = 'k3y-for-tests-Xq7Lp2Vz9Rm4Tb8Nc1Wd6Hf3Jg5Ks0Ya'
const scratch = mkdtempSync(join(tmpdir(), 'portcullis-config-test-'))
after(() => rmSync(scratch, { recursive: true, force: true }))

function writeYaml(name: string, text: string): string {
  const path = join(scratch, name)
  writeFileSync(path, text)
  return path
}

describe('loadConfig(env)', () => {
  it('applies default.yaml when nothing else is set', () => {
    const config = loadConfig({})
    assert.equal(config.env, 'development')
    assert.equal(config.server.host, '127.0.0.1')
    assert.equal(config.server.port, 8080)
    assert.equal(config.limits.maxBodyBytes, 1_048_576)
    assert.equal(config.limits.maxRows, 1024)
    assert.equal(config.rateLimit.default, '100/minute')
  })

  it('merges the APP_ENV overlay over the defaults', () => {
    assert.equal(loadConfig({ APP_ENV: 'development' }).logging.level, 'debug')
    assert.equal(loadConfig({ APP_ENV: 'test' }).logging.level, 'error')
    assert.equal(loadConfig({ APP_ENV: 'production', JWT_SECRET: STRONG }).logging.level, 'warn')
  })

  it('merges CONFIG_PATH over the overlay', () => {
    const path = writeYaml('extra.yaml', 'limits:\n  maxRows: 7\nlogging:\n  level: warn\n')
    const config = loadConfig({ APP_ENV: 'development', CONFIG_PATH: path })
    assert.equal(config.limits.maxRows, 7)
    assert.equal(config.logging.level, 'warn')
    assert.equal(config.limits.maxBodyBytes, 1_048_576, 'untouched keys keep their defaults')
  })

  it('lets environment variables override every YAML layer', () => {
    const path = writeYaml('port.yaml', 'server:\n  port: 9000\n')
    const config = loadConfig({ CONFIG_PATH: path, PORT: '9100', HOST: '0.0.0.0', MODELS_DIR: '/srv/models', RATE_LIMIT: '5/second', LOG_LEVEL: 'warn' })
    assert.equal(config.server.port, 9100)
    assert.equal(config.server.host, '0.0.0.0')
    assert.equal(config.models.dir, '/srv/models')
    assert.equal(config.rateLimit.default, '5/second')
    assert.equal(config.logging.level, 'warn')
  })

  it('interpolates ${VAR} and ${VAR:-default}', () => {
    const path = writeYaml('vars.yaml', 'models:\n  dir: ${MODEL_ROOT:-/opt/models}/live\n  default: ${DEFAULT_MODEL}\n')
    assert.equal(loadConfig({ CONFIG_PATH: path }).models.dir, '/opt/models/live')
    const config = loadConfig({ CONFIG_PATH: path, MODEL_ROOT: '/data', DEFAULT_MODEL: 'fraud' })
    assert.equal(config.models.dir, '/data/live')
    assert.equal(config.models.default, 'fraud')
  })

  it('freezes the result', () => {
    const config = loadConfig({})
    assert.throws(() => {
      ;(config.server as { port: number }).port = 1
    }, TypeError)
  })

  it('names the offending key of an invalid value', () => {
    const path = writeYaml('bad.yaml', 'limits:\n  maxRows: -3\n')
    assert.throws(
      () => loadConfig({ CONFIG_PATH: path }),
      (err: unknown) => err instanceof ConfigError && err.keyPath === 'limits.maxRows',
    )
  })

  it('names an unknown key', () => {
    const path = writeYaml('typo.yaml', 'server:\n  prot: 1\n')
    assert.throws(
      () => loadConfig({ CONFIG_PATH: path }),
      (err: unknown) => err instanceof ConfigError && err.keyPath === 'server' && /prot/.test(err.message),
    )
  })

  it('refuses a bad rate expression in RATE_LIMIT', () => {
    assert.throws(
      () => loadConfig({ RATE_LIMIT: 'lots' }),
      (err: unknown) => err instanceof ConfigError && err.keyPath === 'rateLimit.default',
    )
  })

  it('refuses an unknown APP_ENV', () => {
    assert.throws(
      () => loadConfig({ APP_ENV: 'prod' }),
      (err: unknown) => err instanceof ConfigError && err.keyPath === 'APP_ENV',
    )
  })
})

describe('loadConfig(env) in production', () => {
  it('requires JWT_SECRET', () => {
    assert.throws(
      () => loadConfig({ APP_ENV: 'production' }),
      (err: unknown) => err instanceof ConfigError && err.keyPath === 'auth.secret',
    )
  })

  it('refuses a placeholder secret', () => {
    for (const secret of ['changeme', 'your-256-bit-secret', 'change-me-change-me-change-me-change-me', 'a'.repeat(40)]) {
      assert.throws(
        () => loadConfig({ APP_ENV: 'production', JWT_SECRET: secret }),
        (err: unknown) => err instanceof ConfigError && err.keyPath === 'auth.secret',
        secret,
      )
    }
  })

  it('refuses a secret under 32 bytes', () => {
    assert.throws(() => loadConfig({ APP_ENV: 'production', JWT_SECRET: 'Zq8-short-but-random' }), /at least 32 bytes/)
  })

  it('refuses debug logging', () => {
    assert.throws(
      () => loadConfig({ APP_ENV: 'production', JWT_SECRET: STRONG, LOG_LEVEL: 'debug' }),
      (err: unknown) => err instanceof ConfigError && err.keyPath === 'logging.level',
    )
  })

  it('accepts a strong secret', () => {
    assert.equal(loadConfig({ APP_ENV: 'production', JWT_SECRET: STRONG }).auth.secret, STRONG)
  })
})

describe('loadConfig(env): allowUnsafe', () => {
  it('accepts a refused weak setting only when its key is listed', () => {
    const path = writeYaml('unsafe.yaml', 'rateLimit:\n  enabled: false\n')
    assert.throws(
      () => loadConfig({ APP_ENV: 'production', JWT_SECRET: STRONG, CONFIG_PATH: path }),
      (err: unknown) => err instanceof ConfigError && err.keyPath === 'rateLimit.enabled',
    )
    const accepted = writeYaml('accepted.yaml', 'rateLimit:\n  enabled: false\nallowUnsafe: [rateLimit.enabled]\n')
    assert.equal(loadConfig({ APP_ENV: 'production', JWT_SECRET: STRONG, CONFIG_PATH: accepted }).rateLimit.enabled, false)
  })

  it('turns requireJti on in staging and production only', () => {
    assert.equal(loadConfig({ APP_ENV: 'production', JWT_SECRET: STRONG }).auth.requireJti, true)
    assert.equal(loadConfig({ APP_ENV: 'staging', JWT_SECRET: STRONG }).auth.requireJti, true)
    assert.equal(loadConfig({}).auth.requireJti, false)
  })
})
