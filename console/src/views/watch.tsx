import { useEffect, useState } from 'preact/hooks'
import { callApi, errorMessage } from '../api'
import { Chart } from '../components/chart'
import { pointBetween, type Point, type Summary } from '../watch-math'

/** Seconds between two polls of the summary. */
const POLL_SECONDS = 2
/** Samples kept: five minutes at one poll every two seconds. */
const RING_SIZE = 150

/** Live charts of the gateway, from GET /api/v1/metrics/summary polled into a short ring of samples. */
export function WatchView() {
  const [samples, setSamples] = useState<Summary[]>([])
  const [error, setError] = useState<string | undefined>()

  useEffect(() => {
    let stopped = false
    const poll = async (): Promise<void> => {
      const answer = await callApi({ method: 'GET', path: '/api/v1/metrics/summary' })
      if (stopped) return
      if (!answer.ok) {
        setError(errorMessage(answer))
        return
      }
      setError(undefined)
      setSamples((ring) => [...ring, answer.body as Summary].slice(-RING_SIZE))
    }
    void poll()
    const timer = setInterval(() => void poll(), POLL_SECONDS * 1000)
    return () => {
      stopped = true
      clearInterval(timer)
    }
  }, [])

  const points: Point[] = samples.slice(1).map((sample, index) => pointBetween(samples[index] as Summary, sample))
  const times = points.map((point) => point.t)
  const stages = Object.keys(samples.at(-1)?.stages ?? {})
  return (
    <section aria-labelledby="watch-heading">
      <h1 id="watch-heading">Watch</h1>
      <p>
        Every {POLL_SECONDS} s from <code>GET /api/v1/metrics/summary</code>; the last {Math.round((RING_SIZE * POLL_SECONDS) / 60)} minutes stay on the page.
      </p>
      {error !== undefined && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <p role="status" data-testid="samples">
        {samples.length} samples
      </p>
      <div class="charts">
        <Chart
          title="Requests and errors"
          unit="per second"
          times={times}
          series={[
            { label: 'requests', values: points.map((point) => point.requestsPerSecond) },
            { label: 'errors (4xx and 5xx)', values: points.map((point) => point.errorsPerSecond) },
          ]}
        />
        <Chart title="p99 per stage" unit="ms" times={times} series={stages.map((stage) => ({ label: stage, values: points.map((point) => point.p99[stage] ?? null) }))} />
        <Chart title="Cache hit ratio" unit="hits per lookup" times={times} series={[{ label: 'hit ratio', values: points.map((point) => point.cacheHitRatio) }]} />
        <Chart title="Batch size" unit="rows per session run" times={times} series={[{ label: 'mean batch size', values: points.map((point) => point.meanBatchSize) }]} />
      </div>
    </section>
  )
}
