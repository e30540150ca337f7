import { useEffect, useRef, useState } from 'preact/hooks'
import { callApi, errorMessage, type ApiAnswer } from '../api'
import { AnswerView } from '../components/answer'
import { loadModels, type ModelDetail } from '../models'
import { can, type Identity } from '../session'

/** An action waiting for its confirmation. */
interface Pending {
  title: string
  path: string
  body?: unknown
}

/** An action made from this page, for the audit list when the gateway has no audit route. */
interface LocalAction {
  at: string
  title: string
  status: number
}

/** Model lifecycle and token revocation for admins, each after a confirmation, with the API's answer. */
export function OperateView({ identity }: { identity: Identity }) {
  const [models, setModels] = useState<ModelDetail[] | undefined>()
  const [error, setError] = useState<string | undefined>()
  const [pending, setPending] = useState<Pending | undefined>()
  const [answer, setAnswer] = useState<ApiAnswer | undefined>()
  const [jti, setJti] = useState('')
  const [actions, setActions] = useState<LocalAction[]>([])
  const [auditVersion, setAuditVersion] = useState(0)
  const dialog = useRef<HTMLDialogElement>(null)

  const refresh = (): void => {
    loadModels().then(setModels, (failure: Error) => setError(failure.message))
  }
  useEffect(refresh, [])
  useEffect(() => {
    if (pending !== undefined) dialog.current?.showModal()
  }, [pending])

  async function confirm(): Promise<void> {
    if (pending === undefined) return
    dialog.current?.close()
    const result = await callApi({ method: 'POST', path: pending.path, body: pending.body })
    setAnswer(result)
    setActions([{ at: new Date().toLocaleTimeString(), title: pending.title, status: result.status }, ...actions])
    setPending(undefined)
    setAuditVersion(auditVersion + 1)
    refresh()
  }

  const modelAction = (model: string, action: 'activate' | 'deactivate' | 'reload'): void =>
    setPending({ title: `${action} ${model}`, path: `/api/v1/admin/models/${encodeURIComponent(model)}/${action}` })

  return (
    <section aria-labelledby="operate-heading">
      <h1 id="operate-heading">Operate</h1>
      {error !== undefined && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {can(identity, 'models:admin') && models !== undefined && (
        <table data-testid="operate-models">
          <caption>Model lifecycle</caption>
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">State</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {models.map((model) => (
              <tr key={model.name} data-model={model.name}>
                <th scope="row">{model.name}</th>
                <td>{model.active ? 'active' : 'inactive'}</td>
                <td class="row">
                  {model.active ? (
                    <button type="button" onClick={() => modelAction(model.name, 'deactivate')}>
                      Deactivate
                    </button>
                  ) : (
                    <button type="button" onClick={() => modelAction(model.name, 'activate')}>
                      Activate
                    </button>
                  )}
                  <button type="button" onClick={() => modelAction(model.name, 'reload')}>
                    Reload
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {can(identity, 'tokens:admin') && (
        <form
          class="stack"
          onSubmit={(event) => {
            event.preventDefault()
            setPending({ title: `revoke token ${jti.trim()}`, path: '/api/v1/admin/tokens/revoke', body: { jti: jti.trim() } })
          }}
        >
          <h2>Revoke a token</h2>
          <label for="revoke-jti">Token id (jti)</label>
          <input id="revoke-jti" autocomplete="off" value={jti} onInput={(event) => setJti(event.currentTarget.value)} required />
          <button type="submit" disabled={jti.trim() === ''}>
            Revoke
          </button>
        </form>
      )}
      {answer !== undefined && <AnswerView answer={answer} label="Answer of the last action" />}
      <AuditList key={auditVersion} actions={actions} />
      <dialog ref={dialog} aria-labelledby="confirm-title" onClose={() => setPending(undefined)}>
        <form method="dialog" class="stack">
          <h2 id="confirm-title">Confirm: {pending?.title}</h2>
          <p>This changes the gateway for every caller.</p>
          <div class="row">
            <button type="button" data-testid="confirm" onClick={() => void confirm()}>
              Yes, {pending?.title}
            </button>
            <button type="submit" value="cancel">
              Cancel
            </button>
          </div>
        </form>
      </dialog>
    </section>
  )
}

/** Recent admin actions from GET /api/v1/admin/audit; without that route, this page's own actions. */
function AuditList({ actions }: { actions: LocalAction[] }) {
  const [entries, setEntries] = useState<Record<string, unknown>[] | undefined>()
  const [note, setNote] = useState<string | undefined>()
  useEffect(() => {
    void callApi({ method: 'GET', path: '/api/v1/admin/audit' }).then((answer) => {
      if (answer.ok) setEntries(auditEntries(answer.body))
      else if (answer.status === 404) setNote('This gateway has no audit route (GET /api/v1/admin/audit); listed here are the actions made from this page in this session.')
      else setNote(errorMessage(answer))
    })
  }, [])
  return (
    <section aria-labelledby="audit-heading" data-testid="audit">
      <h2 id="audit-heading">Recent admin actions</h2>
      {note !== undefined && <p>{note}</p>}
      {entries !== undefined &&
        (entries.length === 0 ? (
          <p>No actions yet.</p>
        ) : (
          <ul>
            {entries.map((entry, index) => (
              <li key={index}>{auditLine(entry)}</li>
            ))}
          </ul>
        ))}
      {entries === undefined &&
        (actions.length === 0 ? (
          <p>No actions yet.</p>
        ) : (
          <ul>
            {actions.map((action, index) => (
              <li key={index}>
                {action.at}: {action.title} → HTTP {action.status}
              </li>
            ))}
          </ul>
        ))}
    </section>
  )
}

/** The newest 20 entries first: the API lists them oldest first. */
function auditEntries(body: unknown): Record<string, unknown>[] {
  if (typeof body !== 'object' || body === null) return []
  const list = Object.values(body).find(Array.isArray)
  return (list ?? [])
    .filter((entry): entry is Record<string, unknown> => typeof entry === 'object' && entry !== null)
    .slice(-20)
    .reverse()
}

/** One audit entry as a line: when, who, what, on which model version, and how it ended. */
function auditLine(entry: Record<string, unknown>): string {
  const text = (key: string): string => (typeof entry[key] === 'string' ? entry[key] : '')
  const target = [text('model'), text('version') === '' ? '' : `v${text('version')}`].filter((part) => part !== '').join(' ')
  const reason = text('reason') === '' ? '' : `: ${text('reason')}`
  return `${text('at')}: ${text('actor')} ${text('action')} ${target} → ${text('outcome')}${reason}`
}
