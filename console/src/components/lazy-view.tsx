import type { ComponentType } from 'preact'
import { useEffect, useState } from 'preact/hooks'

/**
 * A view whose code loads when it is first shown: the sign-in page then needs neither the chart
 * library nor the CSV parser, which keeps the first load small.
 */
export function lazyView<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let loaded: Promise<ComponentType<P>> | undefined
  return function LazyView(props: P) {
    const [View, setView] = useState<ComponentType<P> | undefined>(undefined)
    const [failed, setFailed] = useState(false)
    useEffect(() => {
      loaded ??= load()
      loaded.then(
        (component) => setView(() => component),
        () => {
          // A failed chunk load (a new build replaced the files) is retried on the next visit.
          loaded = undefined
          setFailed(true)
        },
      )
    }, [])
    if (failed)
      return (
        <p role="alert" class="error">
          This view could not be loaded; reload the page.
        </p>
      )
    return View === undefined ? <p role="status">Loading…</p> : <View {...props} />
  }
}
