import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { ApiError, ERROR_STATUS } from '../../src/errors/api-error.js'

// The contract lives in shared/docs beside the repo; docs/contract.md is the shipped copy.
const contractPath = ['../shared/docs/contract.md', 'docs/contract.md'].find((path) => existsSync(path)) ?? 'docs/contract.md'

function contractStatuses(): Set<number> {
  const section = readFileSync(contractPath, 'utf8').split('### Status codes')[1] ?? ''
  return new Set([...section.matchAll(/^\| (\d{3}) \|/gm)].map((match) => Number(match[1])))
}

describe('ERROR_STATUS', () => {
  it('has a code for every status of the contract table', () => {
    const catalog = new Set<number>(Object.values(ERROR_STATUS))
    for (const status of contractStatuses()) assert.ok(catalog.has(status), `no error code answers ${status}`)
  })

  it('answers only statuses of the contract table, plus 405, 500 and 501 from HTTP itself', () => {
    const allowed = new Set([...contractStatuses(), 405, 500, 501])
    for (const [code, status] of Object.entries(ERROR_STATUS)) assert.ok(allowed.has(status), `${code} → ${status} is not in the contract`)
  })

  it('uses snake_case codes', () => {
    for (const code of Object.keys(ERROR_STATUS)) assert.match(code, /^[a-z]+(_[a-z]+)*$/)
  })
})

describe('new ApiError(code, message)', () => {
  it('takes its status from the catalog', () => {
    const error = new ApiError('payload_too_large', 'too big')
    assert.equal(error.status, 413)
    assert.deepEqual(error.details, [])
    assert.deepEqual(error.headers, {})
  })

  it('carries headers and the cause', () => {
    const cause = new Error('inner')
    const error = new ApiError('rate_limited', 'slow down', { headers: { 'Retry-After': '3' }, cause })
    assert.equal(error.headers['Retry-After'], '3')
    assert.equal(error.cause, cause)
  })
})
