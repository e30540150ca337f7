import { createHash, createPrivateKey, createPublicKey, createSecretKey, randomBytes, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { Config, JwtAlgorithm } from '../config/schema.js'
import { ConfigError } from '../config/config-error.js'
import { createJwksResolver, type JwksResolver } from './jwks.js'

/** The key material tokens are verified with, made once at start (design.md, "tokens"). */
export interface VerificationKeys {
  /** KeyObjects, never strings: jsonwebtoken 9 re-derives a key from a string on every verify. */
  hmac?: KeyObject
  /** The secret accepted besides `hmac` while HS secrets are rolled over. */
  previousHmac?: KeyObject
  /** The PEM public key (auth.publicKeyFile). */
  publicKey?: KeyObject
  /** What the PEM key may verify: the allowlist narrowed to the key's type and curve. */
  publicKeyAlgorithms: readonly JwtAlgorithm[]
  /** Keys of a JWKS file or URL, selected by `kid`. */
  jwks?: JwksResolver
  /** The allowlist (auth.algorithms). */
  algorithms: readonly JwtAlgorithm[]
  /** True when the HS secret was generated for this process (development only). */
  ephemeral: boolean
}

/** True for the HS* family. */
export function isHmacAlgorithm(alg: string): boolean {
  return alg.startsWith('HS')
}

// Each asymmetric algorithm is pinned to one key type (and curve), RFC 7518 §3.1.
const KEY_TYPE_ALGORITHMS: Record<string, readonly JwtAlgorithm[]> = {
  rsa: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'],
  'rsa-pss': ['PS256', 'PS384', 'PS512'],
  'ec:prime256v1': ['ES256'],
  'ec:secp384r1': ['ES384'],
  'ec:secp521r1': ['ES512'],
}

/** The algorithms an asymmetric key can verify, whatever the allowlist says. */
export function algorithmsForKey(key: KeyObject): readonly JwtAlgorithm[] {
  const type = key.asymmetricKeyType ?? 'secret'
  const curve = key.asymmetricKeyDetails?.namedCurve
  return KEY_TYPE_ALGORITHMS[type === 'ec' ? `ec:${curve}` : type] ?? []
}

/** Builds the verification keys from the auth config; makes a random secret where allowed. */
export function loadVerificationKeys(config: Readonly<Config>): VerificationKeys {
  const { auth } = config
  const wantsAsymmetric = auth.algorithms.some((alg) => !isHmacAlgorithm(alg))
  const hmacKeys = loadHmacKeys(config)
  let publicKey: KeyObject | undefined
  let publicKeyAlgorithms: readonly JwtAlgorithm[] = []
  if (auth.publicKeyFile !== undefined) {
    publicKey = readPemKey(auth.publicKeyFile, 'auth.publicKeyFile', createPublicKey)
    publicKeyAlgorithms = algorithmsForKey(publicKey).filter((alg) => auth.algorithms.includes(alg))
    if (publicKeyAlgorithms.length === 0) {
      throw new ConfigError('auth.publicKeyFile', `this ${describeKey(publicKey)} key verifies none of auth.algorithms (${auth.algorithms.join(', ')})`)
    }
  }
  const jwks = createJwksResolver(auth)
  if (wantsAsymmetric && publicKey === undefined && jwks === undefined) {
    throw new ConfigError('auth.publicKeyFile', 'RS/PS/ES algorithms need auth.publicKeyFile, auth.jwksFile or auth.jwksUri')
  }
  return { ...hmacKeys, publicKey, publicKeyAlgorithms, jwks, algorithms: auth.algorithms }
}

function loadHmacKeys(config: Readonly<Config>): Pick<VerificationKeys, 'hmac' | 'previousHmac' | 'ephemeral'> {
  const { auth } = config
  if (!auth.algorithms.some(isHmacAlgorithm)) return { ephemeral: false }
  const previousHmac = isSet(auth.previousSecret) ? createSecretKey(Buffer.from(auth.previousSecret, 'utf8')) : undefined
  if (isSet(auth.secret)) return { hmac: createSecretKey(Buffer.from(auth.secret, 'utf8')), previousHmac, ephemeral: false }
  if (config.env === 'development' || config.env === 'test') {
    return { hmac: createSecretKey(randomBytes(48)), ephemeral: true }
  }
  throw new ConfigError('auth.secret', `JWT_SECRET is required in ${config.env}`)
}

/** The key `portcullis token` signs with: the HS secret, or the configured private key. */
export function loadSigningKey(config: Readonly<Config>, keys: VerificationKeys, alg: JwtAlgorithm): KeyObject {
  if (isHmacAlgorithm(alg)) {
    if (keys.hmac === undefined) throw new ConfigError('auth.secret', `no secret configured for ${alg}`)
    return keys.hmac
  }
  if (config.auth.privateKeyFile === undefined) throw new ConfigError('auth.privateKeyFile', `required to sign ${alg} tokens`)
  const key = readPemKey(config.auth.privateKeyFile, 'auth.privateKeyFile', createPrivateKey)
  if (!algorithmsForKey(key).includes(alg)) {
    throw new ConfigError('auth.privateKeyFile', `this ${describeKey(key)} key cannot sign ${alg}`)
  }
  return key
}

/** The RFC 7638 JWK thumbprint of a public key (or of a private key's public half): its `kid`. */
export function jwkThumbprint(key: KeyObject): string {
  const jwk = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'jwk' })
  // Only the required members, in lexicographic order (RFC 7638 §3.2).
  const members = jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { e: jwk.e, kty: jwk.kty, n: jwk.n }
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url')
}

function describeKey(key: KeyObject): string {
  const curve = key.asymmetricKeyDetails?.namedCurve
  return `${key.asymmetricKeyType ?? 'secret'}${curve === undefined ? '' : ` ${curve}`}`
}

function isSet(value: string | undefined): value is string {
  return value !== undefined && value !== ''
}

function readPemKey(path: string, keyPath: string, make: (pem: string) => KeyObject): KeyObject {
  let pem: string
  try {
    pem = readFileSync(path, 'utf8')
  } catch (err) {
    throw new ConfigError(keyPath, `cannot read key file ${path}`, { cause: err })
  }
  try {
    return make(pem)
  } catch (err) {
    throw new ConfigError(keyPath, `${path} is not a PEM key`, { cause: err })
  }
}
