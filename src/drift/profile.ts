import { readFile, rename, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { z } from 'zod'

/** Bins per feature in a reference profile. */
const PROFILE_BINS = 10

const featureProfileSchema = z.strictObject({
  name: z.string(),
  count: z.number().int().nonnegative(),
  mean: z.number(),
  std: z.number().nonnegative(),
  min: z.number(),
  max: z.number(),
  /** Inner bin edges, ascending and distinct: bin i holds values in (edges[i-1], edges[i]]. */
  edges: z.array(z.number()),
  /** Share of reference rows per bin; one more entry than edges. */
  shares: z.array(z.number().min(0).max(1)),
})

/** profile.json: what the reference data looked like, per feature and per predicted class. */
export const referenceProfileSchema = z
  .strictObject({
    rows: z.number().int().positive(),
    features: z.array(featureProfileSchema).min(1),
    /** Share of reference rows the model assigned to each class, by label (empty for a regression). */
    classes: z.array(z.strictObject({ label: z.string(), share: z.number().min(0).max(1) })),
    /** A regression's predicted values, profiled like a feature (quantile bins); absent for a classifier. */
    prediction: featureProfileSchema.optional(),
  })
  .refine(
    (profile) => [...profile.features, ...(profile.prediction === undefined ? [] : [profile.prediction])].every((feature) => feature.shares.length === feature.edges.length + 1),
    'every feature needs one share more than it has edges',
  )

/** A parsed reference profile. */
export type ReferenceProfile = z.infer<typeof referenceProfileSchema>

/** One feature's part of a reference profile. */
export type FeatureProfile = ReferenceProfile['features'][number]

/** The bin of a value: the first edge it does not exceed, by binary search. */
export function binOf(edges: ArrayLike<number>, value: number): number {
  let low = 0
  let high = edges.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (value <= (edges[middle] ?? Infinity)) high = middle
    else low = middle + 1
  }
  return low
}

/** Distinct inner quantile edges of sorted values, at 1/bins … (bins-1)/bins (nearest rank). */
export function quantileEdges(sorted: readonly number[], bins: number): number[] {
  const edges: number[] = []
  for (let i = 1; i < bins; i++) {
    const value = sorted[Math.min(sorted.length - 1, Math.floor((i * sorted.length) / bins))] ?? Number.NaN
    // Repeated values make repeated quantiles; a bin between equal edges could never hold a row.
    if (edges.length === 0 || value > (edges[edges.length - 1] ?? -Infinity)) edges.push(value)
  }
  // The top edge at the maximum would leave the last bin empty for reference rows.
  while (edges.length > 0 && (edges[edges.length - 1] ?? 0) >= (sorted[sorted.length - 1] ?? 0)) edges.pop()
  return edges
}

function profileFeature(name: string, values: number[]): FeatureProfile {
  const count = values.length
  const mean = values.reduce((sum, value) => sum + value, 0) / count
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / count
  const sorted = [...values].sort((a, b) => a - b)
  const edges = quantileEdges(sorted, PROFILE_BINS)
  const counts = new Array<number>(edges.length + 1).fill(0)
  for (const value of values) {
    const bin = binOf(edges, value)
    counts[bin] = (counts[bin] ?? 0) + 1
  }
  return { name, count, mean, std: Math.sqrt(variance), min: sorted[0] ?? 0, max: sorted[count - 1] ?? 0, edges, shares: counts.map((c) => c / count) }
}

function profileFeatures(featureNames: readonly string[], rows: readonly (readonly number[])[]): FeatureProfile[] {
  if (rows.length === 0) throw new RangeError('a reference profile needs at least one row')
  return featureNames.map((name, column) =>
    profileFeature(
      name,
      rows.map((row) => row[column] ?? Number.NaN),
    ),
  )
}

/** Computes the profile of reference rows and the classes a model predicted for them. */
export function computeProfile(featureNames: readonly string[], rows: readonly (readonly number[])[], predicted: readonly string[], labels: readonly string[]): ReferenceProfile {
  const features = profileFeatures(featureNames, rows)
  const classes = labels.map((label) => ({ label, share: predicted.filter((p) => p === label).length / predicted.length }))
  return { rows: rows.length, features, classes }
}

/** Computes the profile of reference rows and the values a regression predicted for them (binned like a feature). */
export function computeRegressionProfile(featureNames: readonly string[], rows: readonly (readonly number[])[], predicted: readonly number[]): ReferenceProfile {
  if (predicted.length !== rows.length) throw new RangeError(`${predicted.length} predictions for ${rows.length} rows`)
  return { rows: rows.length, features: profileFeatures(featureNames, rows), classes: [], prediction: profileFeature('prediction', [...predicted]) }
}

/** Where the profile of a version lives: beside `<name>/<n>/model.onnx`; a bare `<name>.onnx` has none. */
export function profilePathOf(modelPath: string): string | undefined {
  return basename(modelPath) === 'model.onnx' ? join(dirname(modelPath), 'profile.json') : undefined
}

/** Writes profile.json (write-then-rename, so a loader never reads half a file). */
export async function writeProfile(path: string, profile: ReferenceProfile): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`
  await writeFile(temporary, `${JSON.stringify(profile, null, 2)}\n`)
  await rename(temporary, path)
}

/** Reads and validates profile.json; undefined when there is none. */
export async function readProfile(path: string): Promise<ReferenceProfile | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  const parsed = referenceProfileSchema.safeParse(JSON.parse(text))
  if (!parsed.success) throw new Error(`profile.json: ${parsed.error.issues[0]?.message ?? 'invalid'}`)
  return parsed.data
}
