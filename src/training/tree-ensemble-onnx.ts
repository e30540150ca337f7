import type { TreeNode } from './decision-tree.js'
import { TensorDataType } from './onnx-proto.js'
import { BATCH_DIM, ONNX_ML_DOMAIN, floatsAttr, int64Tensor, intAttr, intsAttr, makeNode, stringAttr, tensorInfo, writeModel } from './onnx-writer.js'
import { flattenTrees, nodeAttributes } from './tree-nodes.js'

/** How to export a hard-voting tree ensemble. */
export interface TreeEnsembleExport {
  featureCount: number
  classCount: number
  graphName: string
  docString?: string
  inputName?: string
  labelName?: string
  probabilitiesName?: string
}

/** Writes a hard-voting tree ensemble as an ai.onnx.ml TreeEnsembleClassifier model (label int64 [N], probabilities float [N, classes]). */
export function treeEnsembleToOnnx(trees: readonly TreeNode[], options: TreeEnsembleExport): Uint8Array {
  if (trees.length === 0) throw new RangeError('cannot export an empty ensemble')
  const inputName = options.inputName ?? 'input'
  const labelName = options.labelName ?? 'label'
  const probabilitiesName = options.probabilitiesName ?? 'probabilities'
  const flat = flattenTrees(trees, options.featureCount)
  const badClass = flat.leaves.values.find((classIndex) => !Number.isInteger(classIndex) || classIndex < 0 || classIndex >= options.classCount)
  if (badClass !== undefined) throw new RangeError(`a tree votes for unknown class ${badClass}`)
  // Each tree casts one vote, so the summed weights are the fraction of trees voting for each class.
  const voteWeight = 1 / trees.length
  // onnxruntime scores a two-class ensemble by its own binary rules (one class's score stands for
  // both), which disagree with the vote shares; a third class that never gets a vote keeps it on
  // the general path, and Slice and ArgMax drop it again.
  const binary = options.classCount === 2
  const classLabels = Array.from({ length: binary ? 3 : options.classCount }, (_, i) => i)
  const node = makeNode({
    opType: 'TreeEnsembleClassifier',
    domain: ONNX_ML_DOMAIN,
    inputs: [inputName],
    outputs: binary ? [`${labelName}_three_way`, `${probabilitiesName}_three_way`] : [labelName, probabilitiesName],
    name: 'forest',
    attributes: [
      intsAttr('classlabels_int64s', classLabels),
      intsAttr('class_treeids', flat.leaves.treeIds),
      intsAttr('class_nodeids', flat.leaves.nodeIds),
      intsAttr('class_ids', flat.leaves.values),
      floatsAttr(
        'class_weights',
        flat.leaves.values.map(() => voteWeight),
      ),
      ...nodeAttributes(flat),
      stringAttr('post_transform', 'NONE'),
    ],
  })
  return writeModel({
    graphName: options.graphName,
    docString: options.docString ?? '',
    nodes: binary ? [node, ...twoClassNodes(probabilitiesName, labelName)] : [node],
    initializers: binary ? [int64Tensor('two_classes_start', [1], [0]), int64Tensor('two_classes_end', [1], [2]), int64Tensor('class_axis', [1], [1])] : [],
    inputs: [tensorInfo(inputName, TensorDataType.FLOAT, [BATCH_DIM, options.featureCount])],
    outputs: [tensorInfo(labelName, TensorDataType.INT64, [BATCH_DIM]), tensorInfo(probabilitiesName, TensorDataType.FLOAT, [BATCH_DIM, options.classCount])],
  })
}

// The first two columns of the three-way shares, and the label as the first largest of them.
function twoClassNodes(probabilitiesName: string, labelName: string): ReturnType<typeof makeNode>[] {
  return [
    makeNode({
      opType: 'Slice',
      inputs: [`${probabilitiesName}_three_way`, 'two_classes_start', 'two_classes_end', 'class_axis'],
      outputs: [probabilitiesName],
      name: 'two_classes',
    }),
    makeNode({ opType: 'ArgMax', inputs: [probabilitiesName], outputs: [labelName], name: 'label', attributes: [intAttr('axis', 1), intAttr('keepdims', 0)] }),
  ]
}
