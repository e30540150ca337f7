import { useEffect, useMemo, useState } from 'preact/hooks'
import { can, type Identity } from '../session'
import { loadModels, type ModelDetail } from '../models'

/** Every model the caller may see, with versions, routing and digests; search and a status filter. */
export function ModelsView({ identity }: { identity: Identity }) {
  const [models, setModels] = useState<ModelDetail[] | undefined>()
  const [error, setError] = useState<string | undefined>()
  const [query, setQuery] = useState('')
  const [status, setStatus] = useState('all')
  const admin = can(identity, 'models:admin')

  useEffect(() => {
    loadModels().then(setModels, (failure: Error) => setError(failure.message))
  }, [])

  const shown = useMemo(
    () =>
      (models ?? []).filter((model) => {
        const text = `${model.name} ${model.description ?? ''}`.toLowerCase()
        const state = model.active ? 'active' : 'inactive'
        return text.includes(query.toLowerCase()) && (status === 'all' || status === state)
      }),
    [models, query, status],
  )

  return (
    <section aria-labelledby="models-heading">
      <h1 id="models-heading">Models</h1>
      <div class="row filters">
        <label>
          Search <input type="search" value={query} onInput={(event) => setQuery(event.currentTarget.value)} />
        </label>
        <label>
          Status{' '}
          <select value={status} onChange={(event) => setStatus(event.currentTarget.value)}>
            <option value="all">all</option>
            <option value="active">active</option>
            <option value="inactive">inactive</option>
          </select>
        </label>
      </div>
      {error !== undefined && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {models === undefined && error === undefined && <p role="status">Loading models…</p>}
      {models !== undefined && (
        <p role="status">
          {shown.length} of {models.length} models
        </p>
      )}
      <ul class="cards" data-testid="model-list">
        {shown.map((model) => (
          <ModelCard key={model.name} model={model} admin={admin} />
        ))}
      </ul>
    </section>
  )
}

function ModelCard({ model, admin }: { model: ModelDetail; admin: boolean }) {
  const aliases = Object.entries(model.aliases)
  return (
    <li class="card" data-model={model.name}>
      <h2>
        {model.name} <span class={model.active ? 'badge ok' : 'badge off'}>{model.active ? 'active' : 'inactive'}</span>
      </h2>
      {model.description !== undefined && <p>{model.description}</p>}
      <dl class="facts">
        <dt>Default version</dt>
        <dd>{model.default_version ?? 'none'}</dd>
        <dt>Aliases</dt>
        <dd>{aliases.length === 0 ? 'none' : aliases.map(([name, version]) => `${name} → ${version}`).join(', ')}</dd>
        <dt>Canary</dt>
        <dd>{model.canary === null ? 'none' : `version ${model.canary.version}, ${model.canary.weight} %`}</dd>
        <dt>Shadow</dt>
        <dd>{model.shadow === null ? 'none' : `version ${model.shadow.version}, ${model.shadow.weight} %`}</dd>
        {admin && model.reason !== undefined && (
          <>
            <dt>Failure</dt>
            <dd>{model.reason}</dd>
          </>
        )}
      </dl>
      <table>
        <caption>Versions of {model.name}</caption>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Status</th>
            <th scope="col">Digest</th>
            <th scope="col">Loaded</th>
            {admin && <th scope="col">Reason</th>}
          </tr>
        </thead>
        <tbody>
          {model.versions.map((version) => (
            <tr key={version.version}>
              <td>{version.version}</td>
              <td>{version.status}</td>
              <td>
                <code class="digest" title={version.digest}>
                  {version.digest?.slice(0, 15) ?? '–'}
                </code>
              </td>
              <td>{version.loaded_at === undefined ? '–' : new Date(version.loaded_at).toLocaleString()}</td>
              {admin && <td>{version.reason ?? ''}</td>}
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        <a href={`#/try/${encodeURIComponent(model.name)}`}>Try {model.name}</a>
      </p>
    </li>
  )
}
