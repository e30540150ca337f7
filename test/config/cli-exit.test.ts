import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'

function serve(env: Record<string, string>): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  })
  return { status: result.status, stderr: result.stderr }
}

describe('portcullis serve with a bad config', () => {
  it('exits 2 before listening and names the key of an invalid value', () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-cli-'))
    try {
      const path = join(dir, 'bad.yaml')
      writeFileSync(path, 'server:\n  port: "not a port"\n')
      const result = serve({ APP_ENV: 'test', CONFIG_PATH: path })
      assert.equal(result.status, 2)
      assert.match(result.stderr, /server\.port/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('exits 2 in production with a placeholder secret', () => {
    const result = serve({ APP_ENV: 'production', JWT_SECRET: 'changeme' })
    assert.equal(result.status, 2)
    assert.match(result.stderr, /auth\.secret/)
    assert.doesNotMatch(result.stderr, /changeme/, 'the secret itself is not echoed')
  })

  it('exits 2 in production without any secret', () => {
    const result = serve({ APP_ENV: 'production' })
    assert.equal(result.status, 2)
    assert.match(result.stderr, /auth\.secret/)
  })
})

describe('portcullis serve on a port that is taken', () => {
  it('exits 1 with a one-line reason and no stack trace', async () => {
    const { createServer } = await import('node:net')
    const holder = createServer()
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve))
    const address = holder.address()
    const port = typeof address === 'object' && address !== null ? address.port : 0
    try {
      const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
        env: { PATH: process.env.PATH ?? '', APP_ENV: 'test', PORT: String(port), MODELS_DIR: 'test/fixtures' },
        encoding: 'utf8',
        timeout: 30_000,
      })
      assert.equal(result.status, 1)
      assert.match(result.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the address is already in use`))
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace')
    } finally {
      holder.close()
    }
  })
})
