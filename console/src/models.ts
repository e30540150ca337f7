import { callApi, errorMessage } from './api'

/** One version as GET /api/v1/models describes it. */
export interface VersionView {
  version: string
  status: string
  reason?: string
  digest?: string
  loaded_at?: string
  requests: number
}

/** A feature of model.yaml. */
export interface Feature {
  name: string
  description?: string
  unit?: string
  min?: number
  max?: number
}

/** A tensor of an ONNX model's signature. */
export interface TensorInfo {
  name: string
  dtype: string
  shape: (number | string | null)[]
}

/** GET /api/v1/models/{name}. */
export interface ModelDetail {
  name: string
  description?: string
  active: boolean
  reason?: string
  versions: VersionView[]
  features: Feature[] | null
  labels: string[] | null
  default_version: string | null
  aliases: Record<string, string>
  canary: { version: string; weight: number } | null
  shadow: { version: string; weight: number } | null
  inputs: TensorInfo[]
  examples?: number[][]
}

/** Loads every model the caller may see, with details; throws the API's message on failure. */
export async function loadModels(): Promise<ModelDetail[]> {
  const list = await callApi({ method: 'GET', path: '/api/v1/models' })
  if (!list.ok) throw new Error(errorMessage(list))
  const names = (list.body as { models: { name: string }[] }).models.map((model) => model.name)
  const details = await Promise.all(names.map((name) => callApi({ method: 'GET', path: `/api/v1/models/${encodeURIComponent(name)}` })))
  return details.filter((answer) => answer.ok).map((answer) => answer.body as ModelDetail)
}
