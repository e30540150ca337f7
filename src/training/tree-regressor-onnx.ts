import type { TreeNode } from './decision-tree.js'
import { TensorDataType } from './onnx-proto.js'
import { BATCH_DIM, ONNX_ML_DOMAIN, floatsAttr, intAttr, intsAttr, makeNode, stringAttr, tensorInfo, writeModel } from './onnx-writer.js'
import { flattenTrees, nodeAttributes } from './tree-nodes.js'

/** The output a regression model answers with: one float per row, [N, 1]. */
export const REGRESSION_OUTPUT = 'prediction'

/** How to export an averaging regression tree ensemble. */
export interface TreeRegressorExport {
  featureCount: number
  graphName: string
  docString?: string
}

/** Writes regression trees as an ai.onnx.ml TreeEnsembleRegressor model: input float [N, features] → prediction float [N, 1], the mean of the trees' leaf values. */
export function treeRegressorToOnnx(trees: readonly TreeNode[], options: TreeRegressorExport): Uint8Array {
  if (trees.length === 0) throw new RangeError('cannot export an empty ensemble')
  const flat = flattenTrees(trees, options.featureCount)
  const node = makeNode({
    opType: 'TreeEnsembleRegressor',
    domain: ONNX_ML_DOMAIN,
    inputs: ['input'],
    outputs: [REGRESSION_OUTPUT],
    name: 'forest',
    attributes: [
      intAttr('n_targets', 1),
      intsAttr('target_treeids', flat.leaves.treeIds),
      intsAttr('target_nodeids', flat.leaves.nodeIds),
      intsAttr(
        'target_ids',
        flat.leaves.values.map(() => 0),
      ),
      floatsAttr('target_weights', flat.leaves.values),
      // ml-random-forest's default selection: the mean of the trees' answers.
      stringAttr('aggregate_function', 'AVERAGE'),
      ...nodeAttributes(flat),
      stringAttr('post_transform', 'NONE'),
    ],
  })
  return writeModel({
    graphName: options.graphName,
    docString: options.docString ?? '',
    nodes: [node],
    inputs: [tensorInfo('input', TensorDataType.FLOAT, [BATCH_DIM, options.featureCount])],
    outputs: [tensorInfo(REGRESSION_OUTPUT, TensorDataType.FLOAT, [BATCH_DIM, 1])],
  })
}
