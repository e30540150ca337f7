import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Next } from 'koa'
import { isApiError } from '../../../src/errors/api-error.js'
import { InFlightBudget } from '../../../src/http/budgets/in-flight-budget.js'
import type { AppContext, AppMiddleware } from '../../../src/http/state.js'

function context(path: string, ip = '10.0.0.1'): AppContext {
  return { path, ip, state: {} } as AppContext
}

/** Runs a request through admission (and, when `authenticated`, the claim) and holds it until released. */
function hold(budget: InFlightBudget, ctx: AppContext, authenticated = false): { done: Promise<void>; release(): void } {
  let release = (): void => undefined
  const wait = new Promise<void>((resolve) => (release = resolve))
  const claim: AppMiddleware = budget.claim()
  const done = budget.admit()(ctx, (async () => {
    if (authenticated) await claim(ctx, (async () => undefined) as Next)
    await wait
  }) as Next) as Promise<void>
  return { done, release }
}

async function assertBusy(promise: Promise<unknown>): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isApiError(err))
    assert.equal(err.status, 503)
    assert.equal(err.headers['Retry-After'], '1')
    return true
  })
}

const pass = (async () => undefined) as Next

describe('InFlightBudget', () => {
  it('bounds anonymous requests per address, and lets them in again once one ends', async () => {
    const budget = new InFlightBudget({ maxInFlight: 10, maxAnonymousInFlight: 10, maxAnonymousInFlightPerAddress: 1 })
    const held = hold(budget, context('/api/v1/models'))
    await assertBusy(budget.admit()(context('/api/v1/models'), pass) as Promise<void>)
    await budget.admit()(context('/api/v1/models', '10.0.0.2'), pass)
    held.release()
    await held.done
    await budget.admit()(context('/api/v1/models'), pass)
    assert.deepEqual(budget.inFlight, { anonymous: 0, authenticated: 0 })
  })

  it('bounds anonymous requests in all, and keeps the authenticated share for authenticated callers', async () => {
    const budget = new InFlightBudget({ maxInFlight: 1, maxAnonymousInFlight: 2, maxAnonymousInFlightPerAddress: 5 })
    const anonymous = [hold(budget, context('/x', '10.0.0.1')), hold(budget, context('/x', '10.0.0.2'))]
    await assertBusy(budget.admit()(context('/x', '10.0.0.3'), pass) as Promise<void>)
    // An authenticated request holds the authenticated share; anonymous ones fill only their own.
    for (const request of anonymous) request.release()
    await Promise.all(anonymous.map((request) => request.done))
    const authenticated = hold(budget, context('/x', '10.0.0.4'), true)
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(budget.inFlight, { anonymous: 0, authenticated: 1 })
    const more = [hold(budget, context('/x', '10.0.0.5')), hold(budget, context('/x', '10.0.0.6'))]
    assert.deepEqual(budget.inFlight, { anonymous: 2, authenticated: 1 })
    authenticated.release()
    await authenticated.done
    for (const request of more) request.release()
    await Promise.all(more.map((request) => request.done))
  })

  it('answers 503 when the authenticated share is full at the claim', async () => {
    const budget = new InFlightBudget({ maxInFlight: 1, maxAnonymousInFlight: 5, maxAnonymousInFlightPerAddress: 5 })
    const first = hold(budget, context('/x'), true)
    await new Promise((resolve) => setImmediate(resolve))
    const ctx = context('/x')
    await assertBusy(budget.admit()(ctx, (() => budget.claim()(ctx, pass)) as Next) as Promise<void>)
    first.release()
    await first.done
    assert.deepEqual(budget.inFlight, { anonymous: 0, authenticated: 0 })
  })

  it('never refuses an exempt path', async () => {
    const budget = new InFlightBudget({ maxInFlight: 1, maxAnonymousInFlight: 1, maxAnonymousInFlightPerAddress: 1 })
    const held = hold(budget, context('/api/v1/models'))
    await budget.admit()(context('/healthz'), pass)
    held.release()
    await held.done
  })

  it('frees its place when the request below it throws', async () => {
    const budget = new InFlightBudget({ maxInFlight: 1, maxAnonymousInFlight: 1, maxAnonymousInFlightPerAddress: 1 })
    await assert.rejects(
      budget.admit()(context('/x'), (async () => {
        throw new Error('boom')
      }) as Next) as Promise<void>,
      /boom/,
    )
    await budget.admit()(context('/x'), pass)
    assert.deepEqual(budget.inFlight, { anonymous: 0, authenticated: 0 })
  })
})
