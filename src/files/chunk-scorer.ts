import { isApiError } from '../errors/api-error.js'
import type { Prediction } from '../predict/prediction.js'
import { chunkRecords, type InputChunk } from './input-chunk.js'
import type { InputRecord } from './input-record.js'
import type { ModelScorer } from './model-scorer.js'
import { columnBatch, rowsBatch, type ScoredBatch } from './scored-batch.js'
import { scoredRows, type RejectedRow, type ScoredRow } from './scored-row.js'

/** Scores the rows of one v1 predict body (`inputs`); throws an ApiError when it refuses them. */
export type ScoreRows = (inputs: unknown[]) => Promise<Prediction>

/** What became of one chunk, each in input order. */
export interface ChunkResult {
  scored: ScoredBatch
  rejected: RejectedRow[]
}

/** What became of the records of one chunk, each list in input order. */
interface RecordsResult {
  scored: ScoredRow[]
  rejected: RejectedRow[]
}

// Errors that belong to the rows sent: a smaller set of rows may pass. Every other error (an
// unknown model, a refused role, a server that is down) is the same for every row and ends the run.
const ROW_FAULTS = new Set(['invalid_input', 'payload_too_large'])

/**
 * Scores a chunk: plain rows in one matrix call when the scorer has one, and every other chunk
 * (or a plain one the matrix call refuses) through the records path, which finds the rows at fault.
 */
export async function scoreInputChunk(chunk: InputChunk, scorer: ModelScorer): Promise<ChunkResult> {
  if (chunk.kind === 'plain' && scorer.scoreMatrix !== undefined) {
    try {
      return { scored: columnBatch(chunk.firstRow, chunk.ids, await scorer.scoreMatrix(chunk.matrix)), rejected: [] }
    } catch (err) {
      if (!isRowFault(err)) throw err
    }
  }
  const { scored, rejected } = await scoreChunk(chunkRecords(chunk), scorer.score, scorer.featureNames)
  return { scored: rowsBatch(scored), rejected }
}

function isRowFault(err: unknown): boolean {
  return isApiError(err) && ROW_FAULTS.has(err.code)
}

/**
 * Scores a chunk in one call; when the rows are refused, the chunk is split in halves and each
 * half is tried again, down to single rows. A bad row so costs about log2(chunk) extra calls
 * and never rejects the rows beside it.
 */
async function scoreChunk(records: readonly InputRecord[], score: ScoreRows, featureNames?: readonly string[]): Promise<RecordsResult> {
  const result: RecordsResult = { scored: [], rejected: [] }
  const readable: InputRecord[] = []
  for (const record of records) {
    if (record.error === undefined) readable.push(record)
    else result.rejected.push(rejection(record, 'invalid_input', record.error))
  }
  await scoreSpan(readable, score, result, featureNames)
  if (result.rejected.length > 0) result.rejected.sort((a, b) => a.row - b.row)
  return result
}

async function scoreSpan(records: readonly InputRecord[], score: ScoreRows, result: RecordsResult, featureNames: readonly string[] | undefined): Promise<void> {
  if (records.length === 0) return
  try {
    const prediction = await score(records.map((record) => record.features))
    for (const row of scoredRows(records, prediction)) result.scored.push(row)
  } catch (err) {
    if (!isApiError(err) || !ROW_FAULTS.has(err.code)) throw err
    const [only] = records
    if (records.length === 1 && only !== undefined) {
      result.rejected.push(rejection(only, err.code, singleRowMessage(err.message, featureNames)))
      return
    }
    const half = Math.ceil(records.length / 2)
    await scoreSpan(records.slice(0, half), score, result, featureNames)
    await scoreSpan(records.slice(half), score, result, featureNames)
  }
}

function rejection(record: InputRecord, code: string, message: string): RejectedRow {
  return { row: record.row, ...(record.id === undefined ? {} : { id: record.id }), error: { code, message } }
}

/**
 * A message about the only row of a body without its position in the body (the rejects line has
 * the row): `row 0: x` → `x`, `/inputs/0/2: x` → `petal_length: x` (the feature at that index).
 */
function singleRowMessage(message: string, featureNames?: readonly string[]): string {
  if (message.startsWith('row 0: ')) return message.slice('row 0: '.length)
  const pointer = /^\/inputs\/0(?:\/([^:]*))?: /.exec(message)
  if (pointer === null) return message
  const rest = message.slice(pointer[0].length)
  const where = pointer[1]
  if (where === undefined) return rest
  const name = /^\d+$/.test(where) ? (featureNames?.[Number(where)] ?? `value ${where}`) : where
  return `${name}: ${rest}`
}
