import { Histogram, type HistogramConfiguration, type LabelValues, type MetricObjectWithValues, type MetricValueWithName, type ObserveDataWithExemplar } from 'prom-client'

/** One labelled series: cumulative counts are built only when scraped. */
interface Series<T extends string> {
  labels: LabelValues<T>
  /** Observations per bucket; the last slot holds those above every bound (+Inf). */
  counts: Float64Array
  sum: number
  count: number
}

/** A series handle for the hot path: look it up once, then observe without hashing labels. */
export interface HistogramSeries<T extends string> extends Histogram.Internal<T> {
  observe(value: number): void
  /** Starts a timer; the returned function observes the seconds elapsed and returns them. */
  startTimer(): () => number
}

/**
 * A prom-client Histogram whose series live in typed arrays. prom-client validates and hashes the
 * label set on every observe() and allocates on every timer (about 0.4 µs each); a prediction
 * records a dozen observations, so here a label set is resolved once into a series handle and an
 * observation is a bucket search and three additions. The registry formats what get() returns, so
 * the exposition is prom-client's own.
 */
export class FastHistogram<T extends string = string> extends Histogram<T> {
  readonly #name: string
  readonly #labelNames: readonly T[]
  readonly #bounds: Float64Array
  readonly #series = new Map<string, Series<T>>()
  readonly #handles = new Map<string, HistogramSeries<T>>()
  readonly #pairs = new Map<string, Map<string, HistogramSeries<T>>>()
  /** An unregistered, empty prom-client Histogram of the same name: it supplies name, help, type and aggregator. */
  readonly #header: Histogram<T>

  constructor(configuration: HistogramConfiguration<T> & { buckets: number[] }) {
    super(configuration)
    // prom-client's constructor assigns its own observe to the instance, which would hide ours.
    Reflect.deleteProperty(this, 'observe')
    this.#name = configuration.name
    this.#labelNames = configuration.labelNames ?? []
    this.#bounds = Float64Array.from([...configuration.buckets].sort((a, b) => a - b))
    this.#header = new Histogram({ name: configuration.name, help: configuration.help, labelNames: this.#labelNames, buckets: configuration.buckets, registers: [] })
  }

  override labels(...values: string[]): HistogramSeries<T>
  override labels(labels: LabelValues<T>): HistogramSeries<T>
  override labels(...args: [LabelValues<T>] | string[]): HistogramSeries<T> {
    // Two positional values (stage and door, model and version) are looked up without building a key.
    const pair = args.length === 2 && typeof args[0] === 'string' ? this.#pairs.get(args[0])?.get(args[1] as string) : undefined
    if (pair !== undefined) return pair
    // Positional values are in label-name order, so joining them gives the same key as #keyOf.
    const fastKey = typeof args[0] === 'string' ? (args.length === 1 ? args[0] : args.join('\u0000')) : undefined
    const cached = fastKey === undefined ? undefined : this.#handles.get(fastKey)
    if (cached !== undefined) return cached
    const labels = this.#labelsOf(args)
    const key = this.#keyOf(labels)
    let handle = this.#handles.get(key)
    if (handle === undefined) {
      handle = this.#handleFor(key, labels)
      this.#handles.set(key, handle)
    }
    if (args.length === 2 && typeof args[0] === 'string') this.#rememberPair(args[0], args[1] as string, handle)
    return handle
  }

