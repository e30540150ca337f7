import type { Door } from './doors.js'
import type { Metrics } from './metrics.js'
import type { StageName } from './stage-names.js'

/** Runs one step and records its duration under `portcullis_stage_duration_seconds{stage, door}`. */
export async function timeStage<T>(metrics: Metrics, stage: StageName, door: Door, step: () => Promise<T> | T): Promise<T> {
  const end = metrics.stageDuration.labels(stage, door).startTimer()
  try {
    return await step()
  } finally {
    end()
  }
}

/** The synchronous form of timeStage, for steps that never wait. */
export function timeStageSync<T>(metrics: Metrics, stage: StageName, door: Door, step: () => T): T {
  const end = metrics.stageDuration.labels(stage, door).startTimer()
  try {
    return step()
  } finally {
    end()
  }
}
