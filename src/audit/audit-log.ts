import type { Logger } from '../observability/logger.js'

/** How an audited action ended. */
export type AuditOutcome = 'ok' | 'refused' | 'failed'

/** What an admin action records: who did what to which model version, and how it ended. */
export interface AuditRecord {
  /** The token subject, or a fixed name for the system (`git-source`, `webhook`). */
  actor: string
  /** A fixed verb: `publish`, `delete`, `metadata`, `sync`, `signature`, `activate`, ... */
  action: string
  model?: string
  version?: string
  /** `sha256:<hex>` of the file concerned. */
  digest?: string
  outcome: AuditOutcome
  /** Why it was refused or failed; safe to show to an admin (no secrets, no paths outside the repository). */
  reason?: string
  /** What else an admin needs to read the entry: a git commit, a count of changes. */
  detail?: string
  requestId?: string
  /** The log line's message; `audit` when unset. */
  message?: string
}

/** An audit entry as kept and listed: the record plus when it happened and a sequence number. */
export interface AuditEntry extends AuditRecord {
  seq: number
  at: string
}

/**
 * The admin audit trail: each record is one structured log line (`audit`) and one entry in a
 * bounded in-memory list, newest last, that `GET /api/v1/admin/audit` returns. The list is a
 * recent view for operators; the log lines are the durable record.
 */
export class AuditLog {
  readonly #entries: AuditEntry[] = []
  #seq = 0

  constructor(
    private readonly logger: Logger,
    private readonly maxEntries = 1000,
  ) {}

  /** Records one action; never throws. */
  record(record: AuditRecord): AuditEntry {
    this.#seq += 1
    const { message = 'audit', ...fields } = record
    const entry: AuditEntry = Object.freeze({ seq: this.#seq, at: new Date().toISOString(), ...fields })
    this.#entries.push(entry)
    if (this.#entries.length > this.maxEntries) this.#entries.splice(0, this.#entries.length - this.maxEntries)
    const level = record.outcome === 'ok' ? 'info' : 'warn'
    this.logger.log(level, message, {
      audit: true,
      audit_seq: entry.seq,
      at: entry.at,
      actor: record.actor,
      subject: record.actor,
      action: record.action,
      model: record.model,
      version: record.version,
      digest: record.digest,
      outcome: record.outcome,
      reason: record.reason,
      detail: record.detail,
      request_id: record.requestId,
    })
    return entry
  }

  /** The kept entries, oldest first; `limit` keeps only the newest ones. */
  list(limit?: number): AuditEntry[] {
    return limit === undefined ? [...this.#entries] : this.#entries.slice(-limit)
  }
}
