import Papa from 'papaparse'
import { useEffect, useState } from 'preact/hooks'
import { callApi, errorMessage } from '../api'
import { CurlLine } from '../components/answer'
import type { Feature, ModelDetail } from '../models'

/** One scored row of the table. */
interface ScoredRow {
  id: string
  values: Record<string, unknown>
  prediction: string
  probabilities: number[]
}

interface Scoring {
  rows: ScoredRow[]
  errors: string[]
  requests: number
  curl?: string
}

/** A CSV cell as JSON: numbers as numbers, empty as null, anything else as text for the server to refuse. */
function cellValue(cell: unknown): unknown {
  if (typeof cell !== 'string') return cell ?? null
  const trimmed = cell.trim()
  if (trimmed === '') return null
  const number = Number(trimmed)
  return Number.isFinite(number) ? number : trimmed
}

/**
 * Paste or upload a CSV with a header row of feature names (an `id` column is carried through);
 * its rows go to the predict route as JSON, in chunks of the gateway's row limit, into a table
 * that downloads as CSV.
 */
export function CsvScoring({ model, features, maxRows }: { model: ModelDetail; features: Feature[]; maxRows: number }) {
  const [text, setText] = useState('')
  const [scoring, setScoring] = useState<Scoring | undefined>()
  const [busy, setBusy] = useState(false)
  const [download, setDownload] = useState<string | undefined>()
  const labels = model.labels ?? []

  useEffect(
    () => () => {
      if (download !== undefined) URL.revokeObjectURL(download)
    },
    [download],
  )

  async function score(csv: string): Promise<void> {
    setBusy(true)
    const parsed = Papa.parse<Record<string, string>>(csv.trim(), { header: true, skipEmptyLines: true })
    const records = parsed.data
    const result: Scoring = { rows: [], errors: parsed.errors.slice(0, 5).map((error) => `CSV row ${(error.row ?? 0) + 1}: ${error.message}`), requests: 0 }
    for (let start = 0; start < records.length; start += maxRows) {
      const chunk = records.slice(start, start + maxRows)
      const inputs = chunk.map((record) =>
        Object.fromEntries(
          Object.entries(record)
            .filter(([key]) => key !== 'id')
            .map(([key, cell]) => [key, cellValue(cell)]),
        ),
      )
      const answer = await callApi({ method: 'POST', path: `/api/v1/models/${encodeURIComponent(model.name)}/predict`, body: { inputs } })
      result.requests += 1
      result.curl ??= answer.curl
      if (!answer.ok) {
        result.errors.push(`rows ${start + 1}–${start + chunk.length}: ${errorMessage(answer)}`)
        continue
      }
      const body = answer.body as { predictions: unknown[]; probabilities?: number[][] }
      chunk.forEach((record, index) => {
        result.rows.push({
          id: record.id ?? String(start + index),
          values: inputs[index] ?? {},
          prediction: String(body.predictions[index]),
          probabilities: body.probabilities?.[index] ?? [],
        })
      })
    }
    setScoring(result)
    const table = result.rows.map((row) => ({
      id: row.id,
      ...row.values,
      prediction: row.prediction,
      ...Object.fromEntries(labels.map((label, index) => [`p_${label}`, row.probabilities[index]])),
    }))
    setDownload(URL.createObjectURL(new Blob([Papa.unparse(table)], { type: 'text/csv' })))
    setBusy(false)
  }

  async function onFile(event: Event): Promise<void> {
    const file = (event.currentTarget as HTMLInputElement).files?.[0]
    if (file === undefined) return
    const content = await file.text()
    setText(content)
    await score(content)
  }

  return (
    <section class="stack" aria-labelledby="csv-heading">
      <h2 id="csv-heading">Many rows from a CSV</h2>
      <p>
        A header row of feature names ({features.map((feature) => feature.name).join(', ')}), an optional <code>id</code> column; at most {maxRows} rows go in one request.
      </p>
      <label for="csv-file">CSV file</label>
      <input id="csv-file" type="file" accept=".csv,text/csv" onChange={(event) => void onFile(event)} />
      <label for="csv-text">Or paste CSV</label>
      <textarea id="csv-text" rows={5} spellcheck={false} value={text} onInput={(event) => setText(event.currentTarget.value)} />
      <button type="button" disabled={busy || text.trim() === ''} onClick={() => void score(text)}>
        Score CSV
      </button>
      {busy && <p role="status">Scoring…</p>}
      {scoring !== undefined && (
        <>
          <p role="status" data-testid="csv-summary">
            {scoring.rows.length} rows scored in {scoring.requests} {scoring.requests === 1 ? 'request' : 'requests'}
            {scoring.errors.length > 0 ? `, ${scoring.errors.length} errors` : ''}.
          </p>
          {scoring.errors.map((error) => (
            <p key={error} class="error" role="alert">
              {error}
            </p>
          ))}
          {download !== undefined && (
            <a href={download} download={`${model.name}-scored.csv`}>
              Download the table as CSV
            </a>
          )}
          {scoring.curl !== undefined && <CurlLine curl={scoring.curl} />}
          <div class="scroll" tabIndex={0} role="region" aria-label="Scored rows">
            <table data-testid="csv-table">
              <thead>
                <tr>
                  <th scope="col">id</th>
                  {features.map((feature) => (
                    <th scope="col" key={feature.name}>
                      {feature.name}
                    </th>
                  ))}
                  <th scope="col">prediction</th>
                  {labels.map((label) => (
                    <th scope="col" key={label}>
                      p_{label}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {scoring.rows.map((row, index) => (
                  <tr key={index}>
                    <td>{row.id}</td>
                    {features.map((feature) => (
                      <td key={feature.name}>{String(row.values[feature.name] ?? '')}</td>
                    ))}
                    <td>{row.prediction}</td>
                    {labels.map((label, index) => (
                      <td key={label}>{row.probabilities[index]?.toFixed(3) ?? ''}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  )
}
