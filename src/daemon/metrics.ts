/**
 * Prometheus metrics at /metrics, all prefixed `raos_`. One registry per daemon (no global default
 * registry), so two daemons in one test process do not share counters.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Kernel } from '../kernel/kernel.js';

export interface DaemonMetrics {
  registry: Registry;
  requests: Counter<'route' | 'method' | 'status'>;
  latency: Histogram<'route'>;
  wsConnections: Gauge;
  wsDropped: Counter;
  events: Counter<'topic'>;
  eventsDelivered: Counter;
  rateLimited: Counter<'module'>;
}

export function createMetrics(kernel: Kernel): DaemonMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'raos_process_' });
  const metrics: DaemonMetrics = {
    registry,
    requests: new Counter({ name: 'raos_http_requests_total', help: 'HTTP requests by route, method and status.', labelNames: ['route', 'method', 'status'], registers: [registry] }),
    latency: new Histogram({
      name: 'raos_http_request_duration_seconds',
      help: 'HTTP request latency by route.',
      labelNames: ['route'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    wsConnections: new Gauge({ name: 'raos_ws_connections', help: 'Open WebSocket connections on /ws.', registers: [registry] }),
    wsDropped: new Counter({ name: 'raos_ws_dropped_total', help: 'WebSocket clients closed for reading too slowly.', registers: [registry] }),
    events: new Counter({ name: 'raos_events_total', help: 'Events published on the bus, by topic.', labelNames: ['topic'], registers: [registry] }),
    eventsDelivered: new Counter({ name: 'raos_ws_events_delivered_total', help: 'Event messages sent to /ws clients.', registers: [registry] }),
    rateLimited: new Counter({ name: 'raos_rate_limited_total', help: 'Calls refused by a rate limit, by module.', labelNames: ['module'], registers: [registry] }),
  };
  new Gauge({
    name: 'raos_module_state',
    help: 'Module states: 1 for the state the module is in.',
    labelNames: ['module', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const m of kernel.modules.list()) this.set({ module: m.name, state: m.state }, 1);
    },
  });
  new Gauge({
    name: 'raos_storage_journal_bytes',
    help: 'Bytes in each database journal (folded into the file by checkpoints).',
    labelNames: ['database'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const store of await kernel.openStores()) this.set({ database: store.name }, store.status().journal.bytes);
    },
  });
  kernel.bus.subscribe((event) => metrics.events.inc({ topic: event.eventType.split(':', 1)[0] }));
  return metrics;
}
