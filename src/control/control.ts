import { ApiError } from '../errors/api-error.js'
import type { ModelRegistry, ModelState } from '../models/registry.js'
import { resolveAlias } from '../models/version-policy.js'
import type { Logger } from '../observability/logger.js'
import { fieldWriteOf, snapshotOf, type ControlChange, type ControlFields, type ControlSnapshot, type TrafficSplit } from './control-state.js'
import type { ControlStore } from './control-store.js'

/** An alias name, as model.yaml allows it. */
const ALIAS_NAME = /^[a-z][a-z0-9_-]*$/

/** A version number. */
const VERSION_NUMBER = /^[1-9]\d*$/

/** A canary/shadow update: omitted keys stay, `null` stops the split. */
export interface TrafficChange {
  canary?: TrafficSplit | null
  shadow?: TrafficSplit | null
}

/**
 * The fleet's control: every admin change goes to the store first (or fails with 503 and changes
 * nothing), then reaches this process's registry; changes from other processes arrive through
 * the store's notifications. A model's reload counter growing makes every process reload it.
 */
export class Control {
  readonly #listeners: ((snapshot: ControlSnapshot) => void)[] = []
  readonly #seenReloads = new Map<string, number>()
  readonly #reloads = new Map<string, Promise<ModelState>>()
  #snapshot: ControlSnapshot = new Map()
  #started = false

  constructor(
    private readonly store: ControlStore,
    private readonly registry: ModelRegistry,
    private readonly logger: Logger,
  ) {
    store.onChange((fields) => this.#apply(fields))
  }

  /** What holds the state: `redis`, `cluster` or `memory`. */
  get storeKind(): string {
    return this.store.kind
  }

  /** True while changes can be stored (and so reach every process). */
  storeUp(): boolean {
    return this.store.up()
  }

  /** Reads the stored state and lays it over the registry; call before the models load. */
  async start(): Promise<void> {
    await this.store.start()
    this.#apply(this.store.fields())
    this.#started = true
  }

  /** The current control state, by model. */
  snapshot(): ControlSnapshot {
    return this.#snapshot
  }

  /** Calls `listener` after every change is applied here, from this process or another. */
  onChange(listener: (snapshot: ControlSnapshot) => void): void {
    this.#listeners.push(listener)
  }

  /** Lets a model take predictions on every process. */
  activate(name: string): Promise<ModelState> {
    this.#model(name)
    return this.#change({ model: name, kind: 'active', value: true })
  }

  /** Stops predictions on a model on every process (409 until activated). */
  deactivate(name: string): Promise<ModelState> {
    this.#model(name)
    return this.#change({ model: name, kind: 'active', value: false })
  }

  /** Reloads a model from disk here, and makes every other process reload it too. */
  async reload(name: string): Promise<ModelState> {
    const fields = await this.store.write(fieldWriteOf({ model: name, kind: 'reload' }))
    this.#apply(fields)
    return this.#reloads.get(name) ?? this.registry.reload(name)
  }

  /** Points an alias at a version on every process. */
  setAlias(name: string, alias: string, version: string): Promise<ModelState> {
    if (!ALIAS_NAME.test(alias)) throw new ApiError('invalid_input', 'an alias is lower-case letters, digits, "_" and "-", starting with a letter')
    if (!VERSION_NUMBER.test(version)) throw new ApiError('invalid_input', 'body must be {"version": "<version number>"}')
    const model = this.#model(name)
    if (!model.versions.has(version)) throw new ApiError('not_found', `model "${name}" has no version ${version}`)
    return this.#change({ model: name, kind: 'alias', alias, version })
  }

  /** Removes an alias on every process; refused while the default version, canary or shadow names it. */
  removeAlias(name: string, alias: string): Promise<ModelState> {
    const model = this.#model(name)
    const { aliases, defaultVersion, canary, shadow } = model.metadata
    if (aliases === undefined || !Object.hasOwn(aliases, alias)) throw new ApiError('not_found', `model "${name}" has no alias "${alias}"`)
    const user = [
      ['defaultVersion', defaultVersion],
      ['canary', canary?.version],
      ['shadow', shadow?.version],
    ].find(([, ref]) => ref === alias)
    if (user !== undefined) throw new ApiError('invalid_input', `alias "${alias}" is used by ${user[0]}; change that first`)
    return this.#change({ model: name, kind: 'alias', alias, version: null })
  }

  /** Sets or stops the canary and shadow splits on every process. */
  async setTraffic(name: string, change: TrafficChange): Promise<ModelState> {
    const model = this.#model(name)
    for (const kind of ['canary', 'shadow'] as const) {
      const split = change[kind]
      if (split === undefined || split === null) continue
      const version = resolveAlias(model.metadata.aliases, split.version)
      if (!model.versions.has(version)) throw new ApiError('not_found', `${kind}: model "${name}" has no version or alias "${split.version}"`)
    }
    let state = model
    for (const kind of ['canary', 'shadow'] as const) {
      const value = change[kind]
      if (value !== undefined) state = await this.#change({ model: name, kind, value })
    }
    return state
  }

  /** Stops listening; the store's connections close. */
  close(): Promise<void> {
    return this.store.close()
  }

  async #change(change: ControlChange): Promise<ModelState> {
    this.#apply(await this.store.write(fieldWriteOf(change)))
    return this.#model(change.model)
  }

  #model(name: string): ModelState {
    const model = this.registry.get(name)
    if (model === undefined) throw new ApiError('not_found', `model "${name}" not found`)
    return model
  }

  #apply(fields: ControlFields): void {
    const next = snapshotOf(fields)
    for (const name of new Set([...this.#snapshot.keys(), ...next.keys()])) this.registry.setControl(name, next.get(name))
    for (const [name, control] of next) {
      const seen = this.#seenReloads.get(name) ?? 0
      if (control.reloads <= seen) continue
      this.#seenReloads.set(name, control.reloads)
      // At start the counters are only noted: the first load reads every model fresh anyway.
      if (this.#started) this.#reloadHere(name)
    }
    this.#snapshot = next
    for (const listener of this.#listeners) listener(next)
  }

  #reloadHere(name: string): void {
    const reload = this.registry.reload(name)
    this.#reloads.set(name, reload)
    reload
      .catch((err: Error) => this.logger.warn('reload asked by another process failed', { model: name, reason: err.message }))
      .finally(() => {
        if (this.#reloads.get(name) === reload) this.#reloads.delete(name)
      })
  }
}
