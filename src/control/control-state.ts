import { z } from 'zod'

/** A canary or shadow split: which version, and what share of traffic (0–100). */
export interface TrafficSplit {
  version: string
  weight: number
}

/**
 * What operators changed on one model through the admin API, laid over its model.yaml. An absent
 * key leaves model.yaml's value; `null` removes it (an alias deleted, a canary stopped).
 */
export interface ModelControl {
  /** undefined: active. */
  active?: boolean
  aliases: Readonly<Record<string, string | null>>
  canary?: TrafficSplit | null
  shadow?: TrafficSplit | null
  /** How many reloads were asked for; a process that sees the number grow reloads the model. */
  reloads: number
}

/** Every model's control state, by model name. */
export type ControlSnapshot = ReadonlyMap<string, ModelControl>

/** One change an admin makes; the store applies it atomically or not at all. */
export type ControlChange =
  | { model: string; kind: 'active'; value: boolean }
  | { model: string; kind: 'alias'; alias: string; version: string | null }
  | { model: string; kind: 'canary' | 'shadow'; value: TrafficSplit | null }
  | { model: string; kind: 'reload' }

/**
 * The flat form every store keeps: one field per setting, named by `[model, kind, alias?]` as
 * JSON, holding its value as JSON. A Redis hash holds it as is; a change touches one field, so
 * two admins changing different settings never overwrite each other.
 */
export type ControlFields = ReadonlyMap<string, string>

/** A change in the flat form: set a field, or add one to a counter. */
export type FieldWrite = { field: string; set: string } | { field: string; increment: number }

/** The field write a change makes. */
export function fieldWriteOf(change: ControlChange): FieldWrite {
  switch (change.kind) {
    case 'active':
      return { field: fieldName(change.model, 'active'), set: JSON.stringify(change.value) }
    case 'alias':
      return { field: fieldName(change.model, 'alias', change.alias), set: JSON.stringify(change.version) }
    case 'canary':
    case 'shadow':
      return { field: fieldName(change.model, change.kind), set: JSON.stringify(change.value) }
    case 'reload':
      return { field: fieldName(change.model, 'reload'), increment: 1 }
  }
}

/** Applies a field write to an in-memory copy of the fields (the memory and cluster stores). */
export function applyFieldWrite(fields: Map<string, string>, write: FieldWrite): void {
  if ('set' in write) fields.set(write.field, write.set)
  else fields.set(write.field, String(Number(fields.get(write.field) ?? '0') + write.increment))
}

function fieldName(model: string, kind: string, alias?: string): string {
  return JSON.stringify(alias === undefined ? [model, kind] : [model, kind, alias])
}

const fieldKey = z.union([z.tuple([z.string(), z.enum(['active', 'canary', 'shadow', 'reload'])]), z.tuple([z.string(), z.literal('alias'), z.string()])])
const split = z.strictObject({ version: z.string(), weight: z.number().min(0).max(100) }).nullable()

/**
 * Reads the flat fields back into one ModelControl per model. A field this version cannot read
 * (written by a newer one, or by hand) is skipped rather than failing every other setting.
 */
export function snapshotOf(fields: ControlFields): Map<string, ModelControl> {
  const models = new Map<string, ModelControl>()
  for (const [field, raw] of fields) {
    const key = fieldKey.safeParse(parseJson(field))
    if (!key.success) continue
    const [model, kind] = key.data
    const alias = key.data.length === 3 ? key.data[2] : ''
    const control = models.get(model) ?? { aliases: {}, reloads: 0 }
    const value = parseJson(raw)
    if (kind === 'active' && typeof value === 'boolean') control.active = value
    else if (kind === 'reload' && typeof value === 'number') control.reloads = value
    else if (kind === 'alias' && (typeof value === 'string' || value === null)) control.aliases = { ...control.aliases, [alias]: value }
    else if (kind === 'canary' || kind === 'shadow') {
      const parsed = split.safeParse(value)
      if (parsed.success) control[kind] = parsed.data
    }
    models.set(model, control)
  }
  return models
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    // Not JSON: the caller treats it like any other unreadable field and skips it.
    return undefined
  }
}
