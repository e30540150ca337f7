import { join } from 'node:path'
import { ApiError } from '../errors/api-error.js'
import type { Logger } from '../observability/logger.js'
import type { Metrics } from '../observability/metrics.js'
import type { LoadedVersion } from './loaded-version.js'
import { BARE_METADATA, readModelMetadata, type ModelMetadata } from './metadata.js'
import { scanRepository, type ModelSource } from './repository.js'
import { loadVersion, type SessionOptions } from './session.js'

/** Where a version is in its life. */
export type VersionStatus = 'loading' | 'ready' | 'failed'

/** One version as the registry tracks it; `loaded` stays on the last good session after a failed reload. */
export interface VersionState {
  readonly version: string
  readonly status: VersionStatus
  readonly loaded?: LoadedVersion
  /** Why the last load failed; safe to show to an authenticated caller. */
  readonly reason?: string
}

/** One model: its metadata and versions, and whether it takes predictions. */
export interface ModelState {
  readonly name: string
  readonly metadata: ModelMetadata
  readonly active: boolean
  readonly versions: ReadonlyMap<string, VersionState>
  readonly reason?: string
}

/** What the registry needs from the rest of the process. */
export interface RegistryOptions {
  dir: string
  logger: Logger
  metrics: Metrics
  sessionOptions?: SessionOptions
}

/** name → versions → LoadedVersion. Loads build beside the live version and swap when ready. */
export class ModelRegistry {
  readonly #models = new Map<string, ModelState>()
  #scanning = false

  constructor(private readonly options: RegistryOptions) {}

  /** Scans the repository and loads every version; one broken model never stops the others. */
  async loadAll(): Promise<void> {
    this.#scanning = true
    try {
      const sources = await scanRepository(this.options.dir)
      await Promise.all(sources.map((source) => this.#loadModel(source)))
    } finally {
      this.#scanning = false
    }
  }

  /** Every model, sorted by name. */
  list(): ModelState[] {
    return [...this.#models.values()].sort((a, b) => a.name.localeCompare(b.name))
  }

  /** One model, or undefined. */
  get(name: string): ModelState | undefined {
    return this.#models.get(name)
  }

  /** Ready when nothing is loading and at least one version serves (contract.md, /readyz). */
  isReady(): boolean {
    if (this.#scanning) return false
    let anyReady = false
    for (const model of this.#models.values()) {
      for (const version of model.versions.values()) {
        if (version.status === 'loading') return false
        if (version.loaded !== undefined) anyReady = true
      }
    }
    return anyReady
  }

  /** The version a request names (number, alias or default); throws not_found / model_inactive / unavailable. */
  resolve(name: string, versionRef?: string): LoadedVersion {
    const model = this.#models.get(name)
    if (model === undefined) throw new ApiError('not_found', `model "${name}" not found`)
    const version = this.#resolveVersion(model, versionRef)
    if (!model.active) throw new ApiError('model_inactive', `model "${name}" is deactivated`)
    if (version.loaded === undefined) {
      if (version.status === 'loading') throw new ApiError('unavailable', `model "${name}" version ${version.version} is loading`, { headers: { 'Retry-After': '1' } })
      throw new ApiError('unavailable', `model "${name}" version ${version.version} failed to load`, { headers: { 'Retry-After': '30' } })
    }
    return version.loaded
  }

  /** The version number `versionRef` stands for, or the default; throws not_found. */
  #resolveVersion(model: ModelState, versionRef: string | undefined): VersionState {
    const wanted = versionRef === undefined ? defaultVersion(model) : (model.metadata.aliases?.[versionRef] ?? versionRef)
    const version = wanted === undefined ? undefined : model.versions.get(wanted)
    if (version === undefined) {
      const label = versionRef === undefined ? 'a default version' : `version "${versionRef}"`
      throw new ApiError('not_found', `model "${model.name}" has no ${label}`)
    }
    return version
  }

  /** Marks a model as taking predictions again. */
  activate(name: string): ModelState {
    return this.#update(name, (model) => ({ ...model, active: true }))
  }

  /** Stops predictions on a model (409 until activated); its sessions stay loaded. */
  deactivate(name: string): ModelState {
    return this.#update(name, (model) => ({ ...model, active: false }))
  }

  /** Reloads one model from disk beside the live versions; a failed load keeps the old session. */
  async reload(name: string): Promise<ModelState> {
    if (!this.#models.has(name)) throw new ApiError('not_found', `model "${name}" not found`)
    const sources = await scanRepository(this.options.dir)
    const source = sources.find((candidate) => candidate.name === name)
    if (source === undefined) throw new ApiError('not_found', `model "${name}" is no longer in the repository`)
    await this.#loadModel(source)
    return this.#models.get(name) as ModelState
  }

  #update(name: string, change: (model: ModelState) => ModelState): ModelState {
    const model = this.#models.get(name)
    if (model === undefined) throw new ApiError('not_found', `model "${name}" not found`)
    const next = change(model)
    this.#models.set(name, next)
    return next
  }

  async #loadModel(source: ModelSource): Promise<void> {
    const { logger, metrics } = this.options
    const previous = this.#models.get(source.name)
    let metadata = BARE_METADATA
    let reason: string | undefined
    try {
      if (source.metadataPath !== undefined) metadata = await readModelMetadata(source.metadataPath)
    } catch (err) {
      reason = (err as Error).message
    }
    const versions = new Map<string, VersionState>()
    for (const version of source.versions.keys()) {
      const old = previous?.versions.get(version)
      versions.set(version, { version, status: 'loading', loaded: old?.loaded })
    }
    this.#models.set(source.name, { name: source.name, metadata, active: previous?.active ?? true, versions, reason })
    await Promise.all([...source.versions].map(async ([version, path]) => {
      const old = previous?.versions.get(version)?.loaded
      let state: VersionState
      if (reason !== undefined) {
        state = { version, status: old ? 'ready' : 'failed', loaded: old, reason }
      } else {
        try {
          const loaded = await loadVersion(source.name, version, path, metadata, this.options.sessionOptions)
          state = { version, status: 'ready', loaded }
          metrics.modelLoaded.labels(source.name, version).set(1)
          logger.info('model version loaded', { model: source.name, version, digest: loaded.digest })
        } catch (err) {
          const message = (err as Error).message
          state = { version, status: old ? 'ready' : 'failed', loaded: old, reason: message }
          metrics.modelLoadFailures.labels(source.name).inc()
          logger.warn('model version failed to load', { model: source.name, version, file: join(source.name, version), reason: message })
        }
      }
      this.#setVersion(source.name, state)
    }))
  }

  #setVersion(name: string, state: VersionState): void {
    const model = this.#models.get(name)
    if (model === undefined) return
    const versions = new Map(model.versions)
    versions.set(state.version, state)
    this.#models.set(name, { ...model, versions })
  }
}

/** The configured default version, else the highest version that serves. */
function defaultVersion(model: ModelState): string | undefined {
  const configured = model.metadata.defaultVersion
  if (configured !== undefined) return model.metadata.aliases?.[configured] ?? configured
  const serving = [...model.versions.values()].filter((version) => version.loaded !== undefined)
  const candidates = serving.length > 0 ? serving : [...model.versions.values()]
  return candidates.map((version) => version.version).sort((a, b) => Number(b) - Number(a))[0]
}
