import { isPlainObject } from '../config/interpolate.js'
import { TokenError } from './token-error.js'

/**
 * Reads roles from a claim path: `roles` (array), `realm_access.roles` (Keycloak), or `scope`
 * (RFC 8693: a space-separated string). Only a `scope` claim is split on spaces; elsewhere a
 * string is one role, and a string with white space in it is refused rather than split, so
 * `"roles": "user admin"` cannot grant two roles. A missing claim yields no roles.
 */
export function readRoles(payload: Record<string, unknown>, claimPath: string): string[] {
  let value: unknown = payload
  for (const part of claimPath.split('.')) {
    if (!isPlainObject(value) || !Object.hasOwn(value, part)) return []
    value = value[part]
  }
  if (typeof value === 'string') {
    if (claimPath.split('.').at(-1) === 'scope') return value.split(' ').filter((role) => role !== '')
    if (/\s/.test(value)) throw new TokenError('bad_roles', 'token roles claim must be a list of roles')
    return value === '' ? [] : [value]
  }
  if (Array.isArray(value)) return value.filter((role): role is string => typeof role === 'string')
  return []
}
