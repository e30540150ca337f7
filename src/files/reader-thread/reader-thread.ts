import type { Worker } from 'node:worker_threads'
import { startWorker } from '../../workers/start-worker.js'
import type { FileFormat } from '../format.js'
import type { InputChunk } from '../input-chunk.js'
import type { ReadProgress, ReaderOptions, RecordReader } from '../readers.js'
import type { ReaderReply, ReaderRequest } from './messages.js'

// Chunks parsed ahead of the ones taken: enough to keep both threads busy, few enough to keep
// memory bounded (a chunk is --batch-rows rows).
const READ_AHEAD_CHUNKS = 8
// Chunks taken before the reader thread hears of them: one message per few chunks, not per chunk.
const CREDIT_STEP = 4

/**
 * A thread that parses one input file (reader-thread/worker.ts), so the scoring thread only
 * checks, scores and writes while the next chunks are parsed. Started before the model loads,
 * so its start-up is done by the time the file is read; read() once, then close().
 */
export class ReaderThread {
  readonly #worker: Worker
  readonly #replies: ReplyQueue

  constructor() {
    this.#worker = startWorker(import.meta.url, './worker')
    this.#replies = new ReplyQueue(this.#worker)
  }

  /**
   * The file's chunks in file order, as openReader (readers.ts) reads them; a reading error is
   * thrown with the reader's own message.
   */
  read(path: string, format: FileFormat, options: ReaderOptions): RecordReader {
    let progress: ReadProgress = { done: 0, total: 0 }
    this.#post({ op: 'open', path, format, options, credit: READ_AHEAD_CHUNKS })
    const chunks = async function* (this: ReaderThread): AsyncIterable<InputChunk> {
      let taken = 0
      for (;;) {
        const reply = await this.#replies.next()
        if (reply.op === 'error') throw new Error(reply.message)
        progress = reply.progress
        if (reply.op === 'end') return
        taken += 1
        if (taken === CREDIT_STEP) {
          this.#post({ op: 'credit', chunks: taken })
          taken = 0
        }
        yield reply.chunk
      }
    }
    return { chunks: chunks.call(this), progress: () => progress }
  }

  /** Stops the thread, whether or not the file was read to its end. */
  async close(): Promise<void> {
    this.#replies.closing = true
    await this.#worker.terminate()
  }

  #post(request: ReaderRequest): void {
    this.#worker.postMessage(request)
  }
}

/** The replies of the reader thread, one at a time; a thread that fails or stops early is an error. */
class ReplyQueue {
  closing = false
  readonly #replies: ReaderReply[] = []
  #waiting: ((reply: ReaderReply) => void) | undefined

  constructor(worker: Worker) {
    worker.on('message', (reply: ReaderReply) => this.#push(reply))
    worker.on('error', (err) => this.#push({ op: 'error', message: err.message }))
    worker.on('exit', (code) => {
      if (!this.closing) this.#push({ op: 'error', message: `the reader thread stopped (exit code ${code})` })
    })
  }

  next(): Promise<ReaderReply> {
    const reply = this.#replies.shift()
    if (reply !== undefined) return Promise.resolve(reply)
    return new Promise((resolve) => (this.#waiting = resolve))
  }

  #push(reply: ReaderReply): void {
    const waiting = this.#waiting
    this.#waiting = undefined
    if (waiting === undefined) this.#replies.push(reply)
    else waiting(reply)
  }
}
