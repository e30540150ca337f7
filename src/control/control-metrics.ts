import { Gauge, type Registry } from 'prom-client'
import type { Control } from './control.js'

/**
 * `portcullis_control_store_up`: 1 while this process can write control changes (Redis reachable,
 * or the cluster primary connected), read at each scrape. Under --workers the lowest worker counts.
 */
export function registerControlMetrics(registry: Registry, control: Control): void {
  new Gauge({
    name: 'portcullis_control_store_up',
    help: '1 while admin changes can be stored and shared (Redis or the cluster primary reachable); 0 while they answer 503',
    aggregator: 'min',
    registers: [registry],
    collect() {
      this.set(control.storeUp() ? 1 : 0)
    },
  })
}
