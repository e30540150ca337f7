import type { ModelControl } from '../control/control-state.js'
import { profilePathOf, readProfile, type ReferenceProfile } from '../drift/profile.js'
import { ApiError } from '../errors/api-error.js'
import type { Logger } from '../observability/logger.js'
import type { Metrics } from '../observability/metrics.js'
import { failureCode, type LoadFailureCode } from './load-failure.js'
import { withControl } from './controlled-metadata.js'
import type { LoadedVersion } from './loaded-version.js'
import { BARE_METADATA, readModelMetadata, type ModelMetadata } from './metadata.js'
import { servingOf, servingVersion, versionOf, type ModelState, type Route, type VersionState } from './model-state.js'
import { scanRepository, type ModelSource } from './repository.js'
import { openVersion, readModelFile, type ModelFile, type SessionOptions } from './version-loader.js'
import { choosesCanary, samplesShadow } from './traffic.js'
import { describePolicy, planVersions } from './version-policy.js'

export type { ModelState, Route, VersionState, VersionStats, VersionStatus } from './model-state.js'

/** What the registry needs from the rest of the process. */
export interface RegistryOptions {
  dir: string
  logger: Logger
  metrics: Metrics
  sessionOptions?: SessionOptions
  /** How long a replaced or removed version's session stays open for requests still running on it. */
  drainMs?: number
  /** Checks a version's bytes before they are opened (signed models); resolves to why it is refused, if it is. */
  admit?: (name: string, version: string, path: string, digest: string) => Promise<string | undefined>
}

// model.yaml keys that only steer routing: changing them never needs a new session.
const ROUTING_KEYS = new Set(['description', 'roles', 'defaultVersion', 'aliases', 'versionPolicy', 'canary', 'shadow', 'sha256', 'training'])

/**
 * name → versions → LoadedVersion. A load builds the new session beside the serving one and swaps
 * the reference when it is ready; requests that already hold the old LoadedVersion finish on it,
 * and its session is released after `drainMs` (design.md, invariant 4). Changes to one model run
 * one at a time.
 */
export class ModelRegistry {
  readonly #models = new Map<string, ModelState>()
  readonly #queues = new Map<string, Promise<void>>()
  readonly #draining = new Map<NodeJS.Timeout, LoadedVersion>()
  /** Operator changes from the control store, by model name; kept for models not loaded yet too. */
  readonly #controls = new Map<string, ModelControl>()
  /** Each model's model.yaml as read, before the control changes are laid over it. */
  readonly #fileMetadata = new Map<string, ModelMetadata>()
  #scanning = false
  #closed = false

  constructor(private readonly options: RegistryOptions) {}

  /** Scans the repository and loads every model; one broken model never stops the others. */
  async loadAll(): Promise<void> {
    this.#scanning = true
    try {
      const sources = await scanRepository(this.options.dir)
      await Promise.all(sources.map((source) => this.sync(source.name, source)))
    } finally {
      this.#scanning = false
    }
  }

  /** Brings one model in line with the repository (`undefined`: it is gone); loads only what changed. */
  sync(name: string, source: ModelSource | undefined): Promise<void> {
    return this.#enqueue(name, () => this.#apply(name, source, false))
  }

