import { mkdir, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { columnRanges } from '../training/column-ranges.js'
import type { LabelledDataset } from '../training/labelled-dataset.js'
import { loadIris } from './iris.js'
import { renderModelYaml, type ModelCard } from './model-yaml.js'
import { DEFAULT_FOREST_OPTIONS, trainRandomForest } from '../training/random-forest.js'
import { DEFAULT_SOFTMAX_OPTIONS, trainSoftmaxRegression } from '../training/softmax-regression.js'
import type { TrainedClassifier } from '../training/trained-classifier.js'

/** Names of the demo models, default model first. */
export const DEMO_MODEL_NAMES = ['iris', 'iris-logreg'] as const

/** A demo model name. */
export type DemoModelName = (typeof DEMO_MODEL_NAMES)[number]

/** Version directory the demo models are written to. */
const DEMO_MODEL_VERSION = 1

/** One built model: its directory (holding model.yaml and 1/model.onnx) and training accuracy. */
export interface DemoModelReport {
  name: DemoModelName
  path: string
  accuracy: number
}

/** What buildDemoModels wrote. */
export interface DemoBuildReport {
  models: DemoModelReport[]
}

/** The trained demo classifiers. */
export interface DemoModels {
  forest: TrainedClassifier
  softmax: TrainedClassifier
}

/** Trains both demo models on Iris; deterministic, so every call yields the same models. */
export function trainDemoModels(): DemoModels {
  const iris = loadIris()
  return {
    forest: trainRandomForest(iris, { ...DEFAULT_FOREST_OPTIONS, name: 'iris' }),
    softmax: trainSoftmaxRegression(iris, { ...DEFAULT_SOFTMAX_OPTIONS, name: 'iris-logreg' }),
  }
}

function modelCard(data: LabelledDataset, description: string, algorithm: string, accuracy: number): ModelCard {
  const ranges = columnRanges(data.features)
  return {
    description,
    features: data.featureNames.map((name, i) => ({ name, min: ranges[i]?.min ?? 0, max: ranges[i]?.max ?? 0 })),
    labels: [...data.classNames],
    outputs: { label: 'label', probabilities: 'probabilities' },
    nanPolicy: 'reject',
    roles: ['user', 'admin'],
    training: { dataset: data.name, rows: data.features.length, algorithm, accuracy: Math.round(accuracy * 10000) / 10000 },
    examples: data.classNames.map((_, label) => data.features[data.labels.indexOf(label)]).filter((row) => row !== undefined),
  }
}

// Write-then-rename so a model loader never sees a half-written file.
async function writeFileAtomic(path: string, contents: Uint8Array | string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`
  await writeFile(temporary, contents)
  await rename(temporary, path)
}

async function writeModel(outDir: string, name: DemoModelName, model: TrainedClassifier, card: ModelCard): Promise<DemoModelReport> {
  const dir = join(outDir, name)
  const versionDir = join(dir, String(DEMO_MODEL_VERSION))
  await mkdir(versionDir, { recursive: true })
  await writeFileAtomic(join(versionDir, 'model.onnx'), model.onnx)
  await writeFileAtomic(join(dir, 'model.yaml'), renderModelYaml(card))
  return { name, path: dir, accuracy: model.accuracy }
}

/** Trains the demo models and writes outDir/<name>/model.yaml and outDir/<name>/1/model.onnx for each. */
export async function buildDemoModels(outDir: string): Promise<DemoBuildReport> {
  const iris = loadIris()
  const { forest, softmax } = trainDemoModels()
  const forestCard = modelCard(iris, `Iris species classifier (random forest, ${DEFAULT_FOREST_OPTIONS.nTrees} trees)`, 'random-forest', forest.accuracy)
  const softmaxCard = modelCard(iris, 'Iris species classifier (softmax regression)', 'softmax-regression', softmax.accuracy)
  return {
    models: [await writeModel(outDir, 'iris', forest, forestCard), await writeModel(outDir, 'iris-logreg', softmax, softmaxCard)],
  }
}
