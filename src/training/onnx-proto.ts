import protobuf from 'protobufjs'

// The subset of onnx/onnx.proto (proto2) that the demo models need, with the official field numbers;
// enum-typed fields are declared int32, which is the same varint on the wire.
const ONNX_PROTO_SUBSET = `
syntax = "proto2";
package onnx;

message AttributeProto {
  optional string name = 1;
  optional float f = 2;
  optional int64 i = 3;
  optional bytes s = 4;
  optional TensorProto t = 5;
  repeated float floats = 7;
  repeated int64 ints = 8;
  repeated bytes strings = 9;
  optional string doc_string = 13;
  optional int32 type = 20;
}

message ValueInfoProto {
  optional string name = 1;
  optional TypeProto type = 2;
  optional string doc_string = 3;
}

message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  optional string name = 3;
  optional string op_type = 4;
  repeated AttributeProto attribute = 5;
  optional string doc_string = 6;
  optional string domain = 7;
}

message StringStringEntryProto {
  optional string key = 1;
  optional string value = 2;
}

message ModelProto {
  optional int64 ir_version = 1;
  optional string producer_name = 2;
  optional string producer_version = 3;
  optional string domain = 4;
  optional int64 model_version = 5;
  optional string doc_string = 6;
  optional GraphProto graph = 7;
  repeated OperatorSetIdProto opset_import = 8;
  repeated StringStringEntryProto metadata_props = 14;
}

message GraphProto {
  repeated NodeProto node = 1;
  optional string name = 2;
  repeated TensorProto initializer = 5;
  optional string doc_string = 10;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
  repeated ValueInfoProto value_info = 13;
}

message TensorProto {
  repeated int64 dims = 1;
  optional int32 data_type = 2;
  repeated float float_data = 4 [packed = true];
  repeated int32 int32_data = 5 [packed = true];
  repeated bytes string_data = 6;
  repeated int64 int64_data = 7 [packed = true];
  optional string name = 8;
  optional bytes raw_data = 9;
  optional string doc_string = 12;
}

message TensorShapeProto {
  message Dimension {
    oneof value {
      int64 dim_value = 1;
      string dim_param = 2;
    }
    optional string denotation = 3;
  }
  repeated Dimension dim = 1;
}

message TypeProto {
  message Tensor {
    optional int32 elem_type = 1;
    optional TensorShapeProto shape = 2;
  }
  oneof value {
    Tensor tensor_type = 1;
  }
  optional string denotation = 6;
}

message OperatorSetIdProto {
  optional string domain = 1;
  optional int64 version = 2;
}
`

/** ONNX TensorProto.DataType values used by the demo models. */
export const TensorDataType = {
  FLOAT: 1,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  DOUBLE: 11,
} as const

/** An ONNX TensorProto.DataType value. */
export type TensorDataType = (typeof TensorDataType)[keyof typeof TensorDataType]

/** ONNX AttributeProto.AttributeType values used by the demo models. */
export const AttributeType = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
} as const

/** An ONNX AttributeProto.AttributeType value. */
export type AttributeType = (typeof AttributeType)[keyof typeof AttributeType]

/** onnx.TensorProto (subset), with protobufjs camelCase field names. */
export interface TensorProto {
  dims?: number[]
  dataType?: number
  floatData?: number[]
  int32Data?: number[]
  stringData?: Uint8Array[]
  int64Data?: number[]
  name?: string
  rawData?: Uint8Array
  docString?: string
}

/** onnx.AttributeProto (subset). */
export interface AttributeProto {
  name?: string
  type?: number
  f?: number
  i?: number
  s?: Uint8Array
  t?: TensorProto
  floats?: number[]
  ints?: number[]
  strings?: Uint8Array[]
  docString?: string
}

/** onnx.NodeProto. */
export interface NodeProto {
  input?: string[]
  output?: string[]
  name?: string
  opType?: string
  attribute?: AttributeProto[]
  docString?: string
  domain?: string
}

/** onnx.TensorShapeProto.Dimension: a fixed size or a symbolic name. */
export interface TensorShapeDimension {
  dimValue?: number
  dimParam?: string
  denotation?: string
}

/** onnx.TensorShapeProto. */
export interface TensorShapeProto {
  dim?: TensorShapeDimension[]
}

/** onnx.TypeProto (tensor types only). */
export interface TypeProto {
  tensorType?: { elemType?: number; shape?: TensorShapeProto }
  denotation?: string
}

/** onnx.ValueInfoProto. */
export interface ValueInfoProto {
  name?: string
  type?: TypeProto
  docString?: string
}

/** onnx.GraphProto (subset). */
export interface GraphProto {
  node?: NodeProto[]
  name?: string
  initializer?: TensorProto[]
  docString?: string
  input?: ValueInfoProto[]
  output?: ValueInfoProto[]
  valueInfo?: ValueInfoProto[]
}

/** onnx.OperatorSetIdProto. */
export interface OperatorSetIdProto {
  domain?: string
  version?: number
}

/** onnx.StringStringEntryProto. */
export interface StringStringEntryProto {
  key?: string
  value?: string
}

/** onnx.ModelProto (subset). */
export interface ModelProto {
  irVersion?: number
  producerName?: string
  producerVersion?: string
  domain?: string
  modelVersion?: number
  docString?: string
  graph?: GraphProto
  opsetImport?: OperatorSetIdProto[]
  metadataProps?: StringStringEntryProto[]
}

const modelType = protobuf.parse(ONNX_PROTO_SUBSET).root.lookupType('onnx.ModelProto')

/** Serialises a ModelProto to ONNX protobuf bytes. */
export function encodeModelProto(model: ModelProto): Uint8Array {
  const problem = modelType.verify(model)
  if (problem !== null) throw new TypeError(`invalid ModelProto: ${problem}`)
  return modelType.encode(modelType.fromObject(model)).finish()
}

/** Parses ONNX protobuf bytes into a ModelProto (int64 fields as numbers, unset scalars omitted). */
export function decodeModelProto(bytes: Uint8Array): ModelProto {
  const message = modelType.decode(bytes)
  const model: ModelProto = modelType.toObject(message, { longs: Number })
  return model
}
