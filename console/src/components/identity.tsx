import { useEffect, useState } from 'preact/hooks'
import { PERMISSION_TEXT, type Identity } from '../session'

/** Whole seconds as `1 h 02 min 05 s`. */
function formatRemaining(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds))
  const hours = Math.floor(s / 3600)
  const minutes = Math.floor((s % 3600) / 60)
  const rest = s % 60
  const pad = (value: number): string => String(value).padStart(2, '0')
  return hours > 0 ? `${hours} h ${pad(minutes)} min ${pad(rest)} s` : `${minutes} min ${pad(rest)} s`
}

/** Who is signed in, the token's remaining life counting down, what the roles allow, and sign-out. */
export function IdentityPanel({ identity, onSignOut }: { identity: Identity; onSignOut: (message?: string) => void }) {
  const [now, setNow] = useState(() => Date.now() / 1000)
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now() / 1000), 1000)
    return () => clearInterval(timer)
  }, [])
  const remaining = identity.expires_at - now
  useEffect(() => {
    if (remaining <= 0) onSignOut('Your token expired; sign in again.')
  }, [remaining <= 0])
  return (
    <section class="identity" aria-label="Signed in">
      <p>
        Signed in as <strong data-testid="subject">{identity.subject}</strong> with roles <strong data-testid="roles">{identity.roles.join(', ') || 'none'}</strong>. Token expires
        in <span data-testid="expiry">{formatRemaining(remaining)}</span>.
      </p>
      <details>
        <summary>What your roles allow</summary>
        <ul data-testid="permissions">
          {identity.permissions.map((permission) => (
            <li key={permission}>
              <code>{permission}</code>: {PERMISSION_TEXT[permission] ?? permission}
            </li>
          ))}
        </ul>
      </details>
      <button type="button" onClick={() => onSignOut()}>
        Sign out
      </button>
    </section>
  )
}