  /** Reloads one model from disk beside the live versions, reopening every session; a failed load keeps the old one. */
  async reload(name: string): Promise<ModelState> {
    const sources = await scanRepository(this.options.dir)
    const source = sources.find((candidate) => candidate.name === name)
    if (source === undefined) {
      if (this.#models.has(name)) await this.sync(name, undefined)
      throw new ApiError('not_found', `model "${name}" is not in the repository`)
    }
    await this.#enqueue(name, () => this.#apply(name, source, true))
    return this.#models.get(name) ?? notFound(name)
  }

  /** Every model, sorted by name. */
  list(): ModelState[] {
    return [...this.#models.values()].sort((a, b) => a.name.localeCompare(b.name))
  }

  /** One model, or undefined. */
  get(name: string): ModelState | undefined {
    return this.#models.get(name)
  }

  /** One model; throws not_found for a name no model has. */
  require(name: string): ModelState {
    return this.#models.get(name) ?? notFound(name)
  }

  /** Ready when the first scan is done, no model waits for its first version, and one version serves (contract.md, /readyz). */
  isReady(): boolean {
    if (this.#scanning) return false
    let anyServing = false
    for (const model of this.#models.values()) {
      const versions = [...model.versions.values()]
      const serving = versions.some((version) => version.loaded !== undefined && version.status !== 'inactive')
      if (!serving && versions.some((version) => version.status === 'loading')) return false
      anyServing ||= serving
    }
    return anyServing
  }

  /**
   * The version a request names (number, alias or default); throws not_found / model_inactive /
   * unavailable. `allowDeactivated` is for describing a model, never for predicting with it.
   */
  resolve(name: string, versionRef?: string, options: { allowDeactivated?: boolean } = {}): LoadedVersion {
    const model = this.#models.get(name) ?? notFound(name)
    const version = versionOf(model, versionRef)
    if (!model.active && options.allowDeactivated !== true) throw new ApiError('model_inactive', `model "${name}" is deactivated`)
    return servingOf(model, version)
  }

  /**
   * Routes one request: a named version as `resolve`; otherwise the canary for its share of
   * subjects (sticky), else the default. Adds the shadow version when model.yaml sets one, and
   * counts the request on the version that answers.
   */
  route(name: string, versionRef: string | undefined, subject: string | undefined): Route {
    const model = this.#models.get(name) ?? notFound(name)
    const { canary, shadow } = model.metadata
    let primary: LoadedVersion | undefined
    if (versionRef === undefined && canary !== undefined && model.active && choosesCanary(name, subject, canary.weight)) {
      primary = servingVersion(model, canary.version)
    }
    primary ??= this.resolve(name, versionRef)
    const route: Route = { primary }
    if (shadow !== undefined && samplesShadow(shadow.weight)) {
      const copy = servingVersion(model, shadow.version)
      if (copy !== undefined && copy.version !== primary.version) route.shadow = copy
    }
    const stats = model.versions.get(primary.version)?.stats
    if (stats !== undefined) stats.requests += 1
    return route
  }

  /** Marks a model as taking predictions again (in this process only; the fleet goes through src/control). */
  activate(name: string): ModelState {
    return this.#update(name, (model) => ({ ...model, active: true }))
  }

  /** Stops predictions on a model (409 until activated); its sessions stay loaded. */
  deactivate(name: string): ModelState {
    return this.#update(name, (model) => ({ ...model, active: false }))
  }

  /**
   * Lays the control store's changes for one model (active, aliases, canary, shadow) over its
   * model.yaml; `undefined` goes back to model.yaml alone. Kept for a model not loaded yet.
   */
  setControl(name: string, control: ModelControl | undefined): void {
    if (control === undefined) this.#controls.delete(name)
    else this.#controls.set(name, control)
    const model = this.#models.get(name)
    const file = this.#fileMetadata.get(name)
    if (model === undefined || file === undefined) return
    this.#models.set(name, { ...model, active: control?.active ?? true, metadata: withControl(file, control) })
  }

  /** Waits for running loads, then releases every session; the registry serves nothing afterwards. */
  async close(): Promise<void> {
    this.#closed = true
    await Promise.allSettled([...this.#queues.values()])
    for (const [timer, loaded] of this.#draining) {
      clearTimeout(timer)
      await this.#release(loaded)
    }
    this.#draining.clear()
    for (const model of this.#models.values()) {
      for (const version of model.versions.values()) if (version.loaded !== undefined) await this.#release(version.loaded)
    }
    this.#models.clear()
  }

  #update(name: string, change: (model: ModelState) => ModelState): ModelState {
    const next = change(this.#models.get(name) ?? notFound(name))
    this.#models.set(name, next)
    return next
  }

  #enqueue(name: string, task: () => Promise<void>): Promise<void> {
    const run = async (): Promise<void> => {
      try {
        await task()
      } catch (err) {
        this.options.logger.error('model sync failed', { model: name, reason: (err as Error).message })
      }
    }
    const next = (this.#queues.get(name) ?? Promise.resolve()).then(run)
    this.#queues.set(name, next)
    void next.then(() => {
      if (this.#queues.get(name) === next) this.#queues.delete(name)
    })
    return next
  }

  async #apply(name: string, source: ModelSource | undefined, force: boolean): Promise<void> {
    if (this.#closed) return
    if (source === undefined) return this.#remove(name)
    const previous = this.#models.get(name)
    let metadata: ModelMetadata
    try {
      metadata = source.metadataPath === undefined ? BARE_METADATA : await readModelMetadata(source.metadataPath)
    } catch (err) {
      return this.#rejectMetadata(source, (err as Error).message)
    }
    const versions = new Map<string, VersionState>()
    for (const version of source.versions.keys()) {
      versions.set(version, previous?.versions.get(version) ?? { version, status: 'loading', stats: { requests: 0 } })
    }
    for (const [version, old] of previous?.versions ?? []) {
      if (source.versions.has(version)) continue
      this.options.logger.info('model version removed', { model: name, version })
      this.options.metrics.modelLoaded.remove(name, version)
      this.#retire(old.loaded)
    }
    // Read the control state now, not before the await above: an admin may have changed it meanwhile.
    this.#fileMetadata.set(name, metadata)
    const control = this.#controls.get(name)
    this.#models.set(name, { name, metadata: withControl(metadata, control), active: control?.active ?? this.#models.get(name)?.active ?? true, versions })
    const plan = planVersions(metadata.versionPolicy, source.versions.keys())
    const policy = describePolicy(metadata.versionPolicy)
    let servingCount = 0
    for (const version of plan.candidates) {
      if (servingCount >= plan.limit) {
        this.#exclude(name, version, `versionPolicy ${policy} serves newer versions`)
        continue
      }
      const state = await this.#loadVersion(name, version, source.versions.get(version) ?? '', metadata, force)
      if (state.loaded !== undefined) servingCount += 1
    }
    for (const version of plan.excluded) this.#exclude(name, version, `excluded by versionPolicy ${policy}`)
  }

  /** Loads one version beside the serving one and swaps; the same file under the same interface keeps its session. */
  async #loadVersion(name: string, version: string, path: string, metadata: ModelMetadata, force: boolean): Promise<VersionState> {
    const old = this.#state(name, version)
    let file: ModelFile
    try {
      file = await readModelFile(path)
    } catch (err) {
      return this.#failed(name, old, 'unreadable_file', `the model file cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`)
    }
    const refusal = await this.options.admit?.(name, version, path, file.digest)
    if (refusal !== undefined) return this.#failed(name, old, 'untrusted_signature', refusal)
    const kept = old.loaded
    const profile = await this.#readProfile(name, version, path)
    if (!force && kept !== undefined && old.status !== 'inactive' && kept.digest === file.digest && sameInterface(kept.metadata, metadata)) {
      const expected = metadata.sha256?.[version]?.toLowerCase()
      if (expected !== undefined && expected !== file.digest) {
        return this.#failed(name, old, 'digest_mismatch', `sha256 mismatch for version ${version}: expected ${expected}, file has ${file.digest}`)
      }
      return this.#setVersion(name, { version, status: 'ready', loaded: withProfile(kept, profile), stats: old.stats })
    }
    this.#setVersion(name, { version, status: 'loading', loaded: old.status === 'inactive' ? undefined : kept, stats: old.stats })
    let loaded: LoadedVersion
    try {
      loaded = withProfile(await openVersion(name, version, file, metadata, this.options.sessionOptions), profile)
    } catch (err) {
      return this.#failed(name, old, failureCode(err), (err as Error).message)
    }
    if (this.#closed) {
      await this.#release(loaded)
      return old
    }
    const state = this.#setVersion(name, { version, status: 'ready', loaded, stats: old.stats })
    this.#retire(kept)
    this.options.metrics.modelLoaded.labels(name, version).set(1)
    this.options.logger.info('model version loaded', { model: name, version, digest: loaded.digest, runs_on: loaded.runsOn, row_run_us: loaded.rowRunMicros ?? null })
    return state
  }

  /** The version's profile.json, read-only and optional: a broken one is logged and drift is not tracked. */
  async #readProfile(name: string, version: string, modelPath: string): Promise<ReferenceProfile | undefined> {
    const path = profilePathOf(modelPath)
    if (path === undefined) return undefined
    try {
      return await readProfile(path)
    } catch (err) {
      this.options.logger.warn('model version profile ignored', { model: name, version, reason: (err as Error).message })
      return undefined
    }
  }

  #failed(name: string, old: VersionState, code: LoadFailureCode, reason: string): VersionState {
    const kept = old.status === 'inactive' ? undefined : old.loaded
    this.options.metrics.modelLoadFailures.labels(name).inc()
    this.options.logger.warn('model version failed to load', { model: name, version: old.version, reason, serving: kept?.digest ?? null })
    return this.#setVersion(name, { version: old.version, status: kept === undefined ? 'failed' : 'ready', loaded: kept, reason, code, stats: old.stats })
  }

  #exclude(name: string, version: string, reason: string): void {
    const old = this.#state(name, version)
    if (old.status === 'inactive') return
    if (old.loaded !== undefined) this.options.logger.info('model version retired', { model: name, version, reason })
    this.#retire(old.loaded)
    this.options.metrics.modelLoaded.labels(name, version).set(0)
    this.#setVersion(name, { version, status: 'inactive', reason, code: 'excluded_by_policy', stats: old.stats })
  }

  #rejectMetadata(source: ModelSource, reason: string): void {
    const previous = this.#models.get(source.name)
    this.options.metrics.modelLoadFailures.labels(source.name).inc()
    this.options.logger.warn('model.yaml rejected; the model keeps its last good state', { model: source.name, reason })
    if (previous !== undefined) {
      this.#models.set(source.name, { ...previous, reason, code: 'invalid_metadata' })
      return
    }
    const versions = new Map<string, VersionState>()
    for (const version of source.versions.keys()) versions.set(version, { version, status: 'failed', reason, code: 'invalid_metadata', stats: { requests: 0 } })
    // Fail closed: a model whose model.yaml exists but cannot be read never serves with defaults.
    this.#models.set(source.name, { name: source.name, metadata: BARE_METADATA, active: true, versions, reason, code: 'invalid_metadata' })
  }

  #remove(name: string): void {
    const model = this.#models.get(name)
    if (model === undefined) return
    for (const version of model.versions.values()) {
      this.options.metrics.modelLoaded.remove(name, version.version)
      this.#retire(version.loaded)
    }
    this.#models.delete(name)
    this.#fileMetadata.delete(name)
    this.options.logger.info('model removed', { model: name })
  }

