import type { ParameterizedContext, DefaultContext, Middleware } from 'koa'
import type { Principal } from '../security/principal.js'
import type { Admission } from './budgets/in-flight-budget.js'

/** Per-request data on ctx.state (Koa's recommended namespace). */
export interface AppState {
  requestId: string
  /** Parsed JSON body, set by bodyGuard for requests that carry one. */
  body?: unknown
  /** Set by authenticate. */
  principal?: Principal
  /** `oip` on Open Inference Protocol routes: errors render as `{"error": message}`. */
  protocol?: 'v1' | 'oip'
  /** Model and version a prediction ran on, for the access log. */
  model?: string
  version?: string
  /** The error code of the response, set by errorEnvelope. */
  errorCode?: string
  /** The request's hold on the in-flight budget, set by the budget stage. */
  admission?: Admission
}

/** The Koa context of this app. */
export type AppContext = ParameterizedContext<AppState, DefaultContext & { _matchedRoute?: string | RegExp }>

/** A middleware of this app. */
export type AppMiddleware = Middleware<AppState, DefaultContext & { _matchedRoute?: string | RegExp }>
