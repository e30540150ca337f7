import { randomUUID } from 'node:crypto'
import { parseArgs } from 'node:util'
import jwt from 'jsonwebtoken'
import type { Config, JwtAlgorithm } from '../config/schema.js'
import { isHmacAlgorithm, jwkThumbprint, loadSigningKey, loadVerificationKeys, type VerificationKeys } from '../security/keys.js'
import { parseDurationSeconds } from './duration.js'

/** What a minted token says. */
export interface TokenClaims {
  subject: string
  roles: string[]
  ttlSeconds: number
  audience?: string
  issuer?: string
  algorithm?: JwtAlgorithm
}

/**
 * Signs a token with the configured key; roles go where the config's roles claim says. Tokens of
 * a private key carry its RFC 7638 thumbprint as `kid`, the `kid` that `keys generate` puts in jwks.json.
 */
export function mintToken(config: Readonly<Config>, keys: VerificationKeys, claims: TokenClaims): string {
  const algorithm = claims.algorithm ?? keys.algorithms[0] ?? 'HS256'
  const key = loadSigningKey(config, keys, algorithm)
  const payload = rolesPayload(config.auth.rolesClaim, claims.roles)
  return jwt.sign(payload, key, {
    algorithm,
    subject: claims.subject,
    expiresIn: claims.ttlSeconds,
    jwtid: randomUUID(),
    ...(isHmacAlgorithm(algorithm) ? {} : { keyid: jwkThumbprint(key) }),
    ...((claims.audience ?? config.auth.audience) ? { audience: claims.audience ?? config.auth.audience } : {}),
    ...((claims.issuer ?? config.auth.issuer) ? { issuer: claims.issuer ?? config.auth.issuer } : {}),
  })
}

/** Builds the roles claim at a dotted path; `scope` is a space-separated string. */
function rolesPayload(claimPath: string, roles: string[]): Record<string, unknown> {
  const value: unknown = claimPath === 'scope' ? roles.join(' ') : roles
  return claimPath.split('.').reduceRight<unknown>((inner, part) => ({ [part]: inner }), value) as Record<string, unknown>
}

/** `portcullis token --sub NAME --roles user[,admin] [--ttl 15m] [--aud A] [--iss I] [--alg ALG]` */
export function tokenCommand(config: Readonly<Config>, argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      sub: { type: 'string' },
      roles: { type: 'string', default: 'user' },
      ttl: { type: 'string', default: '15m' },
      aud: { type: 'string' },
      iss: { type: 'string' },
      alg: { type: 'string' },
    },
    strict: true,
  })
  if (values.sub === undefined || values.sub === '') {
    console.error('usage: portcullis token --sub NAME --roles user[,admin] [--ttl 15m] [--aud A] [--iss I] [--alg ALG]')
    return 2
  }
  const keys = loadVerificationKeys(config)
  if (keys.ephemeral) {
    console.error('warning: no JWT_SECRET is set, so this token is signed with a throwaway key no server will accept')
  }
  const algorithm = values.alg as JwtAlgorithm | undefined
  if (algorithm !== undefined && !keys.algorithms.includes(algorithm)) {
    console.error(`--alg ${algorithm} is not in auth.algorithms (${keys.algorithms.join(', ')})`)
    return 2
  }
  const ttlSeconds = parseDurationSeconds(values.ttl)
  const roles = values.roles
    .split(',')
    .map((role) => role.trim())
    .filter((role) => role !== '')
  console.log(mintToken(config, keys, { subject: values.sub, roles, ttlSeconds, audience: values.aud, issuer: values.iss, algorithm }))
  return 0
}