  #state(name: string, version: string): VersionState {
    return this.#models.get(name)?.versions.get(version) ?? { version, status: 'loading', stats: { requests: 0 } }
  }

  #setVersion(name: string, state: VersionState): VersionState {
    const model = this.#models.get(name)
    if (model === undefined) return state
    const versions = new Map(model.versions)
    versions.set(state.version, state)
    this.#models.set(name, { ...model, versions })
    return state
  }

  /** Releases a session once requests that still hold it have had `drainMs` to finish. */
  #retire(loaded: LoadedVersion | undefined): void {
    if (loaded === undefined) return
    const timer = setTimeout(() => {
      this.#draining.delete(timer)
      void this.#release(loaded)
    }, this.options.drainMs ?? 30_000)
    timer.unref()
    this.#draining.set(timer, loaded)
  }

  async #release(loaded: LoadedVersion): Promise<void> {
    try {
      await loaded.session.release()
    } catch (err) {
      this.options.logger.warn('session release failed', { model: loaded.model, version: loaded.version, reason: (err as Error).message })
    }
  }
}

function notFound(name: string): never {
  throw new ApiError('not_found', `model "${name}" not found`)
}




/** True when two model.yaml documents agree on everything a session's checks and answers depend on. */
function sameInterface(a: ModelMetadata, b: ModelMetadata): boolean {
  const view = (metadata: ModelMetadata): string => JSON.stringify(Object.entries(metadata).filter(([key]) => !ROUTING_KEYS.has(key)))
  return view(a) === view(b)
}

/** The version with this reference profile; the same object when the profile did not change, so its caches stay. */
function withProfile(loaded: LoadedVersion, profile: ReferenceProfile | undefined): LoadedVersion {
  if (JSON.stringify(loaded.profile) === JSON.stringify(profile)) return loaded
  return Object.freeze({ ...loaded, profile })
}
