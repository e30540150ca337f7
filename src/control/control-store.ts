import type { ControlFields, FieldWrite } from './control-state.js'

/**
 * Where the fleet's control state lives: Redis across replicas, the cluster primary across one
 * process tree's workers, or this process alone. Every store keeps the same flat fields.
 */
export interface ControlStore {
  /** What the store is, for logs: `redis`, `cluster` or `memory`. */
  readonly kind: string
  /** Reads the current fields; resolves with what it has (possibly nothing) if the store cannot be reached in time. */
  start(): Promise<void>
  /** True while a write would reach the store. */
  up(): boolean
  /** The last fields read or written. */
  fields(): ControlFields
  /**
   * Writes one change atomically and tells every other process; rejects with a 503 ApiError when
   * the store cannot be reached (then nothing was changed). Resolves with the fields after it.
   */
  write(change: FieldWrite): Promise<ControlFields>
  /** Calls `listener` whenever the fields change, whoever changed them. */
  onChange(listener: (fields: ControlFields) => void): void
  close(): Promise<void>
}
