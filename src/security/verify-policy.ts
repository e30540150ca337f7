import type { Config } from '../config/schema.js'
import type { VerifyPolicy } from './jwt.js'

/** What every door checks a token against besides its signature, read from the config once. */
export function verifyPolicyOf(config: Readonly<Config>): VerifyPolicy {
  const { auth, limits } = config
  return {
    issuer: auth.issuer,
    audience: auth.audience,
    rolesClaim: auth.rolesClaim,
    clockToleranceSeconds: auth.clockToleranceSeconds,
    maxTokenLifetimeSeconds: auth.maxTokenLifetimeSeconds,
    maxTokenBytes: limits.maxTokenBytes,
    requireJti: auth.requireJti,
  }
}
