import { binOf, type FeatureProfile, type ReferenceProfile } from './profile.js'

/** PSI status thresholds: below `warn` is ok, up to `alert` is warn, above is alert. */
export interface DriftThresholds {
  warn: number
  alert: number
}

/** A feature's drift status. */
export type DriftStatus = 'ok' | 'warn' | 'alert'

/** One feature of a drift report. */
export interface FeatureDrift {
  psi: number
  mean: number
  reference_mean: number
  out_of_range_share: number
  status: DriftStatus
  window: number
}

/** One class of a drift report: its share of the window's predictions and of the reference's. */
export interface ClassDrift {
  share: number
  reference_share: number
}

/** The drift of one version: per feature and per class (or, for a regression, of the predicted values), over the rows in the window. */
export interface DriftReport {
  window: number
  features: Record<string, FeatureDrift>
  classes: Record<string, ClassDrift>
  /** A regression's predicted values against the profile's prediction bins; absent for a classifier. */
  prediction?: FeatureDrift
}

// Empty bins would make PSI infinite; both sides are floored at this share.
const SHARE_FLOOR = 1e-4

/** Population stability index of two share vectors of equal length. */
export function populationStabilityIndex(actual: readonly number[], expected: readonly number[]): number {
  let psi = 0
  expected.forEach((reference, i) => {
    const a = Math.max(actual[i] ?? 0, SHARE_FLOOR)
    const e = Math.max(reference, SHARE_FLOOR)
    psi += (a - e) * Math.log(a / e)
  })
  return psi
}

/** The status of a PSI under the thresholds. */
export function driftStatus(psi: number, thresholds: DriftThresholds): DriftStatus {
  if (psi < thresholds.warn) return 'ok'
  return psi <= thresholds.alert ? 'warn' : 'alert'
}

/**
 * The last `capacity` rows of one version, as a ring buffer of Float64Array (row-major) plus
 * the predicted class of each row (and, for a regression, the predicted value). Adding a row
 * copies its values; everything else (bins, PSI, means) is computed when a report is asked for,
 * so the request path pays only the copy.
 */
export class DriftWindow {
  readonly #values: Float64Array
  readonly #classes: Int32Array
  /** Predicted values, kept only when the profile has prediction bins (a regression). */
  readonly #predicted: Float64Array | undefined
  readonly #width: number
  #next = 0
  #size = 0

  constructor(
    readonly profile: ReferenceProfile,
    readonly capacity: number,
  ) {
    this.#width = profile.features.length
    this.#values = new Float64Array(capacity * this.#width)
    this.#classes = new Int32Array(capacity)
    this.#predicted = profile.prediction === undefined ? undefined : new Float64Array(capacity)
  }

  /** Adds one row, its predicted class index (-1 when unknown) and, for a regression, its predicted value. */
  add(row: readonly number[], classIndex: number, predicted = Number.NaN): void {
    const at = this.#next
    this.#values.set(row.length === this.#width ? row : row.slice(0, this.#width), at * this.#width)
    this.#classes[at] = classIndex
    if (this.#predicted !== undefined) this.#predicted[at] = predicted
    this.#next = at + 1 === this.capacity ? 0 : at + 1
    if (this.#size < this.capacity) this.#size += 1
  }

  /** Rows currently in the window. */
  get size(): number {
    return this.#size
  }

  /** PSI, means, out-of-range shares and class shares (or prediction drift) of the rows in the window. */
  report(thresholds: DriftThresholds): DriftReport {
    const size = this.#size
    const values = this.#values
    const width = this.#width
    const features: Record<string, FeatureDrift> = {}
    this.profile.features.forEach((feature, column) => {
      features[feature.name] = columnDrift(feature, size, (row) => values[row * width + column] ?? Number.NaN, thresholds)
    })
    const predicted = this.#predicted
    const prediction = this.profile.prediction
    const report: DriftReport = { window: size, features, classes: this.#classShares(size) }
    if (predicted !== undefined && prediction !== undefined) report.prediction = columnDrift(prediction, size, (row) => predicted[row] ?? Number.NaN, thresholds)
    return report
  }

  #classShares(size: number): Record<string, ClassDrift> {
    const classCounts = new Array<number>(this.profile.classes.length).fill(0)
    for (let row = 0; row < size; row++) {
      const index = this.#classes[row] ?? -1
      if (index >= 0 && index < classCounts.length) classCounts[index] = (classCounts[index] ?? 0) + 1
    }
    const classes: Record<string, ClassDrift> = {}
    this.profile.classes.forEach((entry, index) => {
      classes[entry.label] = { share: size === 0 ? 0 : (classCounts[index] ?? 0) / size, reference_share: entry.share }
    })
    return classes
  }
}

/** PSI, mean, out-of-range share and status of one column of the window against its reference bins. */
function columnDrift(feature: FeatureProfile, size: number, valueAt: (row: number) => number, thresholds: DriftThresholds): FeatureDrift {
  const counts = new Array<number>(feature.shares.length).fill(0)
  let sum = 0
  let outside = 0
  for (let row = 0; row < size; row++) {
    const value = valueAt(row)
    const bin = binOf(feature.edges, value)
    counts[bin] = (counts[bin] ?? 0) + 1
    sum += value
    if (value < feature.min || value > feature.max) outside += 1
  }
  const psi =
    size === 0
      ? 0
      : populationStabilityIndex(
          counts.map((c) => c / size),
          feature.shares,
        )
  return {
    psi,
    mean: size === 0 ? Number.NaN : sum / size,
    reference_mean: feature.mean,
    out_of_range_share: size === 0 ? 0 : outside / size,
    status: size === 0 ? 'ok' : driftStatus(psi, thresholds),
    window: size,
  }
}
