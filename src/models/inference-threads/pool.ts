import type { Worker } from 'node:worker_threads'
import ort from 'onnxruntime-node'
import type { Logger } from '../../observability/logger.js'
import { startWorker } from '../../workers/start-worker.js'
import type { ThreadReply, ThreadRequest, WireTensor } from './messages.js'
import type { ModelSession } from '../session-handle.js'

/** A request before it is given its id. */
type Outgoing<R = ThreadRequest> = R extends ThreadRequest ? Omit<R, 'id'> : never

/**
 * Up to `count` inference threads: a session opened here lives on a thread (a new one while
 * fewer than `count` run, else the one holding the fewest sessions) and its runs go there, so the
 * event loop keeps serving requests, health checks and /metrics while a model computes. Tensors
 * are copied across (structured clone), which costs a few microseconds a run: worth it when runs
 * are long, not for a 10 µs tree ensemble. No thread starts before the first session needs it.
 *
 * A thread that dies is dropped, so later loads land on a live one; the sessions it held fail
 * their runs (500) until their model is reloaded, and the failure is logged.
 */
export class InferenceThreads {
  readonly #threads: InferenceThread[] = []
  #stopping = false

  constructor(
    private readonly count: number,
    private readonly logger?: Logger,
    /** Starts one thread's worker; tests pass their own to see what a dying thread does. */
    private readonly startWorker: () => Worker = startInferenceWorker,
  ) {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`inference threads: expected a positive count, got ${count}`)
  }

  /** Opens a session from model bytes on an inference thread. */
  open(bytes: Uint8Array, options: ort.InferenceSession.SessionOptions): Promise<ModelSession> {
    if (this.#stopping) return Promise.reject(new Error('inference threads are stopping'))
    const started = this.#threads.length < this.count ? this.#start() : undefined
    const thread = started ?? this.#threads.reduce((least, candidate) => (candidate.sessions < least.sessions ? candidate : least))
    return thread.open(bytes, options)
  }

  /** Threads running now. */
  get running(): number {
    return this.#threads.length
  }

  /** Stops every thread; runs still in flight fail. */
  async close(): Promise<void> {
    this.#stopping = true
    await Promise.all(this.#threads.map((thread) => thread.stop()))
  }

  #start(): InferenceThread {
    const thread = new InferenceThread(this.startWorker(), (err) => {
      if (this.#stopping) return
      this.logger?.error('inference thread died; its sessions fail until their models are reloaded', { reason: err.message, sessions: thread.sessions })
      const index = this.#threads.indexOf(thread)
      if (index >= 0) this.#threads.splice(index, 1)
    })
    this.#threads.push(thread)
    return thread
  }
}

interface Pending {
  resolve(reply: ThreadReply): void
  reject(err: Error): void
}

class InferenceThread {
  /** Sessions open on this thread. */
  sessions = 0
  readonly #worker: Worker
  readonly #pending = new Map<number, Pending>()
  #nextId = 1
  #failure: Error | undefined

  constructor(
    worker: Worker,
    private readonly onFailure: (err: Error) => void,
  ) {
    this.#worker = worker
    this.#worker.on('message', (reply: ThreadReply) => this.#settle(reply))
    this.#worker.on('error', (err) => this.#fail(new Error(`inference thread failed: ${err.message}`)))
    this.#worker.on('exit', (code) => this.#fail(new Error(`inference thread stopped (exit code ${code})`)))
    // An idle thread does not keep the process alive; a pending request does (see #call).
    this.#worker.unref()
  }

  async open(bytes: Uint8Array, options: ort.InferenceSession.SessionOptions): Promise<ModelSession> {
    const reply = await this.#call({ op: 'open', bytes, options })
    if (reply.op !== 'open') throw unexpected(reply)
    this.sessions += 1
    return new ThreadSession(this, reply.id, reply.inputMetadata, reply.outputMetadata)
  }

  async run(session: number, feeds: ort.InferenceSession.FeedsType, fetches: readonly string[] | undefined): Promise<ort.InferenceSession.ReturnType> {
    const wire: WireTensor[] = Object.entries(feeds).map(([name, tensor]) => ({ name, type: tensor.type, data: tensor.data, dims: tensor.dims }))
    const reply = await this.#call(fetches === undefined ? { op: 'run', session, feeds: wire } : { op: 'run', session, feeds: wire, fetches })
    if (reply.op !== 'run') throw unexpected(reply)
    const results: Record<string, ort.Tensor> = {}
    for (const output of reply.outputs) results[output.name] = new ort.Tensor(output.type, output.data, output.dims)
    return results
  }

  async release(session: number): Promise<void> {
    this.sessions -= 1
    const reply = await this.#call({ op: 'release', session })
    if (reply.op !== 'release') throw unexpected(reply)
  }

  async stop(): Promise<void> {
    this.#fail(new Error('inference threads are stopping'))
    await this.#worker.terminate()
  }

  #call(request: Outgoing): Promise<ThreadReply> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure)
    const id = this.#nextId
    this.#nextId += 1
    if (this.#pending.size === 0) this.#worker.ref()
    return new Promise<ThreadReply>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject })
      this.#worker.postMessage({ ...request, id })
    })
  }

  #settle(reply: ThreadReply): void {
    const pending = this.#pending.get(reply.id)
    if (pending === undefined) return
    this.#forget(reply.id)
    if (reply.op === 'error') pending.reject(new Error(reply.message))
    else pending.resolve(reply)
  }

  #fail(err: Error): void {
    if (this.#failure === undefined) {
      this.#failure = err
      this.onFailure(err)
    }
    for (const [id, pending] of this.#pending) {
      this.#forget(id)
      pending.reject(this.#failure)
    }
  }

  #forget(id: number): void {
    this.#pending.delete(id)
    if (this.#pending.size === 0) this.#worker.unref()
  }
}

/** A session that lives on an inference thread. */
class ThreadSession implements ModelSession {
  constructor(
    private readonly thread: InferenceThread,
    private readonly id: number,
    readonly inputMetadata: readonly ort.InferenceSession.ValueMetadata[],
    readonly outputMetadata: readonly ort.InferenceSession.ValueMetadata[],
  ) {}

  run(feeds: ort.InferenceSession.FeedsType, fetches?: readonly string[]): Promise<ort.InferenceSession.ReturnType> {
    return this.thread.run(this.id, feeds, fetches)
  }

  release(): Promise<void> {
    return this.thread.release(this.id)
  }
}

function unexpected(reply: ThreadReply): Error {
  return new Error(`inference thread answered ${reply.op}`)
}

/** Starts src/models/inference-threads/worker (see startWorker for the compiled and the TypeScript case). */
function startInferenceWorker(): Worker {
  return startWorker(import.meta.url, './worker')
}
