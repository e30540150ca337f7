/**
 * The pipeline stages of design.md, in the order a request meets them: the only values the
 * `{stage}` metric label takes. Each limit has its own name, so one request records each once.
 */
export const STAGES = [
  'request_id',
  'budget',
  'rate_limit_address',
  'auth_failures',
  'authenticate',
  'rate_limit_subject',
  'body_guard',
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
