import { Gauge, type Registry } from 'prom-client'
import type { LoadedVersion } from '../models/loaded-version.js'
import type { ModelRegistry } from '../models/registry.js'
import type { DriftMonitor } from './drift-monitor.js'
import type { DriftReport } from './drift-window.js'

/** Every served version with a profile, with its current drift report. */
function servedDrift(registry: Pick<ModelRegistry, 'list'>, monitor: DriftMonitor): { version: LoadedVersion; report: DriftReport }[] {
  const found: { version: LoadedVersion; report: DriftReport }[] = []
  for (const model of registry.list()) {
    for (const state of model.versions.values()) {
      if (state.status === 'inactive' || state.loaded === undefined) continue
      const report = monitor.report(state.loaded)
      if (report !== undefined) found.push({ version: state.loaded, report })
    }
  }
  return found
}

/**
 * Registers the drift gauges. Their values are computed at scrape time, so a row costs only its
 * copy into the window however often Prometheus scrapes.
 */
export function registerDriftGauges(metrics: Registry, registry: Pick<ModelRegistry, 'list'>, monitor: DriftMonitor): void {
  const registers = [metrics]
  const featureLabels = ['model', 'version', 'feature'] as const
  const classLabels = ['model', 'version', 'class'] as const
  // prom-client writes metrics in registration order and collects each just before writing it, so the
  // first gauge's collect fills all of them: a scrape computes each report once, before any is written.
  const psi: Gauge<'model' | 'version' | 'feature'> = new Gauge({
    name: 'portcullis_drift_psi',
    help: 'Population stability index of a feature: recent rows against the reference profile',
    labelNames: featureLabels,
    registers,
    collect() {
      fill()
    },
  })
  const mean = new Gauge({ name: 'portcullis_drift_feature_mean', help: 'Mean of a feature over the recent rows', labelNames: featureLabels, registers })
  const referenceMean = new Gauge({ name: 'portcullis_drift_reference_mean', help: 'Mean of a feature in the reference profile', labelNames: featureLabels, registers })
  const outOfRange = new Gauge({
    name: 'portcullis_drift_out_of_range_share',
    help: 'Share of recent rows outside the reference range of a feature',
    labelNames: featureLabels,
    registers,
  })
  const classShare = new Gauge({ name: 'portcullis_drift_class_share', help: 'Share of recent predictions per class', labelNames: classLabels, registers })
  const referenceClassShare = new Gauge({ name: 'portcullis_drift_reference_class_share', help: 'Share of reference predictions per class', labelNames: classLabels, registers })
  const versionLabels = ['model', 'version'] as const
  const window = new Gauge({ name: 'portcullis_drift_window_rows', help: 'Rows in the drift window of a version', labelNames: versionLabels, registers })
  const prediction = predictionGauges(registers)
  function fill(): void {
    for (const gauge of [psi, mean, referenceMean, outOfRange, classShare, referenceClassShare, window]) gauge.reset()
    prediction.reset()
    for (const { version, report } of servedDrift(registry, monitor)) {
      const at = { model: version.model, version: version.version }
      window.set(at, report.window)
      for (const [feature, drift] of Object.entries(report.features)) {
        const labels = { ...at, feature }
        psi.set(labels, drift.psi)
        if (Number.isFinite(drift.mean)) mean.set(labels, drift.mean)
        referenceMean.set(labels, drift.reference_mean)
        outOfRange.set(labels, drift.out_of_range_share)
      }
      prediction.set(at, report)
      for (const [label, shares] of Object.entries(report.classes)) {
        classShare.set({ ...at, class: label }, shares.share)
        referenceClassShare.set({ ...at, class: label }, shares.reference_share)
      }
    }
  }
}

/** The gauges of a regression's predicted values: their PSI and recent mean, per version. */
function predictionGauges(registers: Registry[]): { reset(): void; set(at: { model: string; version: string }, report: DriftReport): void } {
  const labelNames = ['model', 'version'] as const
  const psi = new Gauge({
    name: 'portcullis_drift_prediction_psi',
    help: "Population stability index of a regression's predicted values: recent rows against the reference profile",
    labelNames,
    registers,
  })
  const mean = new Gauge({ name: 'portcullis_drift_prediction_mean', help: "Mean of a regression's predicted values over the recent rows", labelNames, registers })
  return {
    reset() {
      psi.reset()
      mean.reset()
    },
    set(at, report) {
      if (report.prediction === undefined) return
      psi.set(at, report.prediction.psi)
      if (Number.isFinite(report.prediction.mean)) mean.set(at, report.prediction.mean)
    },
  }
}
