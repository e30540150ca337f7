import type { AttributeProto } from './onnx-proto.js'
import type { TreeNode } from './decision-tree.js'
import { float32SplitThreshold } from './float32.js'
import { floatsAttr, intsAttr, stringsAttr } from './onnx-writer.js'

/** The leaves of flattened trees: which tree and node each is, and what it answers (class index or value). */
export interface FlatLeaves {
  treeIds: number[]
  nodeIds: number[]
  values: number[]
}

/** Trees laid out as the parallel `nodes_*` lists of the ai.onnx.ml tree ensemble operators. */
export interface FlatTrees {
  treeIds: number[]
  nodeIds: number[]
  featureIds: number[]
  values: number[]
  modes: string[]
  trueIds: number[]
  falseIds: number[]
  leaves: FlatLeaves
}

/** Numbers each tree's nodes depth first (ids restart at 0 per tree) and lists nodes and leaves. */
export function flattenTrees(trees: readonly TreeNode[], featureCount: number): FlatTrees {
  const flat: FlatTrees = { treeIds: [], nodeIds: [], featureIds: [], values: [], modes: [], trueIds: [], falseIds: [], leaves: { treeIds: [], nodeIds: [], values: [] } }
  trees.forEach((tree, treeId) => {
    let nextId = 0
    const visit = (node: TreeNode): number => {
      const id = nextId++
      const at = flat.nodeIds.length
      flat.treeIds.push(treeId)
      flat.nodeIds.push(id)
      flat.trueIds.push(0)
      flat.falseIds.push(0)
      if (node.kind === 'leaf') {
        flat.featureIds.push(0)
        flat.values.push(0)
        flat.modes.push('LEAF')
        flat.leaves.treeIds.push(treeId)
        flat.leaves.nodeIds.push(id)
        flat.leaves.values.push(node.value)
        return id
      }
      if (node.feature >= featureCount) throw new RangeError(`a tree splits on feature ${node.feature} of ${featureCount}`)
      flat.featureIds.push(node.feature)
      // ONNX thresholds and inputs are float32; see float32SplitThreshold for which side the rounding falls.
      flat.values.push(float32SplitThreshold(node.threshold))
      flat.modes.push('BRANCH_LT')
      flat.trueIds[at] = visit(node.left)
      flat.falseIds[at] = visit(node.right)
      return id
    }
    visit(tree)
  })
  return flat
}

/** The `nodes_*` attributes of flattened trees, shared by TreeEnsembleClassifier and TreeEnsembleRegressor. */
export function nodeAttributes(flat: FlatTrees): AttributeProto[] {
  return [
    intsAttr('nodes_treeids', flat.treeIds),
    intsAttr('nodes_nodeids', flat.nodeIds),
    intsAttr('nodes_featureids', flat.featureIds),
    floatsAttr('nodes_values', flat.values),
    stringsAttr('nodes_modes', flat.modes),
    intsAttr('nodes_truenodeids', flat.trueIds),
    intsAttr('nodes_falsenodeids', flat.falseIds),
    // NaN takes the false (right) branch, as `NaN < threshold` does in ml-cart.
    intsAttr(
      'nodes_missing_value_tracks_true',
      flat.modes.map(() => 0),
    ),
  ]
}