  #rememberPair(first: string, second: string, handle: HistogramSeries<T>): void {
    let seconds = this.#pairs.get(first)
    if (seconds === undefined) {
      seconds = new Map()
      this.#pairs.set(first, seconds)
    }
    seconds.set(second, handle)
  }

  /** Exemplars are not kept (enableExemplars is not supported): the value is observed without one. */
  override observe(value: number | ObserveDataWithExemplar<T>): void
  override observe(labels: LabelValues<T>, value: number): void
  override observe(first: number | LabelValues<T> | ObserveDataWithExemplar<T>, second?: number): void {
    if (typeof first === 'number') this.labels({}).observe(first)
    else if (second !== undefined) this.labels(first as LabelValues<T>).observe(second)
    else if (isObserveData(first)) this.labels(first.labels ?? {}).observe(first.value)
    else throw new TypeError(`${this.#name}: observe() needs a value`)
  }

  override startTimer(labels?: LabelValues<T>): (endLabels?: LabelValues<T>) => number {
    const started = performance.now()
    return (endLabels) => {
      const seconds = (performance.now() - started) / 1000
      this.observe({ ...labels, ...endLabels }, seconds)
      return seconds
    }
  }

  override zero(labels: LabelValues<T>): void {
    const key = this.#keyOf(labels)
    this.#series.set(key, this.#emptySeries(labels))
  }

  override reset(): void {
    super.reset()
    // prom-client's constructor calls reset() before this class's fields exist.
    if (!(#series in this)) return
    this.#series.clear()
  }

  override remove(...values: string[]): void
  override remove(labels: LabelValues<T>): void
  override remove(...args: [LabelValues<T>] | string[]): void {
    this.#series.delete(this.#keyOf(this.#labelsOf(args)))
  }

  override async get(): Promise<MetricObjectWithValues<MetricValueWithName<T>>> {
    return { ...(await this.#header.get()), values: this.#values() }
  }

  /** The registry prefers this to get() when it renders text; the values are the same. */
  getForPromString(): Promise<MetricObjectWithValues<MetricValueWithName<T>>> {
    return this.get()
  }

  #values(): MetricValueWithName<T>[] {
    const values: MetricValueWithName<T>[] = []
    const bucketName = `${this.#name}_bucket`
    for (const series of this.#series.values()) {
      let cumulative = 0
      this.#bounds.forEach((bound, index) => {
        cumulative += series.counts[index] ?? 0
        values.push({ metricName: bucketName, labels: { le: bound, ...series.labels } as LabelValues<T>, value: cumulative })
      })
      values.push(
        { metricName: bucketName, labels: { le: '+Inf', ...series.labels } as LabelValues<T>, value: series.count },
        { metricName: `${this.#name}_sum`, labels: series.labels, value: series.sum },
        { metricName: `${this.#name}_count`, labels: series.labels, value: series.count },
      )
    }
    return values
  }

  #handleFor(key: string, labels: LabelValues<T>): HistogramSeries<T> {
    const bounds = this.#bounds
    const seriesMap = this.#series
    // The series is looked up again after reset() or remove(): a handle never writes into a dropped series.
    let series = seriesMap.get(key)
    const current = (): Series<T> => {
      if (series === undefined || seriesMap.get(key) !== series) {
        series = seriesMap.get(key) ?? this.#emptySeries(labels)
        seriesMap.set(key, series)
      }
      return series
    }
    const observe = (value: number): void => {
      if (!Number.isFinite(value)) throw new TypeError(`${this.#name}: value is not a finite number: ${value}`)
      const target = current()
      let bucket = 0
      while (bucket < bounds.length && value > (bounds[bucket] ?? Infinity)) bucket += 1
      target.counts[bucket] = (target.counts[bucket] ?? 0) + 1
      target.sum += value
      target.count += 1
    }
    return {
      observe,
      startTimer() {
        const started = performance.now()
        return () => {
          const seconds = (performance.now() - started) / 1000
          observe(seconds)
          return seconds
        }
      },
    }
  }

  #emptySeries(labels: LabelValues<T>): Series<T> {
    return { labels: { ...labels }, counts: new Float64Array(this.#bounds.length + 1), sum: 0, count: 0 }
  }

  #labelsOf(args: [LabelValues<T>] | string[]): LabelValues<T> {
    const [first] = args
    if (typeof first === 'object') {
      for (const name of Object.keys(first)) {
        if (!(this.#labelNames as readonly string[]).includes(name)) throw new Error(`${this.#name}: unknown label ${name}`)
      }
      return first
    }
    if (args.length !== this.#labelNames.length) throw new Error(`${this.#name}: expected ${this.#labelNames.length} label values, got ${args.length}`)
    const labels: LabelValues<T> = {}
    this.#labelNames.forEach((name, index) => {
      labels[name] = args[index] as string
    })
    return labels
  }

  // Label values in label-name order, joined by a character no label value in this service holds.
  #keyOf(labels: LabelValues<T>): string {
    return this.#labelNames.map((name) => String(labels[name] ?? '')).join('\u0000')
  }
}

function isObserveData<T extends string>(value: LabelValues<T> | ObserveDataWithExemplar<T>): value is ObserveDataWithExemplar<T> {
  return typeof (value as { value?: unknown }).value === 'number'
}
