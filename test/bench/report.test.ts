import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { LoadResult } from '../../bench/load.js'
import { soakSummary, verdicts, type Cell, type ServerKind, type SoakResult } from '../../bench/report.js'

function cell(model: string, connections: number, server: ServerKind, requestsPerSecond: number, p99Micros: number, cpu: number): Cell {
  const result: LoadResult = { requests: 1000, seconds: 1, requestsPerSecond, p50Micros: 1, p99Micros, non2xx: 0, errors: 0, serverCpuMicrosPerRequest: cpu }
  return { model, connections, server, result }
}

describe('bench verdicts', () => {
  it('checks each target of issue 6 against the measured ratios', () => {
    const cells = [
      cell('iris', 16, 'baseline', 10_000, 100, 40),
      cell('iris', 16, 'noauth', 20_000, 100, 20),
      cell('iris', 16, 'portcullis', 9_000, 100, 50),
      cell('iris', 64, 'baseline', 10_000, 1000, 40),
      cell('iris', 64, 'portcullis', 10_000, 1600, 40),
      cell('mlp', 16, 'baseline', 5_000, 100, 200),
      cell('mlp', 16, 'cached', 10_000, 100, 100),
      cell('mlp', 64, 'baseline', 5_000, 100, 200),
      cell('mlp', 64, 'portcullis', 9_000, 100, 110),
    ]
    const list = verdicts(cells, { requests: 1_000_000, firstRequests: 10_000, rssAfterFirstBytes: 100, rssAfterAllBytes: 111, non2xx: 0, errors: 0, samples: [] })
    assert.deepEqual(
      list.map((verdict) => verdict.met),
      [true, false, false, true, false, false],
    )
    assert.deepEqual(
      list.map((verdict) => verdict.measured),
      ['0.90', '0.45', '1.60', '2.00', '1.80', '1.11'],
    )
    assert.equal(list[0]?.byCpu, '0.80')
    assert.equal(list[4]?.byCpu, '1.82')
    assert.ok(
      list.every((verdict) => verdict.floor === undefined),
      'no floor server measured, no floor column',
    )
  })

  it('shows what the Koa floor reaches on the Iris targets, with the headers and without', () => {
    const cells = [
      cell('iris', 16, 'baseline', 10_000, 100, 40),
      cell('iris', 16, 'noauth', 20_000, 100, 20),
      cell('iris', 16, 'floor', 8_000, 100, 50),
      cell('iris', 16, 'floor-headers', 7_000, 100, 57),
      cell('iris', 64, 'baseline', 10_000, 1000, 40),
      cell('iris', 64, 'floor', 8_000, 1100, 50),
      cell('iris', 64, 'floor-headers', 7_000, 1200, 57),
    ]
    const list = verdicts(cells, undefined)
    assert.deepEqual(
      list.slice(0, 3).map((verdict) => verdict.floor),
      ['0.70 (0.80)', '0.35 (0.40)', '1.20 (1.10)'],
    )
    assert.ok(list.slice(3).every((verdict) => verdict.floor === undefined))
  })

  it('reports a target it could not measure as not run', () => {
    const list = verdicts([], undefined)
    assert.ok(list.every((verdict) => verdict.met === undefined))
  })

  it('writes the leak check with every reading along the way and their range after the first', () => {
    const MiB = 1024 * 1024
    const soak: SoakResult = {
      requests: 1_000_000,
      firstRequests: 10_000,
      rssAfterFirstBytes: 150 * MiB,
      rssAfterAllBytes: 168 * MiB,
      non2xx: 1,
      errors: 1,
      samples: [
        { requests: 10_000, rssBytes: 150 * MiB },
        { requests: 505_000, rssBytes: 181 * MiB },
        { requests: 1_000_000, rssBytes: 168 * MiB },
      ],
    }
    const text = soakSummary(soak)
    assert.match(text, /RSS 150\.0 MiB after 10000 requests, 168\.0 MiB after 1000000 \(12\.0 %\), 2 failed/)
    assert.match(text, /Along the way: 150 MiB after 10000, 181 MiB after 505000, 168 MiB after 1000000; after the first 10000, RSS stayed between 168\.0 MiB and 181\.0 MiB\./)
  })
})
