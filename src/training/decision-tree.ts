import { argmax } from './trained-classifier.js'

/** A leaf that votes for one class. */
export interface TreeLeaf {
  kind: 'leaf'
  classIndex: number
}

/** An internal node: rows with `row[feature] < threshold` go left, all others (NaN included) go right. */
export interface TreeSplit {
  kind: 'split'
  feature: number
  threshold: number
  left: TreeNode
  right: TreeNode
}

/** A node of a hard-voting classification tree. */
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

// featureMap translates the tree's column (an index into its feature subsample) into the input column.
function readNode(value: unknown, featureMap: readonly number[], where: string): TreeNode {
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
      left: readNode(left, featureMap, `${where}.left`),
      right: readNode(right, featureMap, `${where}.right`),
    }
  }
  const distribution = field(value, 'distribution', where)
  const row: unknown = Array.isArray(distribution) ? distribution[0] : undefined
  if (!isNumberArray(row) || row.length === 0) throw new TypeError(`${where}: leaf without a class distribution`)
  // Same rule as ml-cart's predict (Matrix#maxRowIndex): the first largest entry wins.
  return { kind: 'leaf', classIndex: argmax(row) }
}

/** Reads the trees of an ml-random-forest classifier from its toJSON() output, in estimator order. */
export function readForestTrees(forestJson: unknown): TreeNode[] {
  const base = field(forestJson, 'baseModel', 'forest')
  const indexes = field(base, 'indexes', 'forest.baseModel')
  const estimators = field(base, 'estimators', 'forest.baseModel')
  if (!Array.isArray(indexes) || !Array.isArray(estimators) || indexes.length !== estimators.length) {
    throw new TypeError('forest.baseModel: expected one feature index list per estimator')
  }
  return estimators.map((estimator: unknown, t) => {
    const featureMap: unknown = indexes[t]
    if (!isNumberArray(featureMap)) throw new TypeError(`forest tree ${t}: feature indexes are not numbers`)
    return readNode(field(estimator, 'root', `forest tree ${t}`), featureMap, `forest tree ${t}`)
  })
}

/** Class a tree votes for on one row, evaluated the way ml-cart does. */
export function classifyWithTree(tree: TreeNode, row: readonly number[]): number {
  let node = tree
  while (node.kind === 'split') node = (row[node.feature] ?? Number.NaN) < node.threshold ? node.left : node.right
  return node.classIndex
}
