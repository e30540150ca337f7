/**
 * The reader thread (node:worker_threads): parses the input file into chunks with the same
 * readers as the scoring thread would (src/files/readers.ts) and sends them over, the numbers of
 * a plain chunk moved, not copied. At most `credit` chunks are sent ahead of the ones the
 * scoring thread has taken, so memory stays bounded. Started by reader-thread.ts.
 */
import { parentPort } from 'node:worker_threads'
import type { InputChunk } from '../input-chunk.js'
import { openReader } from '../readers.js'
import type { ReaderReply, ReaderRequest } from './messages.js'

const port = parentPort
if (port === null) throw new Error('the reader-thread worker runs as a worker thread')

let credit = 0
let wake: (() => void) | undefined

port.on('message', (request: ReaderRequest) => {
  credit += request.op === 'open' ? request.credit : request.chunks
  wake?.()
  if (request.op === 'open') void read(request)
})

async function read({ path, format, options }: Extract<ReaderRequest, { op: 'open' }>): Promise<void> {
  try {
    const reader = await openReader(path, format, options)
    for await (const chunk of reader.chunks) {
      while (credit === 0) await new Promise<void>((resolve) => (wake = resolve))
      credit -= 1
      send({ op: 'chunk', chunk, progress: reader.progress() }, chunk)
    }
    send({ op: 'end', progress: reader.progress() })
  } catch (err) {
    send({ op: 'error', message: err instanceof Error ? err.message : String(err) })
  }
}

function send(reply: ReaderReply, chunk?: InputChunk): void {
  // A plain chunk's numbers are the builder's own array, which it replaces after take(): moved.
  const numbers = chunk?.kind === 'plain' ? chunk.matrix.values.buffer : undefined
  port?.postMessage(reply, numbers instanceof ArrayBuffer ? [numbers] : [])
}
