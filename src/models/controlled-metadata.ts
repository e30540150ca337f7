import type { ModelControl, TrafficSplit } from '../control/control-state.js'
import type { ModelMetadata } from './metadata.js'

/**
 * model.yaml with the operators' changes laid over it: aliases added, moved or removed, and the
 * canary and shadow replaced or stopped. Everything else (features, labels, roles, versionPolicy)
 * only ever comes from the file.
 */
export function withControl(file: ModelMetadata, control: ModelControl | undefined): ModelMetadata {
  if (control === undefined) return file
  const overrides = Object.entries(control.aliases)
  if (overrides.length === 0 && control.canary === undefined && control.shadow === undefined) return file
  const aliases: Record<string, string> = { ...file.aliases }
  for (const [alias, version] of overrides) {
    if (version === null) Reflect.deleteProperty(aliases, alias)
    else aliases[alias] = version
  }
  const metadata: ModelMetadata = { ...file, aliases, canary: pick(file.canary, control.canary), shadow: pick(file.shadow, control.shadow) }
  // Keys left undefined are dropped, so the result reads like a model.yaml that never had them.
  if (Object.keys(aliases).length === 0) delete metadata.aliases
  if (metadata.canary === undefined) delete metadata.canary
  if (metadata.shadow === undefined) delete metadata.shadow
  return metadata
}

function pick(file: TrafficSplit | undefined, control: TrafficSplit | null | undefined): TrafficSplit | undefined {
  if (control === undefined) return file
  return control ?? undefined
}
