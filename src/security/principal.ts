/** Who a verified token speaks for. */
export interface Principal {
  subject: string
  roles: readonly string[]
  /** Token id, for revocation. */
  jti?: string
  /** Expiry, seconds since the epoch. */
  expiresAt: number
}
