import { setTimeout as sleep } from 'node:timers/promises'
import { ApiError, ERROR_STATUS, type ErrorCode } from '../errors/api-error.js'
import type { Prediction } from '../predict/prediction.js'
import { UsageError, type ModelScorer } from './model-scorer.js'

/** Where and as whom a remote scorer calls. */
export interface RemoteScorerOptions {
  url: string
  token: string
  model: string
  version?: string
}

// A gateway that answers 429 or 503 is asked again after its Retry-After, this many times.
const MAX_RETRIES = 20
const MAX_WAIT_MS = 10_000

/**
 * Scores through a running gateway: each chunk is one `POST .../predict` with the token, so the
 * gateway's own checks, limits and metrics apply. The model's labels and features come from
 * `GET /api/v1/models/{name}` when the token may read it.
 */
export async function openRemoteScorer(options: RemoteScorerOptions): Promise<ModelScorer> {
  const base = options.url.replace(/\/+$/, '')
  const model = encodeURIComponent(options.model)
  const path = options.version === undefined ? `/api/v1/models/${model}/predict` : `/api/v1/models/${model}/versions/${encodeURIComponent(options.version)}/predict`
  const authorization = `Bearer ${options.token}`
  const described = await describeModel(`${base}/api/v1/models/${model}`, authorization)
  return {
    ...described,
    score: (inputs) => postRows(`${base}${path}`, authorization, inputs),
    close: () => Promise.resolve(),
  }
}

async function describeModel(url: string, authorization: string): Promise<{ labels?: string[]; featureNames?: string[] }> {
  const response = await fetch(url, { headers: { authorization } }).catch((err: Error) => {
    throw new UsageError(`cannot reach the gateway: ${err.message}`)
  })
  if (response.status === 401 || response.status === 404) throw new UsageError(`${url}: ${await errorOf(response).then((e) => e.message)}`)
  // Without models:read the run goes on; probability columns are then named by class index.
  if (!response.ok) return {}
  const body = (await response.json()) as { labels?: unknown; features?: unknown }
  const labels = Array.isArray(body.labels) ? body.labels.map(String) : undefined
  const featureNames = Array.isArray(body.features) ? body.features.map((feature: { name?: unknown }) => String(feature.name)) : undefined
  return { ...(labels === undefined ? {} : { labels }), ...(featureNames === undefined ? {} : { featureNames }) }
}

async function postRows(url: string, authorization: string, inputs: unknown[]): Promise<Prediction> {
  const body = JSON.stringify({ inputs })
  for (let attempt = 0; ; attempt += 1) {
    const response = await fetch(url, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body })
    if (response.ok) return (await response.json()) as Prediction
    const error = await errorOf(response)
    if ((response.status !== 429 && response.status !== 503) || attempt >= MAX_RETRIES) throw error
    const retryAfter = Number(response.headers.get('retry-after') ?? '1')
    await sleep(Math.min(MAX_WAIT_MS, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 1000))
  }
}

/** The gateway's error envelope as an ApiError with the same code and message. */
async function errorOf(response: Response): Promise<ApiError> {
  const text = await response.text()
  let code: ErrorCode = 'internal'
  let message = `the gateway answered ${response.status}`
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }
    if (typeof parsed.error?.code === 'string' && Object.hasOwn(ERROR_STATUS, parsed.error.code)) code = parsed.error.code as ErrorCode
    if (typeof parsed.error?.message === 'string') message = parsed.error.message
  } catch {
    // Not the envelope (a proxy's page, say): the status line says what is known.
  }
  return new ApiError(code, message)
}
