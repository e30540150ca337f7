import cliProgress from 'cli-progress'
import type { RunProgress } from '../files/score-file.js'

/** Shows how a scoring run goes. */
export interface ProgressView {
  update(progress: RunProgress): void
  stop(progress: RunProgress): void
}

// Plain progress lines (a log, a pipe) come at most this often.
const LINE_INTERVAL_MS = 2000

/** A bar on a terminal (rows, rows/s, ETA); plain lines otherwise. Both write to stderr. */
export function progressView(stream: NodeJS.WriteStream = process.stderr): ProgressView {
  return stream.isTTY === true ? barView(stream) : lineView(stream)
}

function barView(stream: NodeJS.WriteStream): ProgressView {
  const started = Date.now()
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: '{bar} {percentage}% | {scored} rows | {rate} rows/s | {rejected} rejected | ETA {eta_formatted}',
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  )
  let running = false
  const payload = (progress: RunProgress): object => ({ scored: progress.scored, rejected: progress.rejected, rate: rowsPerSecond(progress, started) })
  return {
    update(progress) {
      if (!running) {
        bar.start(Math.max(1, progress.read.total), 0, payload(progress))
        running = true
      }
      bar.update(progress.read.done, payload(progress))
    },
    stop(progress) {
      if (running) {
        bar.update(progress.read.total, payload(progress))
        bar.stop()
      }
    },
  }
}

function lineView(stream: NodeJS.WriteStream): ProgressView {
  const started = Date.now()
  let last = started
  return {
    update(progress) {
      const now = Date.now()
      if (now - last < LINE_INTERVAL_MS) return
      last = now
      const { done, total } = progress.read
      const share = total > 0 ? done / total : 0
      const eta = share > 0 ? Math.round((((now - started) / 1000) * (1 - share)) / share) : undefined
      stream.write(
        `scored ${progress.scored} rows, ${progress.rejected} rejected, ${rowsPerSecond(progress, started)} rows/s, ${Math.floor(share * 100)}%${eta === undefined ? '' : `, ETA ${eta}s`}\n`,
      )
    },
    stop() {
      // The summary line that follows says the rest.
    },
  }
}

function rowsPerSecond(progress: RunProgress, started: number): number {
  const seconds = Math.max(0.001, (Date.now() - started) / 1000)
  return Math.round((progress.scored + progress.rejected) / seconds)
}
