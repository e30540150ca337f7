/** The one place the bearer token lives: this tab's sessionStorage (never a URL, localStorage or a cookie). */
const TOKEN_KEY = 'portcullis.token'

/** The stored token, or undefined when signed out. */
export function storedToken(): string | undefined {
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined
}

/** Keeps the token for this tab only; it goes when the tab closes. */
export function storeToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token)
}

/** Signs out: clears everything this page kept in sessionStorage. */
export function clearSession(): void {
  sessionStorage.clear()
}

/** Who the gateway says the token speaks for (GET /api/v1/me). */
export interface Identity {
  subject: string
  roles: string[]
  permissions: string[]
  /** Seconds since the epoch. */
  expires_at: number
  jti?: string
  limits: { max_rows: number }
}

/** What each permission lets a person do, in words. */
export const PERMISSION_TEXT: Record<string, string> = {
  'models:read': 'list and inspect the models your roles may call',
  predict: 'send rows to those models and read their predictions',
  'metrics:read': "watch the gateway's request, error, latency and cache figures",
  'models:admin': 'activate, deactivate and reload models',
  'tokens:admin': 'revoke tokens by their id (jti)',
}

/** True when the identity holds a permission; the server checks it again on every call. */
export function can(identity: Identity, permission: string): boolean {
  return identity.permissions.includes(permission)
}
