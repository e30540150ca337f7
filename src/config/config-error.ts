/** A config that cannot be used; `keyPath` names the offending key. The process exits 2 on it. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'

  /** `cause` keeps the underlying error (ENOENT, EACCES, a parse error) for whoever logs this one. */
  constructor(
    readonly keyPath: string,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(`${keyPath}: ${message}`, options)
  }
}
