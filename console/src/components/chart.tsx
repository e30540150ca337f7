import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'

/** One line of a chart. */
export interface ChartSeries {
  label: string
  values: (number | null)[]
}

const COLORS = ['#2f6fde', '#d9480f', '#2b8a3e', '#ae3ec9', '#e67700', '#1098ad', '#c2255c', '#5c940d', '#495057', '#364fc7', '#a61e4d', '#087f5b']

/** A small uPlot line chart; the figure's caption and the text beside it carry the figures for screen readers. */
export function Chart({ title, times, series, unit }: { title: string; times: number[]; series: ChartSeries[]; unit: string }) {
  const holder = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | undefined>(undefined)
  const labels = series.map((line) => line.label).join('|')

  useEffect(() => {
    const element = holder.current
    if (element === null) return undefined
    // Axis text in the page's own colour, so the chart reads in light and dark.
    const ink = getComputedStyle(element).color
    const grid = { stroke: 'rgba(128,128,128,0.25)' }
    plot.current = new uPlot(
      {
        width: Math.max(element.clientWidth, 240),
        height: 160,
        legend: { show: false },
        cursor: { show: false },
        axes: [
          { stroke: ink, grid },
          { stroke: ink, grid, size: 56 },
        ],
        series: [{}, ...series.map((line, index) => ({ label: line.label, stroke: COLORS[index % COLORS.length], width: 2, spanGaps: true }))],
      },
      [times, ...series.map((line) => line.values)],
      element,
    )
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(element.clientWidth, 240), height: 160 }))
    resize.observe(element)
    return () => {
      resize.disconnect()
      plot.current?.destroy()
      plot.current = undefined
    }
  }, [labels])

  useEffect(() => {
    plot.current?.setData([times, ...series.map((line) => line.values)])
  }, [times, series])

  return (
    <figure class="chart">
      <figcaption>
        {title} ({unit})
      </figcaption>
      <div ref={holder} class="plot" role="img" aria-label={`${title} chart; latest values follow`} />
      <ul class="legend">
        {series.map((line, index) => (
          <li key={line.label} class={`swatch-${index % COLORS.length}`}>
            {line.label}: {formatLatest(line.values.at(-1))}
          </li>
        ))}
      </ul>
    </figure>
  )
}

function formatLatest(value: number | null | undefined): string {
  if (value === null || value === undefined) return 'no data'
  return value >= 100 ? value.toFixed(0) : value.toPrecision(3)
}
