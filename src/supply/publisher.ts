import { createHash } from 'node:crypto'
import { join } from 'node:path'
import type { AuditLog, AuditRecord } from '../audit/audit-log.js'
import { ApiError, isApiError } from '../errors/api-error.js'
import { BARE_METADATA, parseModelMetadata, readModelMetadata, type ModelMetadata } from '../models/metadata.js'
import { defaultVersion, type ModelState, type VersionState } from '../models/model-state.js'
import type { ModelRegistry } from '../models/registry.js'
import { MODEL_NAME, scanRepository } from '../models/repository.js'
import { openVersion, readModelFile, type ModelFile, type SessionOptions } from '../models/version-loader.js'
import { resolveAlias } from '../models/version-policy.js'
import type { ModelTrust } from './model-signature.js'
import { exists, removeVersion, versionFolder, writeMetadata, writeVersion } from './repository-writer.js'

/** Version folders: positive integers without a leading zero (as the repository scan reads them). */
const VERSION_NUMBER = /^[1-9]\d{0,8}$/

/** What ModelPublisher needs. */
export interface PublisherOptions {
  /** The model repository (models.dir), resolved. */
  dir: string
  registry: ModelRegistry
  audit: AuditLog
  /** Set when models.trust is configured: every version must carry a trusted signature. */
  trust?: ModelTrust
  /** ONNX Runtime options for the isolated check (no inference threads: the check session is thrown away). */
  sessionOptions?: Omit<SessionOptions, 'threads'>
}

/** Who asks, for the audit trail. */
export interface Actor {
  actor: string
  requestId?: string
}

/** A version to publish. */
export interface PublishRequest extends Actor {
  name: string
  version: string
  bytes: Uint8Array
  /** The sha256 (hex) the sender says the bytes have (Content-Digest). */
  expectedDigest?: string
  /** Base64 signature of `sha256:<hex>`, written as model.onnx.sig. */
  signature?: string
  /** Replace an existing version instead of answering 409. */
  replace: boolean
}

/** A change the publisher made to the repository; other replicas reload the model on it. */
export interface RepositoryChange {
  action: 'publish' | 'delete' | 'metadata'
  model: string
  version?: string
}

/**
 * Writes models into the repository: publish and delete versions, replace model.yaml. Each write
 * is checked first in isolation (the ONNX file opens, matches model.yaml, runs its warm-up, and
 * carries a trusted signature when trust is configured), then written atomically, then loaded by
 * the registry beside what serves; every outcome goes to the audit log. Writes to one model run
 * one at a time.
 */
export class ModelPublisher {
  readonly #queues = new Map<string, Promise<unknown>>()
  readonly #listeners: ((change: RepositoryChange) => void)[] = []

  constructor(private readonly options: PublisherOptions) {}

  /** Calls `listener` after each change is written and loaded here (the fleet tells other replicas). */
  onChange(listener: (change: RepositoryChange) => void): void {
    this.#listeners.push(listener)
  }

  /** Rescans one model from the repository and brings the registry in line (a replica told of a change). */
  async refreshModel(name: string): Promise<void> {
    const sources = await scanRepository(this.options.dir)
    await this.options.registry.sync(
      name,
      sources.find((source) => source.name === name),
    )
  }

  /** Publishes a version; resolves to its state once it serves. Throws 400, 409 as the contract says. */
  async publish(request: PublishRequest): Promise<VersionState> {
    assertModelName(request.name)
    assertVersion(request.version)
    const digest = createHash('sha256').update(request.bytes).digest('hex')
    const record = { ...actorOf(request), action: 'publish', model: request.name, version: request.version, digest: `sha256:${digest}` }
    const state = await this.#audited(record, () => this.#locked(request.name, () => this.#publish(request, { bytes: request.bytes, digest })))
    this.#emit({ action: 'publish', model: request.name, version: request.version })
    return state
  }

  /** Deletes a version; refused (409) for the default version or an alias, canary or shadow target unless `force`. */
  async deleteVersion(request: Actor & { name: string; version: string; force: boolean }): Promise<void> {
    assertModelName(request.name)
    assertVersion(request.version)
    const record = { ...actorOf(request), action: 'delete', model: request.name, version: request.version }
    await this.#audited(record, () => this.#locked(request.name, () => this.#delete(request.name, request.version, request.force)))
    this.#emit({ action: 'delete', model: request.name, version: request.version })
  }

  /** Replaces a model's model.yaml after checking it against every version that serves. */
  async putMetadata(request: Actor & { name: string; text: string }): Promise<ModelState> {
    assertModelName(request.name)
    const record = { ...actorOf(request), action: 'metadata', model: request.name }
    const state = await this.#audited(record, () => this.#locked(request.name, () => this.#putMetadata(request.name, request.text)))
    this.#emit({ action: 'metadata', model: request.name })
    return state
  }

