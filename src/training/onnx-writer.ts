import { AttributeType, TensorDataType, encodeModelProto, type AttributeProto, type NodeProto, type TensorProto, type ValueInfoProto } from './onnx-proto.js'

/** IR version written into every model (ONNX 1.10+, understood by onnxruntime 1.10+). */
export const IR_VERSION = 8

/** Domain of the classical machine-learning operators (TreeEnsembleClassifier and friends). */
export const ONNX_ML_DOMAIN = 'ai.onnx.ml'

/** Symbolic name of the dynamic batch dimension. */
export const BATCH_DIM = 'N'

/** An operator set a model imports. */
export interface OpsetImport {
  domain: string
  version: number
}

/** Default opset imports: the standard domain at opset 17 and ai.onnx.ml at opset 3. */
const DEFAULT_OPSETS: readonly OpsetImport[] = [
  { domain: '', version: 17 },
  { domain: ONNX_ML_DOMAIN, version: 3 },
]

/** A tensor dimension: a fixed size, or a symbolic name for a dynamic one. */
export type Dim = number | string

const utf8 = new TextEncoder()

function elementCount(dims: readonly number[]): number {
  return dims.reduce((product, dim) => product * dim, 1)
}

function checkShape(name: string, dims: readonly number[], length: number): void {
  if (!dims.every((dim) => Number.isInteger(dim) && dim >= 0)) {
    throw new RangeError(`tensor ${name}: dims must be non-negative integers`)
  }
  if (elementCount(dims) !== length) {
    throw new RangeError(`tensor ${name}: dims [${dims.join(', ')}] hold ${elementCount(dims)} values, got ${length}`)
  }
}

/** Builds a float32 initializer tensor (stored little-endian in raw_data). */
export function floatTensor(name: string, dims: readonly number[], values: ArrayLike<number>): TensorProto {
  checkShape(name, dims, values.length)
  const raw = new Uint8Array(values.length * 4)
  const view = new DataView(raw.buffer)
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i] ?? 0, true)
  return { name, dims: [...dims], dataType: TensorDataType.FLOAT, rawData: raw }
}

/** Builds an int64 initializer tensor (stored little-endian in raw_data). */
export function int64Tensor(name: string, dims: readonly number[], values: ArrayLike<number>): TensorProto {
  checkShape(name, dims, values.length)
  const raw = new Uint8Array(values.length * 8)
  const view = new DataView(raw.buffer)
  for (let i = 0; i < values.length; i++) {
    const value = values[i] ?? 0
    if (!Number.isSafeInteger(value)) throw new RangeError(`tensor ${name}: ${value} is not a safe integer`)
    view.setBigInt64(i * 8, BigInt(value), true)
  }
  return { name, dims: [...dims], dataType: TensorDataType.INT64, rawData: raw }
}

/** A float attribute. */
export function floatAttr(name: string, value: number): AttributeProto {
  return { name, type: AttributeType.FLOAT, f: value }
}

/** An int attribute. */
export function intAttr(name: string, value: number): AttributeProto {
  if (!Number.isSafeInteger(value)) throw new RangeError(`attribute ${name}: ${value} is not a safe integer`)
  return { name, type: AttributeType.INT, i: value }
}

/** A UTF-8 string attribute. */
export function stringAttr(name: string, value: string): AttributeProto {
  return { name, type: AttributeType.STRING, s: utf8.encode(value) }
}

/** A float list attribute. */
export function floatsAttr(name: string, values: readonly number[]): AttributeProto {
  return { name, type: AttributeType.FLOATS, floats: [...values] }
}

/** An int list attribute. */
export function intsAttr(name: string, values: readonly number[]): AttributeProto {
  const bad = values.find((value) => !Number.isSafeInteger(value))
  if (bad !== undefined) throw new RangeError(`attribute ${name}: ${bad} is not a safe integer`)
  return { name, type: AttributeType.INTS, ints: [...values] }
}

/** A UTF-8 string list attribute. */
export function stringsAttr(name: string, values: readonly string[]): AttributeProto {
  return { name, type: AttributeType.STRINGS, strings: values.map((value) => utf8.encode(value)) }
}

/** What a graph node computes: operator, wiring, attributes. */
export interface NodeSpec {
  opType: string
  inputs: readonly string[]
  outputs: readonly string[]
  name?: string
  domain?: string
  attributes?: readonly AttributeProto[]
}

/** Builds a graph node. */
export function makeNode(spec: NodeSpec): NodeProto {
  return {
    opType: spec.opType,
    input: [...spec.inputs],
    output: [...spec.outputs],
    name: spec.name ?? `${spec.opType}_${spec.outputs[0] ?? ''}`,
    domain: spec.domain ?? '',
    attribute: [...(spec.attributes ?? [])],
  }
}

/** Declares a graph input or output tensor; string dims are symbolic (dynamic). */
export function tensorInfo(name: string, elemType: TensorDataType, dims: readonly Dim[]): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((dim) => (typeof dim === 'number' ? { dimValue: dim } : { dimParam: dim })) },
      },
    },
  }
}

/** Everything needed to write a single-graph model. */
export interface ModelSpec {
  graphName: string
  nodes: readonly NodeProto[]
  inputs: readonly ValueInfoProto[]
  outputs: readonly ValueInfoProto[]
  initializers?: readonly TensorProto[]
  opsets?: readonly OpsetImport[]
  docString?: string
  producerName?: string
  producerVersion?: string
  metadata?: Readonly<Record<string, string>>
}

/** Serialises a model to ONNX protobuf bytes. */
export function writeModel(spec: ModelSpec): Uint8Array {
  return encodeModelProto({
    irVersion: IR_VERSION,
    producerName: spec.producerName ?? 'portcullis',
    producerVersion: spec.producerVersion ?? '0.1.0',
    modelVersion: 1,
    docString: spec.docString ?? '',
    opsetImport: (spec.opsets ?? DEFAULT_OPSETS).map(({ domain, version }) => ({ domain, version })),
    metadataProps: Object.entries(spec.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: spec.graphName,
      node: [...spec.nodes],
      initializer: [...(spec.initializers ?? [])],
      input: [...spec.inputs],
      output: [...spec.outputs],
    },
  })
}
