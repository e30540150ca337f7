import { resolve } from 'node:path'
import type { Config } from '../config/schema.js'
import { isApiError } from '../errors/api-error.js'
import { ModelRegistry } from '../models/registry.js'
import { scanRepository } from '../models/repository.js'
import type { Logger } from '../observability/logger.js'
import { createMetrics } from '../observability/metrics.js'
import { InferenceCore } from '../predict/inference-core.js'
import { RowDoor } from '../predict/row-door.js'
import { ValidatorCache } from '../predict/validators.js'
import type { Principal } from '../security/principal.js'
import { roleMapFrom } from '../security/rbac.js'
import { UsageError, type ModelScorer } from './model-scorer.js'

/** What a local scorer loads. */
export interface LocalScorerOptions {
  model: string
  version?: string
  /** Rows per call: the validator's row limit is raised to it, as the operator chose the size. */
  batchRows: number
  logger: Logger
}

/**
 * The operator at the terminal: the files are theirs and so is the model repository, so the
 * principal holds every configured role (README, "Files").
 */
function operatorPrincipal(config: Readonly<Config>): Principal {
  return { subject: 'cli-operator', roles: Object.keys(config.rbac.roles), expiresAt: Number.MAX_SAFE_INTEGER }
}

/**
 * Loads one model from the configured repository (no server) and scores through RowDoor with the
 * door 'file' (rows of plain numbers through its matrix way in, checked per chunk). The cache is off (a file's rows rarely repeat) and so is micro-batching (each call
 * is already a batch).
 */
export async function openLocalScorer(config: Readonly<Config>, options: LocalScorerOptions): Promise<ModelScorer> {
  const dir = resolve(config.models.dir)
  const sources = await scanRepository(dir).catch((err: Error) => {
    throw new UsageError(`cannot read the model repository ${config.models.dir}: ${err.message}`)
  })
  const source = sources.find((candidate) => candidate.name === options.model)
  if (source === undefined) throw new UsageError(`model "${options.model}" not found in ${config.models.dir}`)
  const metrics = createMetrics()
  const { intraOpNumThreads, interOpNumThreads, graphOptimizationLevel } = config.inference
  // Sessions stay on this thread (onnxruntime-node runs them on the calling thread): a CSV or
  // JSON Lines file is parsed on the reader thread meanwhile. An inference thread as well measured
  // at most 5% faster on two cores, for 50 MiB more peak RSS and a second copy of every chunk's
  // tensors.
  const sessionOptions = { intraOpNumThreads, interOpNumThreads, graphOptimizationLevel }
  const registry = new ModelRegistry({ dir, logger: options.logger, metrics, sessionOptions })
  try {
    await registry.sync(options.model, source)
  } catch (err) {
    await registry.close()
    throw err
  }
  const door = new RowDoor({ registry, core: new InferenceCore({ metrics }), validators: new ValidatorCache(options.batchRows), metrics, roleMap: roleMapFrom(config) })
  const principal = operatorPrincipal(config)
  const { model, version } = options
  let route
  try {
    route = door.authorize(principal, model, version)
  } catch (err) {
    await registry.close()
    if (isApiError(err)) throw new UsageError(err.message)
    throw err
  }
  const { metadata } = route.primary
  return {
    score: (inputs) => door.score({ principal, model, ...(version === undefined ? {} : { version }), body: { inputs }, door: 'file' }),
    scoreMatrix: (matrix) => door.scoreMatrix({ principal, model, ...(version === undefined ? {} : { version }), matrix, door: 'file' }),
    ...(metadata.labels === undefined ? {} : { labels: metadata.labels }),
    ...(metadata.features === undefined ? {} : { featureNames: metadata.features.map((feature) => feature.name) }),
    close: () => registry.close(),
  }
}
