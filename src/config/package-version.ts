import { readFileSync } from 'node:fs'

let version: string | undefined

/** The version in package.json, read once: the server metadata of /v2 and the OpenAPI document report it. */
export function packageVersion(): string {
  version ??= readPackageVersion()
  return version
}

function readPackageVersion(): string {
  // src/config and dist/config both sit two levels below package.json.
  const manifest: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))
  const found = typeof manifest === 'object' && manifest !== null && 'version' in manifest ? manifest.version : undefined
  return typeof found === 'string' ? found : 'unknown'
}
