import { argmax } from './trained-classifier.js'

/** A leaf: the class it votes for (classification) or the value it predicts (regression). */
export interface TreeLeaf {
  kind: 'leaf'
  value: number
}

/** An internal node: rows with `row[feature] < threshold` go left, all others (NaN included) go right. */
export interface TreeSplit {
  kind: 'split'
  feature: number
  threshold: number
  left: TreeNode
  right: TreeNode
}

/** A node of a hard-voting classification tree or of a regression tree. */
export type TreeNode = TreeLeaf | TreeSplit

type JsonRecord = Record<string, unknown>

function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isNumberArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'number')
}

function field(record: unknown, key: string, where: string): unknown {
  if (!isRecord(record)) throw new TypeError(`${where}: expected an object`)
  return record[key]
}

/** Reads what a leaf answers from ml-cart's `distribution` field. */
type LeafReader = (distribution: unknown, where: string) => number

// A classification leaf holds a one-row class distribution; the same rule as ml-cart's predict
// (Matrix#maxRowIndex): the first largest entry wins.
const classLeaf: LeafReader = (distribution, where) => {
  const row: unknown = Array.isArray(distribution) ? distribution[0] : undefined
  if (!isNumberArray(row) || row.length === 0) throw new TypeError(`${where}: leaf without a class distribution`)
  return argmax(row)
}

// A regression leaf holds the mean target of its training rows.
const valueLeaf: LeafReader = (distribution, where) => {
  if (typeof distribution !== 'number' || !Number.isFinite(distribution)) throw new TypeError(`${where}: leaf without a finite value`)
  return distribution
}

// featureMap translates the tree's column (an index into its feature subsample) into the input column.
function readNode(value: unknown, featureMap: readonly number[], where: string, leaf: LeafReader): TreeNode {
  const left = field(value, 'left', where)
  const right = field(value, 'right', where)
  // ml-cart classifies with a node's children whenever both exist, whatever else the node carries.
  if (isRecord(left) && isRecord(right)) {
    const column = field(value, 'splitColumn', where)
    const threshold = field(value, 'splitValue', where)
    if (typeof column !== 'number' || typeof threshold !== 'number' || !Number.isFinite(threshold)) {
      throw new TypeError(`${where}: split without a column and finite value`)
    }
    const feature = featureMap[column]
    if (feature === undefined) throw new RangeError(`${where}: split column ${column} outside the feature subsample`)
    return {
      kind: 'split',
      feature,
      threshold,
      left: readNode(left, featureMap, `${where}.left`, leaf),
      right: readNode(right, featureMap, `${where}.right`, leaf),
    }
  }
  return { kind: 'leaf', value: leaf(field(value, 'distribution', where), where) }
}

/** Reads the trees of an ml-random-forest classifier from its toJSON() output, in estimator order. */
export function readForestTrees(forestJson: unknown): TreeNode[] {
  return readTrees(forestJson, classLeaf)
}

/** Reads the trees of an ml-random-forest regression from its toJSON() output, in estimator order. */
export function readRegressionForestTrees(forestJson: unknown): TreeNode[] {
  return readTrees(forestJson, valueLeaf)
}

function readTrees(forestJson: unknown, leaf: LeafReader): TreeNode[] {
  const base = field(forestJson, 'baseModel', 'forest')
  const indexes = field(base, 'indexes', 'forest.baseModel')
  const estimators = field(base, 'estimators', 'forest.baseModel')
  if (!Array.isArray(indexes) || !Array.isArray(estimators) || indexes.length !== estimators.length) {
    throw new TypeError('forest.baseModel: expected one feature index list per estimator')
  }
  return estimators.map((estimator: unknown, t) => {
    const featureMap: unknown = indexes[t]
    if (!isNumberArray(featureMap)) throw new TypeError(`forest tree ${t}: feature indexes are not numbers`)
    return readNode(field(estimator, 'root', `forest tree ${t}`), featureMap, `forest tree ${t}`, leaf)
  })
}

/** What a tree answers for one row (class index or value), evaluated the way ml-cart does. */
export function classifyWithTree(tree: TreeNode, row: readonly number[]): number {
  let node = tree
  while (node.kind === 'split') node = (row[node.feature] ?? Number.NaN) < node.threshold ? node.left : node.right
  return node.value
}
