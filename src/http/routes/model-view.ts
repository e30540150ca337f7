import type { ModelState, VersionState } from '../../models/registry.js'

/** The public description of a model version. */
export function versionView(version: VersionState): Record<string, unknown> {
  const loaded = version.loaded
  return {
    version: version.version,
    status: version.status,
    ...(version.reason === undefined ? {} : { reason: version.reason }),
    ...(loaded === undefined ? {} : { digest: `sha256:${loaded.digest}`, loaded_at: loaded.loadedAt.toISOString() }),
  }
}

/** The summary of a model for `GET /api/v1/models`. */
export function modelSummary(model: ModelState): Record<string, unknown> {
  return {
    name: model.name,
    description: model.metadata.description,
    active: model.active,
    versions: [...model.versions.values()].map(versionView),
    ...(model.reason === undefined ? {} : { reason: model.reason }),
  }
}

/** The full description of a model for `GET /api/v1/models/{name}`. */
export function modelDetail(model: ModelState): Record<string, unknown> {
  const serving = [...model.versions.values()].map((version) => version.loaded).filter((loaded) => loaded !== undefined)
  const newest = serving.at(-1)
  return {
    ...modelSummary(model),
    features: model.metadata.features ?? null,
    labels: model.metadata.labels ?? null,
    nan_policy: model.metadata.nanPolicy,
    default_version: model.metadata.defaultVersion ?? newest?.version ?? null,
    aliases: model.metadata.aliases ?? {},
    inputs: newest?.inputs ?? [],
    outputs: newest?.outputs ?? [],
    training: model.metadata.training ?? null,
  }
}
