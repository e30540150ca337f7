import { useEffect, useRef, useState } from 'preact/hooks'
import { callApi, errorMessage, type ApiAnswer } from '../api'
import { CurlLine } from '../components/answer'
import { ProbabilityBars } from '../components/probabilities'
import { loadModels, type Feature, type ModelDetail } from '../models'
import type { Identity } from '../session'
import { CsvScoring } from './csv-scoring'
import { TensorEditor } from './tensor-editor'

/** How long typing pauses before the row goes to the gateway for checking. */
const TYPING_PAUSE_MS = 350

/** Pick a model, then try it by form, CSV or v2 tensor JSON. */
export function TryView({ identity, model }: { identity: Identity; model: string | undefined }) {
  const [models, setModels] = useState<ModelDetail[] | undefined>()
  const [error, setError] = useState<string | undefined>()
  useEffect(() => {
    loadModels().then(setModels, (failure: Error) => setError(failure.message))
  }, [])
  const chosen = models?.find((entry) => entry.name === model) ?? models?.[0]
  return (
    <section aria-labelledby="try-heading">
      <h1 id="try-heading">Try a model</h1>
      {error !== undefined && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {models !== undefined && (
        <label>
          Model{' '}
          <select
            value={chosen?.name}
            onChange={(event) => {
              location.hash = `#/try/${encodeURIComponent(event.currentTarget.value)}`
            }}
          >
            {models.map((entry) => (
              <option key={entry.name} value={entry.name}>
                {entry.name}
              </option>
            ))}
          </select>
        </label>
      )}
      {chosen !== undefined && chosen.features !== null && <FeatureForm key={chosen.name} model={chosen} features={chosen.features} />}
      {chosen !== undefined && chosen.features !== null && <CsvScoring key={`csv-${chosen.name}`} model={chosen} features={chosen.features} maxRows={identity.limits.max_rows} />}
      {chosen !== undefined && <TensorEditor key={`v2-${chosen.name}`} model={chosen} open={chosen.features === null} />}
    </section>
  )
}

/** A typed value as JSON: a number when it reads as one, null when empty, else the text (the server says why). */
function jsonValue(text: string): number | string | null {
  const trimmed = text.trim()
  if (trimmed === '') return null
  const number = Number(trimmed)
  return Number.isFinite(number) ? number : trimmed
}

/** The field a server message names (`row 0: petal_width is 9, above …`, `/inputs/0/petal_width: …`). */
function fieldOf(message: string, features: Feature[]): string | undefined {
  return features.find((feature) => new RegExp(`(^|[\\s/"])${feature.name.replace(/[.]/g, '\\.')}([\\s:"]|$)`).test(message))?.name
}

function FeatureForm({ model, features }: { model: ModelDetail; features: Feature[] }) {
  const [values, setValues] = useState<Record<string, string>>(() => initialValues(model, features))
  const [answer, setAnswer] = useState<ApiAnswer | undefined>()
  const sent = useRef(0)
  const row = Object.fromEntries(features.map((feature) => [feature.name, jsonValue(values[feature.name] ?? '')]))

  async function predict(): Promise<void> {
    const ticket = ++sent.current
    const result = await callApi({ method: 'POST', path: `/api/v1/models/${encodeURIComponent(model.name)}/predict`, body: { inputs: [row] } })
    // A slower earlier answer must not overwrite the answer to what is in the form now.
    if (ticket === sent.current) setAnswer(result)
  }

  useEffect(() => {
    const timer = setTimeout(() => void predict(), TYPING_PAUSE_MS)
    return () => clearTimeout(timer)
  }, [JSON.stringify(values)])

  const message = answer !== undefined && !answer.ok ? errorMessage(answer) : undefined
  const field = message === undefined ? undefined : fieldOf(message, features)
  return (
    <form
      class="stack"
      aria-labelledby="form-heading"
      onSubmit={(event) => {
        event.preventDefault()
        void predict()
      }}
    >
      <h2 id="form-heading">One row</h2>
      {(model.examples ?? []).length > 0 && (
        <div class="row" role="group" aria-label="Example rows">
          {(model.examples ?? []).map((example, index) => (
            <button type="button" key={index} onClick={() => setValues(Object.fromEntries(features.map((feature, column) => [feature.name, String(example[column] ?? '')])))}>
              Example {index + 1}
            </button>
          ))}
        </div>
      )}
      <div class="fields">
        {features.map((feature) => (
          <div class="field" key={feature.name}>
            <label for={`feature-${feature.name}`}>
              {feature.name}
              {feature.unit === undefined ? '' : ` (${feature.unit})`}
            </label>
            <input
              id={`feature-${feature.name}`}
              name={feature.name}
              inputMode="decimal"
              autocomplete="off"
              value={values[feature.name] ?? ''}
              aria-invalid={field === feature.name ? 'true' : undefined}
              aria-describedby={`range-${feature.name} error-${feature.name}`}
              onInput={(event) => setValues({ ...values, [feature.name]: event.currentTarget.value })}
            />
            <small id={`range-${feature.name}`}>{rangeText(feature)}</small>
            <small id={`error-${feature.name}`} class="error field-error" role={field === feature.name ? 'alert' : undefined}>
              {field === feature.name ? message : ''}
            </small>
          </div>
        ))}
      </div>
      <button type="submit">Predict</button>
      {message !== undefined && field === undefined && (
        <p role="alert" class="error" data-testid="form-error">
          {message}
        </p>
      )}
      {answer?.ok === true && <PredictionView model={model} answer={answer} />}
      {answer !== undefined && <CurlLine curl={answer.curl} />}
    </form>
  )
}

function initialValues(model: ModelDetail, features: Feature[]): Record<string, string> {
  const example = model.examples?.[0]
  return Object.fromEntries(features.map((feature, column) => [feature.name, example?.[column] === undefined ? '' : String(example[column])]))
}

function rangeText(feature: Feature): string {
  if (feature.min !== undefined && feature.max !== undefined) return `from ${feature.min} to ${feature.max}`
  if (feature.min !== undefined) return `at least ${feature.min}`
  if (feature.max !== undefined) return `at most ${feature.max}`
  return 'any number'
}

interface PredictBody {
  version: string
  predictions: unknown[]
  probabilities?: number[][]
}

function PredictionView({ model, answer }: { model: ModelDetail; answer: ApiAnswer }) {
  const body = answer.body as PredictBody
  const probabilities = body.probabilities?.[0]
  return (
    <section class="result" aria-label="Prediction" data-testid="prediction">
      <p>
        <strong data-testid="predicted">{String(body.predictions[0])}</strong> from version {body.version} · <span data-testid="latency">{answer.ms.toFixed(1)} ms</span> · cache{' '}
        <span data-testid="cache">{answer.cache ?? 'off'}</span>
      </p>
      {probabilities !== undefined && <ProbabilityBars labels={model.labels ?? []} probabilities={probabilities} />}
    </section>
  )
}
