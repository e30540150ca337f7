/** The pipeline stages of design.md: the only values the `{stage}` metric label takes. */
export const STAGES = [
  'request_id',
  'body_guard',
  'rate_limit',
  'authenticate',
  'authorize',
  'validate',
  'cache_lookup',
  'queue_wait',
  'inference',
  'cache_store',
  'serialize',
] as const

/** One pipeline stage name. */
export type StageName = (typeof STAGES)[number]
