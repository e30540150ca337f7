import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { stringify } from 'csv-stringify/sync'
import { CsvText, JsonLinesText } from '../../src/files/batch-text.js'
import type { ScoredBatch } from '../../src/files/scored-batch.js'
import { NumberBytes, TextBytes } from '../../src/files/text-bytes.js'

// Numbers whose printing has a catch: shortest round trip, exponents, signed zero, the non-finite.
const AWKWARD = [0.1 + 0.2, -0, 1e21, 5e-324, 123456789.125, -1.5e-7, NaN, Infinity, -Infinity, 1, 0]

/** Rows 10, 11, … with probabilities taken in turn from AWKWARD, three classes. */
function batch(ids?: (string | number | undefined)[]): ScoredBatch {
  const count = ids?.length ?? 4
  const probabilities = Float64Array.from({ length: count * 3 }, (_, index) => AWKWARD[index % AWKWARD.length] ?? 0)
  const predictions: ScoredBatch['predictions'] = ['setosa', 'a,"quoted" label', 2.5, [1, 2]]
  return {
    rows: Array.from({ length: count }, (_, index) => 10 + index),
    ...(ids === undefined ? {} : { ids }),
    predictions: Array.from({ length: count }, (_, index) => predictions[index % predictions.length] ?? 0),
    probabilities,
    classes: 3,
  }
}

describe('CsvText', () => {
  it('writes the lines csv-stringify writes for the same cells', () => {
    const ids = ['plain', 'a,1', 'q"x', 'line\nbreak', 'ünïcödé', 42, undefined]
    const scored = batch(ids)
    const text = new CsvText({ key: 'id', probabilityColumns: ['p_a', 'p_b', 'p_c'] })
    const cells = scored.rows.map((_, index) => [
      ids[index] ?? '',
      ((value) => (Array.isArray(value) ? JSON.stringify(value) : value))(scored.predictions[index]),
      ...Array.from({ length: 3 }, (_, column) => String(scored.probabilities?.[index * 3 + column])),
    ])
    assert.equal(text.header(), 'id,prediction,p_a,p_b,p_c\n')
    assert.equal(text.lines(scored).toString('utf8'), stringify(cells, { record_delimiter: 'unix' }))
  })

  it('keys rows by number when there are no ids, and leaves a column without a value empty', () => {
    const scored: ScoredBatch = { rows: [0, 9, 10, 99, 100, 12345], predictions: ['a', 'b', 'a', 'b', 'a', 'b'], classes: 0 }
    const text = new CsvText({ key: 'row', probabilityColumns: ['p_a'] })
    assert.equal(text.lines(scored).toString('utf8'), '0,a,\n9,b,\n10,a,\n99,b,\n100,a,\n12345,b,\n')
  })
})

describe('JsonLinesText', () => {
  it('writes each row as JSON.stringify writes it, ids of both types and null for non-finite numbers', () => {
    const ids = [undefined, 's1', 7, 'ünï"code', undefined]
    const scored = batch(ids)
    const lines = new JsonLinesText().lines(scored).toString('utf8').split('\n')
    assert.equal(lines.pop(), '')
    assert.deepEqual(
      lines,
      scored.rows.map((row, index) =>
        JSON.stringify({
          ...(ids[index] === undefined ? { row } : { id: ids[index] }),
          prediction: scored.predictions[index],
          probabilities: Array.from(scored.probabilities?.subarray(index * 3, index * 3 + 3) ?? []),
        }),
      ),
    )
  })
})

describe('TextBytes', () => {
  it('prints integers as String() does, and grows past its first buffer', () => {
    const out = new TextBytes()
    const values = [0, 9, 10, 99, 100, 999, 1000, 123456789, Number.MAX_SAFE_INTEGER, -3, 1.5, 2 ** 60]
    let expected = ''
    for (let round = 0; round < 3000; round += 1) {
      for (const value of values) {
        out.integer(value)
        out.byte(0x20)
        expected += `${String(value)} `
      }
    }
    assert.ok(expected.length > 64 * 1024)
    assert.equal(out.take().toString('utf8'), expected)
    out.text('é')
    assert.equal(out.take().toString('utf8'), 'é')
  })

  it('hands out bytes of their own: the next lines do not overwrite the last ones', () => {
    const out = new TextBytes()
    out.text('first')
    const first = out.take()
    out.text('second')
    assert.equal(first.toString('utf8'), 'first')
    assert.equal(out.take().toString('utf8'), 'second')
  })
})

describe('NumberBytes', () => {
  it('gives each number its own text, whichever shares its slot', () => {
    const numbers = new NumberBytes(false)
    const values = Array.from({ length: 20_000 }, (_, index) => index / 7)
    for (let round = 0; round < 2; round += 1) for (const value of values) assert.equal(Buffer.from(numbers.of(value)).toString('utf8'), String(value))
    assert.equal(Buffer.from(new NumberBytes(true).of(NaN)).toString('utf8'), 'null')
  })
})
