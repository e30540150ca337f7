/** One bar per class: a native progress element (no inline style under the CSP) and the percentage. */
export function ProbabilityBars({ labels, probabilities }: { labels: string[]; probabilities: number[] }) {
  return (
    <ul class="bars" data-testid="probabilities">
      {probabilities.map((p, index) => {
        const label = labels[index] ?? `class ${index}`
        return (
          <li key={label} data-label={label} data-probability={p}>
            <span class="bar-label">{label}</span>
            <progress max={1} value={p} aria-label={`${label} probability`} />
            <span class="bar-value">{(p * 100).toFixed(1)} %</span>
          </li>
        )
      })}
    </ul>
  )
}
