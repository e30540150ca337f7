/**
 * Why a version does not serve, as a short code. Public answers (`/readyz`, the model list for
 * callers without `models:admin`) carry only the code: the message behind it may quote library
 * errors, model.yaml fragments or digests, which go to the log and the admin view.
 */
export const LOAD_FAILURE_CODES = [
  'invalid_metadata',
  'metadata_mismatch',
  'invalid_onnx',
  'digest_mismatch',
  'unreadable_file',
  'warmup_failed',
  'excluded_by_policy',
  'untrusted_signature',
  'load_failed',
] as const

/** One of LOAD_FAILURE_CODES. */
export type LoadFailureCode = (typeof LOAD_FAILURE_CODES)[number]

/** A failed load with its public code; the message is for the log and admins. */
export class LoadFailure extends Error {
  constructor(
    readonly code: LoadFailureCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options)
    this.name = 'LoadFailure'
  }
}

/** The public code of any error thrown while loading a version. */
export function failureCode(err: unknown): LoadFailureCode {
  return err instanceof LoadFailure ? err.code : 'load_failed'
}
