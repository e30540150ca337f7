import assert from 'node:assert/strict'
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createMetrics } from '../../src/observability/metrics.js'
import { profileModel } from '../../src/training/profile-model.js'
import { tempRepository } from '../helpers/demo-models.js'
import { getJson, postJson, startServer, type TestServer } from '../helpers/server.js'
import { writeIrisCsv } from '../training/datasets.js'
import { scrape, type Scrape } from './scrape.js'

const DASHBOARD = join(import.meta.dirname, '../../deploy/grafana/portcullis.json')

/** Labels Prometheus adds at scrape time, and the histogram bucket label. */
const EXTERNAL_LABELS = new Set(['le', 'instance', 'job'])

interface Panel {
  type: string
  title: string
  targets?: { expr?: string }[]
  panels?: Panel[]
}

function panelsOf(dashboard: { panels: Panel[] }): Panel[] {
  return dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]).filter((panel) => panel.type !== 'row')
}

/** Every metric of the service is named portcullis_*, so any such word in a query is a metric. */
function metricNames(expr: string): string[] {
  return [...new Set(expr.match(/\bportcullis_\w+/g) ?? [])]
}

function labelNames(expr: string): string[] {
  const grouped = [...expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)].flatMap((match) => (match[1] ?? '').split(','))
  const matched = [...expr.matchAll(/\{([^}]*)\}/g)].flatMap((match) => [...(match[1] ?? '').matchAll(/(\w+)\s*(?:=~|!~|!=|=)/g)].map((m) => m[1] ?? ''))
  return [...new Set([...grouped, ...matched].map((name) => name.trim()).filter((name) => name !== ''))]
}

describe('deploy/grafana/portcullis.json', () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[]; uid: string }
  const panels = panelsOf(dashboard)
  let server: TestServer
  let cleanup: () => void
  let scraped: Scrape

  before(async () => {
    const repository = await tempRepository()
    cleanup = repository.cleanup
    copyFileSync(join(import.meta.dirname, '../fixtures/corrupt.onnx'), join(repository.dir, 'broken.onnx'))
    // A reference profile for iris, so the drift panels have series to check.
    const csvDir = mkdtempSync(join(tmpdir(), 'portcullis-grafana-csv-'))
    await profileModel({ modelsDir: repository.dir, model: 'iris', input: writeIrisCsv(csvDir) })
    rmSync(csvDir, { recursive: true, force: true })
    server = await startServer({ modelsDir: repository.dir, config: { rateLimit: { default: '2/minute' } } })
    // Enough traffic for every labelled series a panel reads to exist: a prediction, a 401, a 429.
    const user = server.token(['user'], 'grafana-user')
    assert.equal((await postJson(`${server.url}/api/v1/predict`, { inputs: [[5.1, 3.5, 1.4, 0.2]] }, user)).status, 200)
    assert.equal((await getJson(`${server.url}/api/v1/models`)).status, 401)
    const statuses: number[] = []
    for (let i = 0; i < 3; i += 1) statuses.push((await getJson(`${server.url}/api/v1/models`, user)).status)
    assert.equal(statuses.at(-1), 429, `statuses: ${statuses.join(', ')}`)
    scraped = await scrape(`${server.url}/metrics`, server.token(['metrics'], 'grafana-scraper'))
  })
  after(async () => {
    await server.close()
    cleanup()
  })

  it('has panels, each with a PromQL query', () => {
    assert.ok(panels.length >= 10)
    for (const panel of panels) {
      assert.ok((panel.targets ?? []).length > 0, panel.title)
      for (const target of panel.targets ?? []) assert.ok(metricNames(target.expr ?? '').length > 0, `${panel.title}: ${target.expr}`)
    }
  })

  it('queries only metrics and labels that a real scrape has', () => {
    let labelsChecked = 0
    for (const panel of panels) {
      for (const { expr = '' } of panel.targets ?? []) {
        const names = metricNames(expr)
        for (const name of names) assert.ok(scraped.samples.has(name) || scraped.families.has(name), `${panel.title}: ${name} is not exposed`)
        const samples = names.flatMap((name) => scraped.samples.get(name) ?? [])
        // A family with no series yet (shadow comparisons need a shadow model) has no labels to check.
        if (samples.length === 0) continue
        labelsChecked += 1
        const present = new Set(samples.flatMap((sample) => Object.keys(sample.labels)))
        for (const label of labelNames(expr)) assert.ok(EXTERNAL_LABELS.has(label) || present.has(label), `${panel.title}: no ${label} label on ${names.join(', ')}`)
      }
    }
    assert.ok(labelsChecked >= panels.length - 2, `labels checked on only ${labelsChecked} queries`)
  })

  it('shows stage time per door, a label every stage series carries', () => {
    const exprs = panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr ?? ''))
    assert.ok(
      exprs.some((expr) => expr.includes('portcullis_stage_duration_seconds') && labelNames(expr).includes('door')),
      'no panel splits stage time by door',
    )
    const stageSeries = scraped.samples.get('portcullis_stage_duration_seconds_count') ?? []
    assert.ok(stageSeries.length > 0)
    for (const sample of stageSeries) assert.equal(sample.labels.door, 'http', JSON.stringify(sample.labels))
  })

  it('shows every metric the service defines', async () => {
    const defined = (await createMetrics({ defaults: false }).registry.getMetricsAsJSON()).map((metric) => metric.name)
    const queried = panels.flatMap((panel) => (panel.targets ?? []).flatMap((target) => metricNames(target.expr ?? '')))
    for (const name of defined)
      assert.ok(
        queried.some((query) => query === name || query.startsWith(`${name}_`)),
        `no panel shows ${name}`,
      )
  })
})
