import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { jwkThumbprint } from '../security/keys.js'
import { writeModelSigningPair } from './models-supply.js'

type AsymmetricFamily = { type: 'rsa'; modulusLength: number } | { type: 'ec'; namedCurve: string }

const FAMILIES: Record<string, AsymmetricFamily> = {
  RS256: { type: 'rsa', modulusLength: 2048 },
  RS384: { type: 'rsa', modulusLength: 3072 },
  RS512: { type: 'rsa', modulusLength: 4096 },
  PS256: { type: 'rsa', modulusLength: 2048 },
  PS384: { type: 'rsa', modulusLength: 3072 },
  PS512: { type: 'rsa', modulusLength: 4096 },
  ES256: { type: 'ec', namedCurve: 'P-256' },
  ES384: { type: 'ec', namedCurve: 'P-384' },
  ES512: { type: 'ec', namedCurve: 'P-521' },
}

// An HS key at least as long as the hash output (RFC 7518 §3.2).
const SECRET_BYTES: Record<string, number> = { HS256: 32, HS384: 48, HS512: 64 }

const USAGE = `usage: portcullis keys generate --alg ALG --out DIR
  ALG: ${Object.keys(SECRET_BYTES).join(', ')} (prints a secret for JWT_SECRET), or
       ${Object.keys(FAMILIES).join(', ')} (writes private.pem, public.pem and jwks.json), or
       Ed25519 (a model-signing pair: private.pem and public.pem)`

/**
 * `portcullis keys generate --alg ES256 --out DIR`: writes private.pem (0600), public.pem and
 * jwks.json (the public key with its RFC 7638 thumbprint as `kid`); HS* prints a random secret.
 */
export function keysCommand(argv: string[]): number {
  const [action, ...rest] = argv
  const { values } = parseArgs({ args: rest, options: { alg: { type: 'string', default: 'ES256' }, out: { type: 'string', default: './keys' } } })
  if (action !== 'generate') {
    console.error(USAGE)
    return 2
  }
  if (values.alg === 'Ed25519') return writeModelSigningPair(values.out)
  const secretBytes = SECRET_BYTES[values.alg]
  if (secretBytes !== undefined) {
    // Twice the minimum, base64url: safe in YAML and environment variables.
    console.log(randomBytes(secretBytes * 2).toString('base64url'))
    return 0
  }
  const family = FAMILIES[values.alg]
  if (family === undefined) {
    console.error(`unknown algorithm ${values.alg}\n${USAGE}`)
    return 2
  }
  const pair = family.type === 'ec' ? generateKeyPairSync('ec', { namedCurve: family.namedCurve }) : generateKeyPairSync('rsa', { modulusLength: family.modulusLength })
  const kid = jwkThumbprint(pair.publicKey)
  const jwks = { keys: [{ ...pair.publicKey.export({ format: 'jwk' }), kid, alg: values.alg, use: 'sig' }] }
  mkdirSync(values.out, { recursive: true })
  writeFileSync(join(values.out, 'private.pem'), pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 })
  writeFileSync(join(values.out, 'public.pem'), pair.publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644 })
  writeFileSync(join(values.out, 'jwks.json'), `${JSON.stringify(jwks, null, 2)}\n`, { mode: 0o644 })
  console.log(`wrote private.pem, public.pem and jwks.json to ${values.out} for ${values.alg} (kid ${kid})`)
  return 0
}
