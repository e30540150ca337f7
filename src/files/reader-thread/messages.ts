import type { FileFormat } from '../format.js'
import type { InputChunk } from '../input-chunk.js'
import type { ReadProgress, ReaderOptions } from '../readers.js'

/** What the scoring thread asks of the reader thread. */
export type ReaderRequest =
  /** Read this file; chunks are sent as credit allows. */
  | { op: 'open'; path: string; format: FileFormat; options: ReaderOptions; credit: number }
  /** The scoring thread took chunks off its queue: this many more may be sent. */
  | { op: 'credit'; chunks: number }

/** What the reader thread sends back, in file order. */
export type ReaderReply =
  | { op: 'chunk'; chunk: InputChunk; progress: ReadProgress }
  | { op: 'end'; progress: ReadProgress }
  /** Reading failed (a file that is not what its format says); the message is the reader's own. */
  | { op: 'error'; message: string }
