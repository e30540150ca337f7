import { isPlainObject } from '../config/interpolate.js'

/**
 * Reads roles from a claim path: `roles` (array), `realm_access.roles` (Keycloak), or `scope`
 * (an RFC 8693 space-separated string). Anything else yields no roles.
 */
export function readRoles(payload: Record<string, unknown>, claimPath: string): string[] {
  let value: unknown = payload
  for (const part of claimPath.split('.')) {
    if (!isPlainObject(value) || !Object.hasOwn(value, part)) return []
    value = value[part]
  }
  if (typeof value === 'string') return value.split(' ').filter((role) => role !== '')
  if (Array.isArray(value)) return value.filter((role): role is string => typeof role === 'string')
  return []
}
