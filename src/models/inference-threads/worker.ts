/**
 * An inference thread (node:worker_threads): owns the ONNX Runtime sessions the event-loop thread
 * opened on it and runs them, so a long `session.run` never holds up the event loop. Started by
 * src/models/inference-threads/pool.ts; speaks src/models/inference-threads/messages.ts.
 */
import { parentPort } from 'node:worker_threads'
import ort from 'onnxruntime-node'
import type { ThreadReply, ThreadRequest, WireTensor } from './messages.js'

const port = parentPort
if (port === null) throw new Error('the inference-thread worker runs as a worker thread')

// Keyed by the id of the request that opened the session.
const sessions = new Map<number, ort.InferenceSession>()

port.on('message', (request: ThreadRequest) => {
  handle(request).then(
    (reply) => port.postMessage(reply),
    (err: unknown) => port.postMessage({ id: request.id, op: 'error', message: err instanceof Error ? err.message : String(err) } satisfies ThreadReply),
  )
})

async function handle(request: ThreadRequest): Promise<ThreadReply> {
  switch (request.op) {
    case 'open': {
      const session = await ort.InferenceSession.create(request.bytes, request.options)
      sessions.set(request.id, session)
      return { id: request.id, op: 'open', inputMetadata: [...session.inputMetadata], outputMetadata: [...session.outputMetadata] }
    }
    case 'run': {
      const session = opened(request.session)
      const feeds: Record<string, ort.Tensor> = {}
      for (const tensor of request.feeds) feeds[tensor.name] = new ort.Tensor(tensor.type, tensor.data, tensor.dims)
      const results = request.fetches === undefined ? await session.run(feeds) : await session.run(feeds, request.fetches)
      const outputs: WireTensor[] = Object.entries(results).map(([name, tensor]) => ({ name, type: tensor.type, data: tensor.data, dims: tensor.dims }))
      return { id: request.id, op: 'run', outputs }
    }
    case 'release': {
      const session = opened(request.session)
      sessions.delete(request.session)
      await session.release()
      return { id: request.id, op: 'release' }
    }
  }
}

function opened(id: number): ort.InferenceSession {
  const session = sessions.get(id)
  if (session === undefined) throw new Error(`no session ${id} on this inference thread`)
  return session
}