  async #publish(request: PublishRequest, file: ModelFile): Promise<VersionState> {
    const { name, version } = request
    if (request.expectedDigest !== undefined && request.expectedDigest !== file.digest) {
      throw new ApiError('invalid_input', `Content-Digest says sha-256 ${request.expectedDigest}, the body has ${file.digest}`)
    }
    if (await exists(join(this.options.dir, `${name}.onnx`))) {
      throw new ApiError('conflict', `model "${name}" is a single file in the repository; move it to ${name}/1/model.onnx to publish versions`)
    }
    if (!request.replace && (await exists(join(versionFolder(this.options.dir, name, version), 'model.onnx')))) {
      throw new ApiError('conflict', `model "${name}" already has version ${version}; send ?replace=true to replace it`)
    }
    const metadata = await this.#metadataOf(name)
    const refusal = this.options.trust?.refusal(file.digest, request.signature)
    if (refusal !== undefined) throw new ApiError('invalid_input', `version refused: ${refusal}`)
    await this.#check(name, version, file, metadata)
    await writeVersion(this.options.dir, name, version, { model: file.bytes, signature: request.signature })
    await this.refreshModel(name)
    const state = this.options.registry.get(name)?.versions.get(version)
    if (state === undefined) throw new Error(`version ${version} of ${name} is not in the registry after it was written`)
    return state
  }

  async #delete(name: string, version: string, force: boolean): Promise<void> {
    if (!(await exists(versionFolder(this.options.dir, name, version)))) {
      throw new ApiError('not_found', `model "${name}" has no version ${version} in the repository`)
    }
    const model = this.options.registry.get(name)
    const uses = model === undefined ? [] : usesOf(model, version)
    if (uses.length > 0 && !force) {
      throw new ApiError('conflict', `version ${version} of model "${name}" is ${uses.join(', ')}; send ?force=true to delete it anyway`)
    }
    await removeVersion(this.options.dir, name, version)
    await this.refreshModel(name)
  }

  async #putMetadata(name: string, text: string): Promise<ModelState> {
    let metadata: ModelMetadata
    try {
      metadata = parseModelMetadata(text)
    } catch (err) {
      throw new ApiError('invalid_input', firstLine(err), { cause: err })
    }
    const serving = [...(this.options.registry.get(name)?.versions.values() ?? [])].filter((state) => state.loaded !== undefined)
    for (const state of serving) {
      const file = await readModelFile(join(versionFolder(this.options.dir, name, state.version), 'model.onnx'))
      await this.#check(name, state.version, file, metadata)
    }
    await writeMetadata(this.options.dir, name, text)
    await this.refreshModel(name)
    const model = this.options.registry.get(name)
    if (model === undefined) throw new Error(`model ${name} is not in the registry after its model.yaml was written`)
    return model
  }

  /** Opens the version on its own session, checks it against model.yaml, warms it up, and closes it. */
  async #check(name: string, version: string, file: ModelFile, metadata: ModelMetadata): Promise<void> {
    let loaded
    try {
      loaded = await openVersion(name, version, file, metadata, this.options.sessionOptions)
    } catch (err) {
      throw new ApiError('invalid_input', `version ${version} does not load: ${firstLine(err)}`, { cause: err })
    }
    await loaded.session.release()
  }

  async #metadataOf(name: string): Promise<ModelMetadata> {
    const path = join(this.options.dir, name, 'model.yaml')
    if (!(await exists(path))) return BARE_METADATA
    try {
      return await readModelMetadata(path)
    } catch (err) {
      throw new ApiError('invalid_input', `the model's ${firstLine(err)}; fix it first (PUT .../metadata)`, { cause: err })
    }
  }

  async #audited<T>(record: Omit<AuditRecord, 'outcome'>, action: () => Promise<T>): Promise<T> {
    try {
      const result = await action()
      this.options.audit.record({ ...record, outcome: 'ok' })
      return result
    } catch (err) {
      const refused = isApiError(err) && err.status < 500
      this.options.audit.record({ ...record, outcome: refused ? 'refused' : 'failed', reason: refused ? err.message : firstLine(err) })
      throw err
    }
  }

  #locked<T>(name: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(name) ?? Promise.resolve()
    const next = previous.then(task, task)
    const settled = next.then(
      () => undefined,
      () => undefined,
    )
    this.#queues.set(name, settled)
    void settled.then(() => {
      if (this.#queues.get(name) === settled) this.#queues.delete(name)
    })
    return next
  }

  #emit(change: RepositoryChange): void {
    for (const listener of this.#listeners) listener(change)
  }
}

/** What a version is used as: the default, an alias, the canary or the shadow target. */
function usesOf(model: ModelState, version: string): string[] {
  const { aliases = {}, canary, shadow } = model.metadata
  const uses: string[] = []
  if (defaultVersion(model) === version) uses.push('the default version')
  for (const [alias, target] of Object.entries(aliases)) if (target === version) uses.push(`alias "${alias}"`)
  if (canary !== undefined && resolveAlias(aliases, canary.version) === version) uses.push('the canary')
  if (shadow !== undefined && resolveAlias(aliases, shadow.version) === version) uses.push('the shadow')
  return uses
}

function actorOf(request: Actor): Actor {
  return request.requestId === undefined ? { actor: request.actor } : { actor: request.actor, requestId: request.requestId }
}

function assertModelName(name: string): void {
  if (!MODEL_NAME.test(name)) throw new ApiError('invalid_input', 'model names are 1-64 letters, digits, "-", "_" or "." and start with a letter or digit')
}

function assertVersion(version: string): void {
  if (!VERSION_NUMBER.test(version)) throw new ApiError('invalid_input', 'versions are positive integers without a leading zero')
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? 'error'
}
