import { defaultVersion, type ModelState, type VersionState } from '../../models/model-state.js'

/**
 * The description of a model version: status (`loading`, `ready`, `failed` with its reason code,
 * `inactive` when the version policy keeps it out or the model is deactivated), the digest and load
 * time of the session that serves, and the requests routed to it. A `ready` version with a
 * `reason` serves its last good file after a failed reload. `detail`, the full message behind the
 * code, is only for callers with `models:admin` (`detailed`): it may quote library errors and
 * model.yaml fragments.
 */
export function versionView(version: VersionState, model?: ModelState, detailed = false): Record<string, unknown> {
  const loaded = version.loaded
  const deactivated = model?.active === false && version.status === 'ready'
  const reason = deactivated ? 'deactivated' : version.code
  const detail = deactivated ? 'the model is deactivated' : version.reason
  return {
    version: version.version,
    status: deactivated ? 'inactive' : version.status,
    ...(reason === undefined ? {} : { reason }),
    ...(detailed && detail !== undefined ? { detail } : {}),
    ...(loaded === undefined ? {} : { digest: `sha256:${loaded.digest}`, loaded_at: loaded.loadedAt.toISOString() }),
    requests: version.stats.requests,
  }
}

/** The summary of a model for `GET /api/v1/models`; `detailed` adds the messages behind reason codes. */
export function modelSummary(model: ModelState, detailed = false): Record<string, unknown> {
  return {
    name: model.name,
    description: model.metadata.description,
    active: model.active,
    versions: [...model.versions.values()].map((version) => versionView(version, model, detailed)),
    ...(model.code === undefined ? {} : { reason: model.code }),
    ...(detailed && model.reason !== undefined ? { detail: model.reason } : {}),
  }
}

/** The full description of a model for `GET /api/v1/models/{name}`. */
export function modelDetail(model: ModelState, detailed = false): Record<string, unknown> {
  const serving = [...model.versions.values()]
    .filter((version) => version.status !== 'inactive')
    .map((version) => version.loaded)
    .filter((loaded) => loaded !== undefined)
  const newest = serving.at(-1)
  const { metadata } = model
  return {
    ...modelSummary(model, detailed),
    features: metadata.features ?? null,
    labels: metadata.labels ?? null,
    nan_policy: metadata.nanPolicy,
    default_version: defaultVersion(model) ?? null,
    aliases: metadata.aliases ?? {},
    version_policy: metadata.versionPolicy,
    canary: metadata.canary ?? null,
    shadow: metadata.shadow ?? null,
    inputs: newest?.inputs ?? [],
    outputs: newest?.outputs ?? [],
    training: metadata.training ?? null,
    examples: metadata.examples ?? [],
  }
}
