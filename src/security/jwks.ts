import { KeyObject, type webcrypto } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createLocalJWKSet, createRemoteJWKSet, errors, type JSONWebKeySet } from 'jose'
import { ConfigError } from '../config/config-error.js'
import type { Config, JwtAlgorithm } from '../config/schema.js'
import { KeyUnavailableError, TokenError } from './token-error.js'

/** Finds the public key for a token's `alg` and `kid` in a JWKS; a KeyObject, as jsonwebtoken wants. */
export type JwksResolver = (alg: JwtAlgorithm, kid: string | undefined) => Promise<KeyObject>

/** How often a JWKS URL may be fetched again on an unknown `kid`, and how long a fetched set is kept. */
const REMOTE_OPTIONS = { timeoutDuration: 5_000, cooldownDuration: 30_000, cacheMaxAge: 600_000 }

/**
 * A resolver over auth.jwksFile or auth.jwksUri (jose's JWKS sets: selection by kid, alg, kty, crv
 * and use; a remote set is refetched on an unknown kid at most once per cooldown), or undefined.
 */
export function createJwksResolver(auth: Readonly<Config['auth']>): JwksResolver | undefined {
  if (auth.jwksFile !== undefined && auth.jwksUri !== undefined) {
    throw new ConfigError('auth.jwksUri', 'configure either auth.jwksFile or auth.jwksUri, not both')
  }
  if (auth.jwksFile !== undefined) return wrap(localKeySet(auth.jwksFile))
  if (auth.jwksUri !== undefined) return wrap(createRemoteJWKSet(new URL(auth.jwksUri), REMOTE_OPTIONS))
  return undefined
}

type JoseKeySet = (header: { alg: string; kid?: string }) => Promise<webcrypto.CryptoKey>

function wrap(keySet: JoseKeySet): JwksResolver {
  // jose caches one CryptoKey per JWK; converting it once keeps verification on a cached KeyObject.
  const converted = new WeakMap<webcrypto.CryptoKey, KeyObject>()
  return async function resolveJwk(alg, kid) {
    let cryptoKey: webcrypto.CryptoKey
    try {
      cryptoKey = await keySet(kid === undefined ? { alg } : { alg, kid })
    } catch (err) {
      throw toKeyError(err)
    }
    let key = converted.get(cryptoKey)
    if (key === undefined) {
      key = KeyObject.from(cryptoKey)
      converted.set(cryptoKey, key)
    }
    return key
  }
}

function toKeyError(err: unknown): Error {
  if (err instanceof errors.JWKSNoMatchingKey) return new TokenError('unknown_key', 'no key matches the token kid')
  if (err instanceof errors.JWKSMultipleMatchingKeys) return new TokenError('unknown_key', 'token has no kid and several keys match')
  if (err instanceof errors.JOSENotSupported) return new TokenError('alg_not_allowed', 'token algorithm is not allowed')
  return new KeyUnavailableError('the token signing keys are unavailable', { cause: err })
}

function localKeySet(path: string): JoseKeySet {
  const jwks = readJwksFile(path)
  try {
    return createLocalJWKSet(jwks)
  } catch (err) {
    throw new ConfigError('auth.jwksFile', `${path} is not a valid JWKS`, { cause: err })
  }
}

function readJwksFile(path: string): JSONWebKeySet {
  let document: unknown
  try {
    document = JSON.parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new ConfigError('auth.jwksFile', `cannot read ${path} as JSON`, { cause: err })
  }
  if (typeof document !== 'object' || document === null || !('keys' in document) || !Array.isArray(document.keys)) {
    throw new ConfigError('auth.jwksFile', `${path} is not a JWKS ({"keys": [...]})`)
  }
  if (document.keys.some((jwk: unknown) => typeof jwk === 'object' && jwk !== null && 'd' in jwk)) {
    throw new ConfigError('auth.jwksFile', `${path} holds a private key; publish public keys only`)
  }
  return document as JSONWebKeySet
}
