import { applyFieldWrite, type ControlFields, type FieldWrite } from './control-state.js'
import type { ControlStore } from './control-store.js'

/** Control state of a lone process: nothing to share it with, so it lives and dies with the process. */
export class MemoryControlStore implements ControlStore {
  readonly kind = 'memory'
  readonly #fields = new Map<string, string>()
  readonly #listeners: ((fields: ControlFields) => void)[] = []

  async start(): Promise<void> {}

  up(): boolean {
    return true
  }

  fields(): ControlFields {
    return this.#fields
  }

  async write(change: FieldWrite): Promise<ControlFields> {
    applyFieldWrite(this.#fields, change)
    for (const listener of this.#listeners) listener(this.#fields)
    return this.#fields
  }

  onChange(listener: (fields: ControlFields) => void): void {
    this.#listeners.push(listener)
  }

  async close(): Promise<void> {}
}
