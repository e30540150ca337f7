import { useCallback, useEffect, useState } from 'preact/hooks'
import { callApi } from './api'
import { IdentityPanel } from './components/identity'
import { clearSession, storedToken, type Identity, can } from './session'
import { lazyView } from './components/lazy-view'
import { ModelsView } from './views/models'
import { SignIn } from './views/sign-in'

// Loaded when first shown: the Try view brings the CSV parser, Watch the chart library.
const TryView = lazyView(() => import('./views/try').then((module) => module.TryView))
const OperateView = lazyView(() => import('./views/operate').then((module) => module.OperateView))
const WatchView = lazyView(() => import('./views/watch').then((module) => module.WatchView))

/** The views, by the hash they live under. */
type ViewName = 'models' | 'try' | 'operate' | 'watch'

interface Route {
  view: ViewName
  model?: string
}

function readRoute(): Route {
  const [view, model] = location.hash.replace(/^#\/?/, '').split('/')
  if (view === 'try' || view === 'operate' || view === 'watch') return { view, model: model === undefined ? undefined : decodeURIComponent(model) }
  return { view: 'models' }
}

/** The console: sign-in, then the views the signed-in roles allow. */
export function App() {
  const [identity, setIdentity] = useState<Identity | undefined>()
  const [checking, setChecking] = useState(storedToken() !== undefined)
  const [notice, setNotice] = useState<string | undefined>()
  const [route, setRoute] = useState(readRoute)

  useEffect(() => {
    const onHash = (): void => setRoute(readRoute())
    window.addEventListener('hashchange', onHash)
    return () => window.removeEventListener('hashchange', onHash)
  }, [])

  useEffect(() => {
    // A token kept from earlier in this tab: ask the gateway who it is before showing anything.
    if (storedToken() === undefined) return
    void callApi({ method: 'GET', path: '/api/v1/me' }).then((answer) => {
      if (answer.ok) setIdentity(answer.body as Identity)
      else clearSession()
      setChecking(false)
    })
  }, [])

  const signOut = useCallback((message?: string) => {
    clearSession()
    setIdentity(undefined)
    setNotice(message)
  }, [])

  if (checking)
    return (
      <main class="page">
        <p role="status">Checking your session…</p>
      </main>
    )
  if (identity === undefined) {
    return (
      <SignIn
        notice={notice}
        onSignedIn={(who) => {
          setNotice(undefined)
          setIdentity(who)
        }}
      />
    )
  }
  const views: { name: ViewName; label: string; allowed: boolean }[] = [
    { name: 'models', label: 'Models', allowed: can(identity, 'models:read') },
    { name: 'try', label: 'Try a model', allowed: can(identity, 'predict') },
    { name: 'operate', label: 'Operate', allowed: can(identity, 'models:admin') || can(identity, 'tokens:admin') },
    { name: 'watch', label: 'Watch', allowed: can(identity, 'metrics:read') },
  ]
  const allowed = views.filter((view) => view.allowed)
  const current = allowed.find((view) => view.name === route.view) ?? allowed[0]
  return (
    <>
      <header class="top">
        <p class="brand">Portcullis console</p>
        <IdentityPanel identity={identity} onSignOut={signOut} />
        <nav aria-label="Views">
          <ul>
            {allowed.map((view) => (
              <li key={view.name}>
                <a href={`#/${view.name}`} aria-current={view.name === current?.name ? 'page' : undefined}>
                  {view.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main class="page" id="main">
        {current === undefined && <p role="alert">Your roles allow none of the console's views.</p>}
        {current?.name === 'models' && <ModelsView identity={identity} />}
        {current?.name === 'try' && <TryView identity={identity} model={route.model} />}
        {current?.name === 'operate' && <OperateView identity={identity} />}
        {current?.name === 'watch' && <WatchView />}
      </main>
    </>
  )
}
