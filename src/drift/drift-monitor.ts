import type { LoadedVersion } from '../models/loaded-version.js'
import { DriftWindow, type DriftReport, type DriftThresholds } from './drift-window.js'

/** Settings of drift tracking (config `drift`). */
export interface DriftOptions {
  /** Rows kept per version. */
  windowSize: number
  thresholds: DriftThresholds
}

/** A window and its label lookup, made once per loaded version. */
interface Tracked {
  window: DriftWindow
  classIndex: ReadonlyMap<string | number, number>
}

/**
 * Keeps one sliding window per loaded version that has a reference profile (profile.json).
 * Keyed by the LoadedVersion itself, so a reload starts a fresh window and a retired version's
 * window goes with it.
 */
export class DriftMonitor {
  readonly #tracked = new WeakMap<LoadedVersion, Tracked | null>()

  constructor(readonly options: DriftOptions) {}

  /** Adds the rows of one validated request and the labels (or, for a regression, values) predicted for them; a no-op without a profile. */
  observe(version: LoadedVersion, rows: readonly (readonly number[])[], predictions: readonly unknown[]): void {
    const tracked = this.#track(version)
    if (tracked === undefined) return
    rows.forEach((row, i) => {
      const label = predictions[i]
      const index = typeof label === 'string' || typeof label === 'number' ? tracked.classIndex.get(label) : undefined
      tracked.window.add(row, index ?? -1, typeof label === 'number' ? label : Number.NaN)
    })
  }

  /** The drift of a version's window; undefined when the version has no profile. */
  report(version: LoadedVersion): DriftReport | undefined {
    return this.#track(version)?.window.report(this.options.thresholds)
  }

  #track(version: LoadedVersion): Tracked | undefined {
    let tracked = this.#tracked.get(version)
    if (tracked === undefined) {
      const profile = version.profile
      // A profile whose features do not line up with the model's rows cannot be compared with them.
      tracked =
        profile === undefined || profile.features.length !== version.featureCount
          ? null
          : {
              window: new DriftWindow(profile, this.options.windowSize),
              classIndex: classIndexOf(profile.classes.map((entry) => entry.label)),
            }
      this.#tracked.set(version, tracked)
    }
    return tracked ?? undefined
  }
}

// Models without labels answer class indices; both forms map to the profile's class order.
function classIndexOf(labels: readonly string[]): Map<string | number, number> {
  const index = new Map<string | number, number>()
  labels.forEach((label, i) => {
    index.set(label, i)
    index.set(i, i)
  })
  return index
}
