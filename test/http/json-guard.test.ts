import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { inspectParsed, measureDepth } from '../../src/http/json-guard.js'

const bytes = (text: string): Uint8Array => Buffer.from(text, 'utf8')

describe('measureDepth', () => {
  it('passes a body nested up to the limit and refuses one level more', () => {
    assert.equal(measureDepth(bytes(`${'['.repeat(32)}${']'.repeat(32)}`), 32), undefined)
    assert.match(measureDepth(bytes(`${'['.repeat(33)}${']'.repeat(33)}`), 32)?.message ?? '', /deeper than 32 levels/)
    assert.match(measureDepth(bytes(`{"a":${'{"b":'.repeat(40)}1${'}'.repeat(41)}`), 32)?.message ?? '', /deeper than 32/)
  })

  it('does not count brackets inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ note: `${'[{'.repeat(50)} \\" "quoted" ${'}]'.repeat(50)}`, inputs: [[1, 2]] })
    assert.equal(measureDepth(bytes(text), 4), undefined)
  })

  it('reads multi-byte UTF-8 without mistaking its bytes for brackets', () => {
    const text = JSON.stringify({ name: 'ſ€𝄞', rows: [[1]] })
    assert.equal(measureDepth(bytes(text), 3), undefined)
    assert.ok(measureDepth(bytes(text), 2) !== undefined)
  })
})

describe('inspectParsed', () => {
  const limits = { maxDepth: 32, maxArrayLength: 3 }
  it('refuses forbidden keys at any depth and over-long arrays', () => {
    assert.equal(inspectParsed({ inputs: [[1, 2, 3]] }, limits), undefined)
    assert.equal(inspectParsed(JSON.parse('{"a":[{"__proto__":1}]}'), limits)?.kind, 'forbidden_key')
    assert.equal(inspectParsed({ inputs: [[1, 2, 3, 4]] }, limits)?.kind, 'array_length')
  })
})
