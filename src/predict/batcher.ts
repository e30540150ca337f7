import { ApiError } from '../errors/api-error.js'

/** The dynamic batcher's knobs, named as in Triton's batcher.md. */
export interface BatcherOptions {
  /** Rows merged into one run; a request with more rows runs alone. */
  maxBatchSize: number
  /** How long the oldest request may wait for more rows; 0 merges what is already queued. */
  maxQueueDelayMicroseconds: number
  /** Requests waiting; one more is refused with 503 and Retry-After. */
  maxQueueSize: number
}

/** Runs the merged rows of a batch once. */
export type BatchRunner<Row, Result> = (rows: Row[]) => Promise<Result>

/** Cuts one request's share, `count` rows from `start`, out of a batch's result. */
export type BatchSlicer<Result> = (result: Result, start: number, count: number) => Result

/** Timings the batcher reports, per request and per run. */
export interface BatchObserver<Row> {
  /** Seconds one request, given by what it submitted, waited before its batch started. */
  queueWait(seconds: number, request: readonly Row[]): void
  /** One run finished: rows merged, the requests it served, seconds it took. */
  batchDone(rows: number, requests: readonly (readonly Row[])[], seconds: number): void
}

interface Pending<Row, Result> {
  rows: Row[]
  /** Batch rows the request holds: rows.length, unless one submitted item holds several rows. */
  count: number
  /** performance.now() when queued, milliseconds. */
  enqueuedAt: number
  resolve: (result: Result) => void
  reject: (reason: unknown) => void
}

/**
 * A bounded micro-batch queue for one model version (Triton's dynamic batcher): requests that
 * arrive while a run is busy, or within the queue delay, are merged into one run of up to
 * maxBatchSize rows, and each request gets back exactly its own rows. One run is in flight at a
 * time: a session computes one run at a time, on the JS thread or on its inference thread, so a
 * second run would only wait, while its rows could have joined the next batch.
 */
export class MicroBatcher<Row, Result> {
  readonly #queue: Pending<Row, Result>[] = []
  #queuedRows = 0
  #running = false
  #scheduled = false
  #timer: NodeJS.Timeout | undefined

  constructor(
    private readonly run: BatchRunner<Row, Result>,
    private readonly slice: BatchSlicer<Result>,
    private readonly options: BatcherOptions,
    private readonly observer?: BatchObserver<Row>,
  ) {}

  /** Requests waiting for a run. */
  get queued(): number {
    return this.#queue.length
  }

  /**
   * Queues the rows of one request; resolves with its share of the batch result. `count` says how
   * many batch rows they make when one item is not one row (a tensor of several rows).
   */
  submit(rows: Row[], count = rows.length): Promise<Result> {
    if (this.#queue.length >= this.options.maxQueueSize) {
      return Promise.reject(new ApiError('unavailable', 'the model is overloaded; retry shortly', { headers: { 'Retry-After': '1' } }))
    }
    return new Promise<Result>((resolve, reject) => {
      this.#queue.push({ rows, count, enqueuedAt: performance.now(), resolve, reject })
      this.#queuedRows += count
      this.#schedule()
    })
  }

  #schedule(): void {
    if (this.#running || this.#queue.length === 0) return
    const full = this.#queuedRows >= this.options.maxBatchSize
    if (this.#scheduled) {
      // A batch that fills up while its delay runs goes at once.
      if (full && this.#timer !== undefined) {
        clearTimeout(this.#timer)
        this.#timer = undefined
        setImmediate(() => this.#flush())
      }
      return
    }
    this.#scheduled = true
    const delay = this.options.maxQueueDelayMicroseconds
    if (full || delay === 0) {
      // Still deferred: requests read in the same event-loop turn join this batch.
      setImmediate(() => this.#flush())
    } else if (delay < 1000) {
      setImmediate(() => this.#waitBriefly())
    } else {
      this.#timer = setTimeout(() => this.#flush(), Math.ceil(this.#remainingMicroseconds() / 1000))
    }
  }

  /**
   * Node timers have millisecond resolution, so a sub-millisecond delay is kept by re-checking once
   * per event-loop turn; each turn still polls sockets, so the wait also lets requests in.
   */
  #waitBriefly(): void {
    if (this.#queuedRows >= this.options.maxBatchSize || this.#remainingMicroseconds() <= 0) this.#flush()
    else setImmediate(() => this.#waitBriefly())
  }

  #remainingMicroseconds(): number {
    const oldest = this.#queue[0]
    if (oldest === undefined) return 0
    const waited = (performance.now() - oldest.enqueuedAt) * 1000
    return this.options.maxQueueDelayMicroseconds - waited
  }

  #flush(): void {
    this.#scheduled = false
    this.#timer = undefined
    if (this.#running || this.#queue.length === 0) return
    const batch = this.#take()
    this.#running = true
    void this.#execute(batch).finally(() => {
      this.#running = false
      this.#schedule()
    })
  }

  /** The oldest request, and those after it while the rows fit. */
  #take(): Pending<Row, Result>[] {
    const batch: Pending<Row, Result>[] = []
    let rows = 0
    while (this.#queue.length > 0) {
      const next = this.#queue[0] as Pending<Row, Result>
      if (batch.length > 0 && rows + next.count > this.options.maxBatchSize) break
      this.#queue.shift()
      batch.push(next)
      rows += next.count
    }
    this.#queuedRows -= rows
    return batch
  }

  async #execute(batch: Pending<Row, Result>[]): Promise<void> {
    const started = performance.now()
    for (const entry of batch) this.observer?.queueWait((started - entry.enqueuedAt) / 1000, entry.rows)
    const only = batch.length === 1 ? batch[0] : undefined
    const rows = only === undefined ? batch.flatMap((entry) => entry.rows) : only.rows
    const count = batch.reduce((total, entry) => total + entry.count, 0)
    let result: Result
    try {
      result = await this.run(rows)
    } catch (err) {
      for (const entry of batch) entry.reject(err)
      return
    } finally {
      this.observer?.batchDone(
        count,
        batch.map((entry) => entry.rows),
        (performance.now() - started) / 1000,
      )
    }
    if (only !== undefined) {
      only.resolve(result)
      return
    }
    let start = 0
    for (const entry of batch) {
      try {
        entry.resolve(this.slice(result, start, entry.count))
      } catch (err) {
        entry.reject(err)
      }
      start += entry.count
    }
  }
}
