import type { ApiAnswer } from '../api'

/** The equivalent curl command of a request, to copy. */
export function CurlLine({ curl }: { curl: string }) {
  return (
    <details class="curl">
      <summary>Same request with curl</summary>
      <pre tabIndex={0}>
        <code data-testid="curl">{curl}</code>
      </pre>
    </details>
  )
}

/** The API's answer to an action: status and body, as it came. */
export function AnswerView({ answer, label }: { answer: ApiAnswer; label: string }) {
  return (
    <section class={answer.ok ? 'answer ok' : 'answer failed'} aria-label={label}>
      <p>
        <strong>HTTP {answer.status}</strong> in {answer.ms.toFixed(0)} ms
      </p>
      <pre tabIndex={0} data-testid="answer-body">
        {typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body, null, 2)}
      </pre>
      <CurlLine curl={answer.curl} />
    </section>
  )
}
