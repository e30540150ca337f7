/**
 * The ways a request comes in: HTTP, the message streams, whole files and the console. The only
 * values of the `{door}` label on the stage histograms, so each door's traffic shows up apart.
 */
export const DOORS = ['http', 'mqtt', 'nats', 'file', 'console'] as const

/** Which door a request came through. */
export type Door = (typeof DOORS)[number]
