import { isApiError } from '../errors/api-error.js'
import type { Prediction } from '../predict/prediction.js'
import type { InputRecord } from './input-record.js'
import { scoredRows, type RejectedRow, type ScoredRow } from './scored-row.js'

/** Scores the rows of one v1 predict body (`inputs`); throws an ApiError when it refuses them. */
export type ScoreRows = (inputs: unknown[]) => Promise<Prediction>

/** What became of one chunk of records, each list in input order. */
export interface ChunkResult {
  scored: ScoredRow[]
  rejected: RejectedRow[]
}

// Errors that belong to the rows sent: a smaller set of rows may pass. Every other error (an
// unknown model, a refused role, a server that is down) is the same for every row and ends the run.
const ROW_FAULTS = new Set(['invalid_input', 'payload_too_large'])

/**
 * Scores a chunk in one call; when the rows are refused, the chunk is split in halves and each
 * half is tried again, down to single rows. A bad row so costs about log2(chunk) extra calls
 * and never rejects the rows beside it.
 */
export async function scoreChunk(records: readonly InputRecord[], score: ScoreRows, featureNames?: readonly string[]): Promise<ChunkResult> {
  const result: ChunkResult = { scored: [], rejected: [] }
  const readable: InputRecord[] = []
  for (const record of records) {
    if (record.error === undefined) readable.push(record)
    else result.rejected.push(rejection(record, 'invalid_input', record.error))
  }
  await scoreSpan(readable, score, result, featureNames)
  if (result.rejected.length > 0) result.rejected.sort((a, b) => a.row - b.row)
  return result
}

async function scoreSpan(records: readonly InputRecord[], score: ScoreRows, result: ChunkResult, featureNames: readonly string[] | undefined): Promise<void> {
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
