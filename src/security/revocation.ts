/** The token deny list: jti → until when it matters (the token's exp). */
export interface RevocationStore {
  revoke(jti: string, expiresAt: number): Promise<void>
  isRevoked(jti: string): Promise<boolean>
  close?(): Promise<void>
}

/** An in-process deny list; entries drop out once their token would have expired anyway. */
export class MemoryRevocationStore implements RevocationStore {
  readonly #entries = new Map<string, number>()

  async revoke(jti: string, expiresAt: number): Promise<void> {
    this.#entries.set(jti, expiresAt)
    this.#sweep()
  }

  async isRevoked(jti: string): Promise<boolean> {
    const until = this.#entries.get(jti)
    return until !== undefined && until * 1000 > Date.now()
  }

  #sweep(): void {
    const now = Date.now() / 1000
    for (const [jti, until] of this.#entries) if (until <= now) this.#entries.delete(jti)
  }
}
