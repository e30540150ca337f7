import { useState } from 'preact/hooks'
import { callApi, errorMessage } from '../api'
import { storeToken, type Identity } from '../session'

/** Sign-in: paste a bearer token, or on a development server take a demo token with one click. */
export function SignIn({ notice, onSignedIn }: { notice: string | undefined; onSignedIn: (identity: Identity) => void }) {
  const [token, setToken] = useState('')
  const [message, setMessage] = useState<string | undefined>(notice)
  const [busy, setBusy] = useState(false)

  async function signInWith(candidate: string): Promise<void> {
    const answer = await callApi({ method: 'GET', path: '/api/v1/me', token: candidate })
    if (!answer.ok) {
      setMessage(errorMessage(answer))
      return
    }
    // Kept only after the gateway accepted it, and only in this tab's sessionStorage.
    storeToken(candidate)
    onSignedIn(answer.body as Identity)
  }

  async function onSubmit(event: Event): Promise<void> {
    event.preventDefault()
    setBusy(true)
    await signInWith(token.trim())
    setBusy(false)
  }

  async function demo(role: 'user' | 'admin'): Promise<void> {
    setBusy(true)
    const answer = await callApi({ method: 'POST', path: '/demo/token', body: { role } })
    // Elsewhere the route does not exist: 401 without a token, like any unknown path, or 404.
    if (answer.status === 404 || answer.status === 401) setMessage('This server offers no demo sign-in: it exists only in development (APP_ENV=development).')
    else if (!answer.ok) setMessage(errorMessage(answer))
    else await signInWith((answer.body as { token: string }).token)
    setBusy(false)
  }

  return (
    <main class="page narrow" id="main">
      <h1>Portcullis console</h1>
      <p>Sign in with a bearer token (a JWT). The token stays in this tab only and is gone when you sign out or close it.</p>
      <form onSubmit={onSubmit} class="stack">
        <label for="token">Bearer token</label>
        <textarea id="token" rows={4} spellcheck={false} autocomplete="off" value={token} onInput={(event) => setToken(event.currentTarget.value)} required />
        <button type="submit" disabled={busy || token.trim() === ''}>
          Sign in
        </button>
      </form>
      {message !== undefined && (
        <p role="alert" class="error" data-testid="sign-in-message">
          {message}
        </p>
      )}
      <section aria-labelledby="demo-heading">
        <h2 id="demo-heading">Development demo</h2>
        <p>
          On a development server (<code>npm start</code>), sign in as the demo user or the demo admin with one click.
        </p>
        <div class="row">
          <button type="button" disabled={busy} onClick={() => void demo('user')}>
            Demo user
          </button>
          <button type="button" disabled={busy} onClick={() => void demo('admin')}>
            Demo admin
          </button>
        </div>
      </section>
    </main>
  )
}
