import { ApiError } from '../errors/api-error.js'
import type { LoadFailureCode } from './load-failure.js'
import type { LoadedVersion } from './loaded-version.js'
import type { ModelMetadata } from './metadata.js'
import { resolveAlias } from './version-policy.js'

/** Where a version is in its life; `inactive` versions are on disk but kept out by the version policy. */
export type VersionStatus = 'loading' | 'ready' | 'failed' | 'inactive'

/** Counters of one version number, kept across its reloads. */
export interface VersionStats {
  /** Requests routed to this version (v1 and Open Inference Protocol). */
  requests: number
}

/** One version as the registry tracks it; `loaded` stays on the last good session after a failed reload. */
export interface VersionState {
  readonly version: string
  readonly status: VersionStatus
  readonly loaded?: LoadedVersion
  /** Why the last load failed or why the version is inactive: the log's and admins' full message. */
  readonly reason?: string
  /** The same as a short code, the only part public answers show. */
  readonly code?: LoadFailureCode
  readonly stats: VersionStats
}

/** One model: its metadata and versions, and whether it takes predictions. */
export interface ModelState {
  readonly name: string
  /** The current model.yaml; routing (roles, aliases, canary, shadow) is always read from here. */
  readonly metadata: ModelMetadata
  readonly active: boolean
  readonly versions: ReadonlyMap<string, VersionState>
  /** Why the current model.yaml was refused (full message), and its short code. */
  readonly reason?: string
  readonly code?: LoadFailureCode
}

/** The versions one request runs on: the one that answers, and a shadow that receives a copy. */
export interface Route {
  primary: LoadedVersion
  shadow?: LoadedVersion
}

/** The version a reference names (number, alias, or the default when none); 404 when there is none or the policy keeps it out. */
export function versionOf(model: ModelState, versionRef: string | undefined): VersionState {
  const wanted = versionRef === undefined ? defaultVersion(model) : resolveAlias(model.metadata.aliases, versionRef)
  const version = wanted === undefined ? undefined : model.versions.get(wanted)
  if (version === undefined) {
    const label = versionRef === undefined ? 'a default version' : `version "${versionRef}"`
    throw new ApiError('not_found', `model "${model.name}" has no ${label}`)
  }
  if (version.status === 'inactive') {
    // Only the version policy makes a version inactive, and its reason is the policy's own words.
    throw new ApiError('not_found', `model "${model.name}" version ${version.version} is not served: ${version.reason ?? 'inactive'}`)
  }
  return version
}

/** The LoadedVersion a request may use, or a 503 saying why there is none. */
export function servingOf(model: ModelState, version: VersionState): LoadedVersion {
  if (version.loaded !== undefined) return version.loaded
  if (version.status === 'loading') {
    throw new ApiError('unavailable', `model "${model.name}" version ${version.version} is loading`, { headers: { 'Retry-After': '1' } })
  }
  throw new ApiError('unavailable', `model "${model.name}" version ${version.version} failed to load`, { headers: { 'Retry-After': '30' } })
}

/** The serving LoadedVersion a version number or alias names, if any (canary and shadow never fail a request). */
export function servingVersion(model: ModelState, ref: string): LoadedVersion | undefined {
  const state = model.versions.get(resolveAlias(model.metadata.aliases, ref))
  return state === undefined || state.status === 'inactive' ? undefined : state.loaded
}

/**
 * The configured default version (a number or an alias), else the highest version that serves.
 * A canary or shadow version is not picked while another version serves: deploying version 3 as
 * a canary of version 2 must not send everyone to 3 because it is the newest.
 */
export function defaultVersion(model: ModelState): string | undefined {
  if (defaults.has(model)) return defaults.get(model)
  const version = pickDefaultVersion(model)
  defaults.set(model, version)
  return version
}

// The registry replaces a ModelState on every change and never alters one, so each object's
// default is worked out once rather than on every request.
const defaults = new WeakMap<ModelState, string | undefined>()

function pickDefaultVersion(model: ModelState): string | undefined {
  const { aliases, canary, shadow, defaultVersion: configured } = model.metadata
  if (configured !== undefined) return resolveAlias(aliases, configured)
  const trial = new Set([canary?.version, shadow?.version].filter((ref) => ref !== undefined).map((ref) => resolveAlias(aliases, ref)))
  const candidates = [...model.versions.values()].filter((version) => version.status !== 'inactive')
  const serving = candidates.filter((version) => version.loaded !== undefined)
  const stable = serving.filter((version) => !trial.has(version.version))
  const pool = stable.length > 0 ? stable : serving.length > 0 ? serving : candidates
  return pool.map((version) => version.version).sort((a, b) => Number(b) - Number(a))[0]
}
