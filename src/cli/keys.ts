import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'

type AsymmetricFamily = { type: 'rsa'; modulusLength: number } | { type: 'ec'; namedCurve: string }

const FAMILIES: Record<string, AsymmetricFamily> = {
  RS256: { type: 'rsa', modulusLength: 2048 }, RS384: { type: 'rsa', modulusLength: 3072 }, RS512: { type: 'rsa', modulusLength: 4096 },
  PS256: { type: 'rsa', modulusLength: 2048 }, PS384: { type: 'rsa', modulusLength: 3072 }, PS512: { type: 'rsa', modulusLength: 4096 },
  ES256: { type: 'ec', namedCurve: 'P-256' }, ES384: { type: 'ec', namedCurve: 'P-384' }, ES512: { type: 'ec', namedCurve: 'P-521' },
}

/** `portcullis keys generate --alg ES256 --out DIR`: writes private.pem (0600) and public.pem; HS* prints a secret. */
export function keysCommand(argv: string[]): number {
  const [action, ...rest] = argv
  const { values } = parseArgs({ args: rest, options: { alg: { type: 'string', default: 'ES256' }, out: { type: 'string', default: './keys' } } })
  if (action !== 'generate') {
    console.error('usage: portcullis keys generate --alg ES256|RS256|PS256|HS256 --out DIR')
    return 2
  }
  if (values.alg.startsWith('HS')) {
    console.log(randomBytes(48).toString('base64url'))
    return 0
  }
  const family = FAMILIES[values.alg]
  if (family === undefined) {
    console.error(`unknown algorithm ${values.alg}; use one of HS256, ${Object.keys(FAMILIES).join(', ')}`)
    return 2
  }
  const pair = family.type === 'rsa'
    ? generateKeyPairSync('rsa', { modulusLength: family.modulusLength })
    : generateKeyPairSync('ec', { namedCurve: family.namedCurve })
  const privateKey = pair.privateKey.export({ type: 'pkcs8', format: 'pem' })
  const publicKey = pair.publicKey.export({ type: 'spki', format: 'pem' })
  mkdirSync(values.out, { recursive: true })
  writeFileSync(join(values.out, 'private.pem'), privateKey, { mode: 0o600 })
  writeFileSync(join(values.out, 'public.pem'), publicKey, { mode: 0o644 })
  console.log(`wrote ${join(values.out, 'private.pem')} and ${join(values.out, 'public.pem')} for ${values.alg}`)
  return 0
}
