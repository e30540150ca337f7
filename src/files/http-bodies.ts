import { parse } from 'csv-parse/sync'
import { ApiError } from '../errors/api-error.js'
import { inspectParsed, measureDepth, type JsonLimits } from '../http/json-guard.js'
import type { Prediction } from '../predict/prediction.js'
import { csvLayout, csvRecord } from './input-record.js'
import { CsvText, JsonLinesText } from './batch-text.js'
import { flatLayout, rowsBatch } from './scored-batch.js'
import { scoredRows } from './scored-row.js'

/** The table formats a predict route takes and answers besides JSON. */
export type TabularType = 'text/csv' | 'application/x-ndjson'

/** Media types of the table formats, in the order `Accept` is matched after JSON. */
export const TABULAR_TYPES: readonly TabularType[] = ['text/csv', 'application/x-ndjson']

// The v1 predict routes: the only ones that take a table instead of JSON.
const PREDICT_PATH = /^\/api\/v1\/(?:models\/[^/]+\/(?:versions\/[^/]+\/)?)?predict\/?$/

/** True for a path of a v1 predict route. */
export function isPredictPath(path: string): boolean {
  return PREDICT_PATH.test(path)
}

/**
 * A CSV (header row of feature names) or NDJSON (one row or feature object per line) request
 * body as the v1 predict body `{"inputs": [...]}`, checked against the same JSON limits
 * (depth, array length, forbidden keys such as `__proto__`). Throws 400 with the line at fault.
 */
export function tabularBody(bytes: Uint8Array, type: TabularType, limits: JsonLimits): { inputs: unknown[] } {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
  const body = { inputs: type === 'text/csv' ? csvInputs(text) : ndjsonInputs(bytes, text, limits.maxDepth) }
  const fault = inspectParsed(body, limits)
  if (fault !== undefined) throw new ApiError('invalid_input', fault.message)
  return body
}

function csvInputs(text: string): unknown[] {
  let lines: string[][]
  try {
    lines = parse(text, { relax_column_count: true, skip_empty_lines: true })
  } catch (err) {
    throw new ApiError('invalid_input', `request body is not valid CSV: ${err instanceof Error ? err.message : 'parse error'}`, { cause: err })
  }
  const [header, ...rows] = lines
  if (header === undefined || rows.length === 0) throw new ApiError('invalid_input', 'a CSV body needs a header row of feature names and at least one row')
  const layout = csvLayout(header, undefined, false)
  return rows.map((cells, index) => {
    const record = csvRecord(layout, cells, index)
    if (record.error !== undefined) throw new ApiError('invalid_input', `row ${index}: ${record.error}`, { details: [{ path: `/inputs/${index}` }] })
    return record.features
  })
}

function ndjsonInputs(bytes: Uint8Array, text: string, maxDepth: number): unknown[] {
  const depthFault = measureDepth(bytes, maxDepth)
  if (depthFault !== undefined) throw new ApiError('invalid_input', depthFault.message)
  const inputs: unknown[] = []
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    try {
      inputs.push(JSON.parse(line))
    } catch {
      // The parser's message would quote the body back; the row number says where.
      throw new ApiError('invalid_input', `row ${inputs.length}: line is not valid JSON`, { details: [{ path: `/inputs/${inputs.length}` }] })
    }
  }
  if (inputs.length === 0) throw new ApiError('invalid_input', 'an NDJSON body needs at least one row')
  return inputs
}

/**
 * A prediction as a CSV (`row`, `prediction`, `p_<label>`…) or NDJSON (`row`, `prediction`,
 * `probabilities` per line) answer; `labels` name the probability columns.
 */
export function tabularAnswer(type: TabularType, prediction: Prediction, labels: readonly string[] | undefined): string {
  const batch = rowsBatch(
    scoredRows(
      prediction.predictions.map((_, row) => ({ row })),
      prediction,
    ),
  )
  if (type === 'application/x-ndjson') return new JsonLinesText().lines(batch).toString('utf8')
  if (batch.rows.length === 0) return ''
  const text = new CsvText(flatLayout(batch, labels))
  return text.header() + text.lines(batch).toString('utf8')
}
