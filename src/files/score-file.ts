import { rm } from 'node:fs/promises'
import { scoreInputChunk, type ChunkResult } from './chunk-scorer.js'
import type { FileFormat } from './format.js'
import type { ModelScorer } from './model-scorer.js'
import { openReader, type ReadProgress } from './readers.js'
import type { ReaderThread } from './reader-thread/reader-thread.js'
import { rejectLine } from './scored-row.js'
import { LineWriter, openWriter } from './writers.js'

/** One scoring run over a file. */
export interface ScoreFileOptions {
  input: string
  inputFormat: FileFormat
  output: string
  outputFormat: FileFormat
  /** JSON Lines file for rejected rows; created only when a row is rejected. */
  rejects: string
  /** Rows per call into the scorer. */
  batchRows: number
  scorer: ModelScorer
  /** The thread that parses the input (started early, while the model loads); the caller closes it. Without one, the input is parsed on this thread. */
  readerThread?: ReaderThread
  /** Called after each chunk is written. */
  onProgress?: (progress: RunProgress) => void
}

/** Counts so far, and how far the reader has come. */
export interface RunProgress {
  scored: number
  rejected: number
  read: ReadProgress
}

/** What a finished run did. */
export interface ScoreSummary {
  scored: number
  rejected: number
}

// Chunks scored at once: while one runs in ONNX Runtime (or at the gateway), the next is checked;
// the reader thread parses further ahead (reader-thread/reader-thread.ts).
const CHUNKS_IN_FLIGHT = 2

/**
 * Reads the input as a stream, scores it chunk by chunk and writes answers and rejects in input
 * order. At most CHUNKS_IN_FLIGHT chunks are held, so memory does not grow with the file.
 */
export async function scoreFile(options: ScoreFileOptions): Promise<ScoreSummary> {
  const { scorer, batchRows } = options
  const readerOptions = { batchRows, ...(scorer.featureNames === undefined ? {} : { featureNames: scorer.featureNames }) }
  const reader = options.readerThread?.read(options.input, options.inputFormat, readerOptions) ?? (await openReader(options.input, options.inputFormat, readerOptions))
  const writer = openWriter(options.output, options.outputFormat, scorer.labels)
  // A rejects file left by an earlier run would be read as this run's.
  await rm(options.rejects, { force: true })
  let rejects: LineWriter | undefined
  const totals: ScoreSummary = { scored: 0, rejected: 0 }
  const inFlight: Promise<ChunkResult>[] = []
  const settle = async (): Promise<void> => {
    const next = inFlight.shift()
    if (next === undefined) return
    const { scored, rejected } = await next
    await writer.write(scored)
    if (rejected.length > 0) {
      rejects ??= new LineWriter(options.rejects)
      await rejects.writeLines(rejected.map(rejectLine))
    }
    totals.scored += scored.rows.length
    totals.rejected += rejected.length
    options.onProgress?.({ ...totals, read: reader.progress() })
  }
  try {
    for await (const chunk of reader.chunks) {
      inFlight.push(started(scoreInputChunk(chunk, scorer)))
      if (inFlight.length >= CHUNKS_IN_FLIGHT) await settle()
    }
    while (inFlight.length > 0) await settle()
  } finally {
    // A failed chunk leaves the others running; their results no longer matter.
    await Promise.allSettled(inFlight)
    await writer.close()
    await rejects?.close()
  }
  return totals
}

/** Marks a chunk's failure as seen: it is thrown where the chunk is awaited, in order, not as an unhandled rejection before. */
function started<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined)
  return promise
}
