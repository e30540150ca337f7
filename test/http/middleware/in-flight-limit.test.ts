import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Next } from 'koa'
import { isApiError } from '../../../src/errors/api-error.js'
import { inFlightLimit } from '../../../src/http/middleware/in-flight-limit.js'
import type { AppContext } from '../../../src/http/state.js'

function context(path: string): AppContext {
  return { path } as AppContext
}

describe('inFlightLimit({ maxInFlight })', () => {
  it('throws unavailable with Retry-After past the bound, and lets requests in again once one ends', async () => {
    const limit = inFlightLimit({ maxInFlight: 1 })
    let release = (): void => undefined
    const held = limit(context('/api/v1/models'), (() => new Promise<void>((resolve) => (release = resolve))) as Next)
    await assert.rejects(limit(context('/api/v1/models'), (async () => undefined) as Next), (err: unknown) => {
      assert.ok(isApiError(err))
      assert.equal(err.status, 503)
      assert.equal(err.headers['Retry-After'], '1')
      return true
    })
    release()
    await held
    await limit(context('/api/v1/models'), (async () => undefined) as Next)
  })

  it('never refuses an exempt path', async () => {
    const limit = inFlightLimit({ maxInFlight: 1 })
    let release = (): void => undefined
    const held = limit(context('/api/v1/models'), (() => new Promise<void>((resolve) => (release = resolve))) as Next)
    await limit(context('/healthz'), (async () => undefined) as Next)
    release()
    await held
  })

  it('frees its slot when the request below it throws', async () => {
    const limit = inFlightLimit({ maxInFlight: 1 })
    await assert.rejects(limit(context('/x'), (async () => {
      throw new Error('boom')
    }) as Next), /boom/)
    await limit(context('/x'), (async () => undefined) as Next)
  })
})
