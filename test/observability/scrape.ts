import assert from 'node:assert/strict'
import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format'

/** One sample line: its labels and value. */
export interface Sample {
  labels: Record<string, string>
  value: number
}

/** A parsed scrape: the metric families with their types, and every sample line by sample name. */
export interface Scrape {
  families: Map<string, PrometheusFamily>
  samples: Map<string, Sample[]>
}

/** GETs a metrics endpoint, checks the content type, and parses the text with an exposition-format parser. */
export async function scrape(url: string, token?: string): Promise<Scrape> {
  const response = await fetch(url, { headers: token === undefined ? {} : { Authorization: `Bearer ${token}` } })
  const text = await response.text()
  assert.equal(response.status, 200, text)
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/)
  return parseScrape(text)
}

/** Parses exposition text; throws on any line the parser rejects. */
export function parseScrape(text: string): Scrape {
  const families = new Map(parsePrometheusTextFormat(text).map((family) => [family.name, family]))
  // The parser folds every series of a labelled histogram into one and drops their labels, so the
  // samples are read a second time with histograms typed untyped: each _bucket, _sum and _count
  // line then comes back on its own, labels included.
  const flat = parsePrometheusTextFormat(text.replace(/^# TYPE (\S+) (histogram|summary)$/gm, '# TYPE $1 untyped'))
  const samples = new Map<string, Sample[]>()
  for (const family of flat) {
    const list = samples.get(family.name) ?? []
    for (const sample of family.metrics) list.push({ labels: sample.labels ?? {}, value: Number(sample.value) })
    samples.set(family.name, list)
  }
  return { families, samples }
}

/** The samples of one name whose labels include `labels`. */
export function series(scraped: Scrape, name: string, labels: Record<string, string> = {}): Sample[] {
  return (scraped.samples.get(name) ?? []).filter((sample) => Object.entries(labels).every(([key, v]) => sample.labels[key] === v))
}

/** Sums a counter or gauge over the matching series (0 when there are none). */
export function value(scraped: Scrape, name: string, labels: Record<string, string> = {}): number {
  return series(scraped, name, labels).reduce((total, sample) => total + sample.value, 0)
}

/** Sums a histogram's observation count over the matching series. */
export function count(scraped: Scrape, name: string, labels: Record<string, string> = {}): number {
  return value(scraped, `${name}_count`, labels)
}

/** Sums a histogram's observed total over the matching series. */
export function sum(scraped: Scrape, name: string, labels: Record<string, string> = {}): number {
  return value(scraped, `${name}_sum`, labels)
}

/** Every value one label takes in the samples of a name. */
export function labelValues(scraped: Scrape, name: string, label: string): Set<string> {
  return new Set(
    series(scraped, name)
      .map((sample) => sample.labels[label])
      .filter((v) => v !== undefined),
  )
}
