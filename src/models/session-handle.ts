import type { InferenceSession } from 'onnxruntime-node'

/**
 * What Portcullis needs of an ONNX Runtime session: one on the event-loop thread
 * (`onEventLoop`), or one on an inference thread (src/models/inference-threads/pool.ts).
 */
export interface ModelSession {
  readonly inputMetadata: readonly InferenceSession.ValueMetadata[]
  readonly outputMetadata: readonly InferenceSession.ValueMetadata[]
  /** Runs the session; `fetches` names the outputs wanted, all of them when left out. */
  run(feeds: InferenceSession.FeedsType, fetches?: readonly string[]): Promise<InferenceSession.ReturnType>
  release(): Promise<void>
}

/** An onnxruntime-node session, which computes on the event-loop thread, as a ModelSession. */
export function onEventLoop(session: InferenceSession): ModelSession {
  return {
    inputMetadata: session.inputMetadata,
    outputMetadata: session.outputMetadata,
    run: (feeds, fetches) => (fetches === undefined ? session.run(feeds) : session.run(feeds, fetches)),
    release: () => session.release(),
  }
}
