import type { TreeNode } from './decision-tree.js'
import { float32SplitThreshold } from './float32.js'
import { TensorDataType } from './onnx-proto.js'
import { BATCH_DIM, ONNX_ML_DOMAIN, floatsAttr, int64Tensor, intAttr, intsAttr, makeNode, stringAttr, stringsAttr, tensorInfo, writeModel } from './onnx-writer.js'

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

interface FlatTrees {
  treeIds: number[]
  nodeIds: number[]
  featureIds: number[]
  values: number[]
  modes: string[]
  trueIds: number[]
  falseIds: number[]
  classTreeIds: number[]
  classNodeIds: number[]
  classIds: number[]
  classWeights: number[]
}

function flatten(trees: readonly TreeNode[], classCount: number): FlatTrees {
  const flat: FlatTrees = {
    treeIds: [],
    nodeIds: [],
    featureIds: [],
    values: [],
    modes: [],
    trueIds: [],
    falseIds: [],
    classTreeIds: [],
    classNodeIds: [],
    classIds: [],
    classWeights: [],
  }
  // Each tree casts one vote, so the summed weights are the fraction of trees voting for each class.
  const voteWeight = 1 / trees.length
  trees.forEach((tree, treeId) => {
    let nextId = 0
    const visit = (node: TreeNode): number => {
      const id = nextId++
      const at = flat.nodeIds.length
      flat.treeIds.push(treeId)
      flat.nodeIds.push(id)
      if (node.kind === 'leaf') {
        if (node.classIndex >= classCount) throw new RangeError(`tree ${treeId} votes for unknown class ${node.classIndex}`)
        flat.featureIds.push(0)
        flat.values.push(0)
        flat.modes.push('LEAF')
        flat.trueIds.push(0)
        flat.falseIds.push(0)
        flat.classTreeIds.push(treeId)
        flat.classNodeIds.push(id)
        flat.classIds.push(node.classIndex)
        flat.classWeights.push(voteWeight)
        return id
      }
      flat.featureIds.push(node.feature)
      // ONNX thresholds and inputs are float32; see float32SplitThreshold for which side the rounding falls.
      flat.values.push(float32SplitThreshold(node.threshold))
      flat.modes.push('BRANCH_LT')
      flat.trueIds.push(0)
      flat.falseIds.push(0)
      flat.trueIds[at] = visit(node.left)
      flat.falseIds[at] = visit(node.right)
      return id
    }
    visit(tree)
  })
  return flat
}

/** Writes a hard-voting tree ensemble as an ai.onnx.ml TreeEnsembleClassifier model (label int64 [N], probabilities float [N, classes]). */
export function treeEnsembleToOnnx(trees: readonly TreeNode[], options: TreeEnsembleExport): Uint8Array {
  if (trees.length === 0) throw new RangeError('cannot export an empty ensemble')
  const inputName = options.inputName ?? 'input'
  const labelName = options.labelName ?? 'label'
  const probabilitiesName = options.probabilitiesName ?? 'probabilities'
  const flat = flatten(trees, options.classCount)
  const badFeature = flat.featureIds.find((feature) => feature >= options.featureCount)
  if (badFeature !== undefined) throw new RangeError(`a tree splits on feature ${badFeature} of ${options.featureCount}`)
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
      intsAttr('class_treeids', flat.classTreeIds),
      intsAttr('class_nodeids', flat.classNodeIds),
      intsAttr('class_ids', flat.classIds),
      floatsAttr('class_weights', flat.classWeights),
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
