/** A config that cannot be used; `keyPath` names the offending key. The process exits 2 on it. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'

  constructor(
    readonly keyPath: string,
    message: string,
  ) {
    super(`${keyPath}: ${message}`)
  }
}
