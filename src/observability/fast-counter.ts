import { Counter, type CounterConfiguration, type LabelValues, type MetricObjectWithValues, type MetricValue } from 'prom-client'

interface Series<T extends string> {
  labels: LabelValues<T>
  /** Increments not yet handed to prom-client; undefined when there are none. */
  pending: number | undefined
  handle: Counter.Internal
}

/**
 * A prom-client Counter whose labels() hands out one handle per label set. prom-client validates
 * and hashes the label set on every inc(), even through labels(); a handle only adds to a number,
 * which reaches prom-client, through its own inc(labels, value), when the counter is read.
 */
export class FastCounter<T extends string = string> extends Counter<T> {
  readonly #name: string
  readonly #labelNames: readonly T[]
  readonly #series = new Map<string, Series<T>>()

  constructor(configuration: CounterConfiguration<T>) {
    super(configuration)
    this.#name = configuration.name
    this.#labelNames = configuration.labelNames ?? []
  }

  override labels(...values: string[]): Counter.Internal
  override labels(labels: LabelValues<T>): Counter.Internal
  override labels(...args: [LabelValues<T>] | string[]): Counter.Internal {
    // Positional values are in label-name order, so joining them gives the same key as #keyOf.
    const fastKey = typeof args[0] === 'string' ? args.join('\u0000') : undefined
    const known = fastKey === undefined ? undefined : this.#series.get(fastKey)
    if (known !== undefined) return known.handle
    const labels = this.#labelsOf(args)
    const key = this.#labelNames.map((name) => String(labels[name] ?? '')).join('\u0000')
    let series = this.#series.get(key)
    if (series === undefined) {
      const created: Series<T> = { labels, pending: undefined, handle: { inc: (value = 1) => this.#add(created, value) } }
      series = created
      this.#series.set(key, series)
    }
    return series.handle
  }

  override async get(): Promise<MetricObjectWithValues<MetricValue<T>>> {
    this.#flush()
    return super.get()
  }

  override reset(): void {
    super.reset()
    // prom-client's constructor calls reset() before this class's fields exist.
    if (!(#series in this)) return
    for (const series of this.#series.values()) series.pending = undefined
  }

  override remove(...values: string[]): void
  override remove(labels: LabelValues<T>): void
  override remove(...args: [LabelValues<T>] | string[]): void {
    this.#flush()
    const [first] = args
    if (typeof first === 'object') super.remove(first)
    else super.remove(...(args as string[]))
  }

  #add(series: Series<T>, value: number): void {
    if (!Number.isFinite(value) || value < 0) throw new Error(`${this.#name}: a counter only goes up by a finite amount, got ${value}`)
    series.pending = (series.pending ?? 0) + value
  }

  #flush(): void {
    for (const series of this.#series.values()) {
      if (series.pending === undefined) continue
      this.inc(series.labels, series.pending)
      series.pending = undefined
    }
  }

  #labelsOf(args: [LabelValues<T>] | string[]): LabelValues<T> {
    const [first] = args
    const names = this.#labelNames as readonly string[]
    if (typeof first === 'object') {
      for (const name of Object.keys(first)) if (!names.includes(name)) throw new Error(`${this.#name}: unknown label ${name}`)
      return { ...first }
    }
    if (args.length !== names.length) throw new Error(`${this.#name}: expected ${names.length} label values, got ${args.length}`)
    const labels: LabelValues<T> = {}
    this.#labelNames.forEach((name, index) => {
      labels[name] = args[index] as string
    })
    return labels
  }
}
