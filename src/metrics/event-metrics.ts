import { Counter, register, type Registry } from 'prom-client';
import { registered } from './registered.ts';

/**
 * Structurally the events layer's `EventRecorderMetrics` (this layer may not import that one).
 *
 * @noExample Returned by {@link eventMetrics}, whose example passes it to an `EventRecorder`.
 */
export interface EventDropMetrics {
  /** An Event was given up on without an error, for `reason` (`capstan_events_dropped_total{reason}` + 1). */
  dropped(reason: 'NamespaceTerminating'): void;
}

/**
 * `capstan_events_dropped_total{reason}`: Events an `EventRecorder` gave up on without an error, by reason;
 * `NamespaceTerminating` counts those the API server refused because their namespace is being deleted (never
 * retried: the objects they are about go with the namespace). Pass it as the recorder's `metrics`.
 *
 * @example
 * ```ts
 * import { Registry } from 'prom-client';
 * import { KubeClient } from 'capstan/client';
 * import { EventRecorder } from 'capstan/events';
 * import { eventMetrics } from 'capstan/metrics';
 * const registry = new Registry();
 * const client = await KubeClient.fromKubeconfig();
 * const events = new EventRecorder({ client, controller: 'apps.example.com/helloworld', instance: 'pod-1', metrics: eventMetrics(registry) });
 * await events.close();
 * ```
 */
export function eventMetrics(registry: Registry = register): EventDropMetrics {
  const name = 'capstan_events_dropped_total';
  const counter = registered<Counter<'reason'>>(
    registry,
    name,
    () =>
      new Counter({
        name,
        help: 'Events given up on without an error, by reason (NamespaceTerminating: refused in a namespace being deleted).',
        labelNames: ['reason'],
        registers: [registry],
      }),
  );
  counter.inc({ reason: 'NamespaceTerminating' }, 0);
  return { dropped: (reason) => counter.inc({ reason }) };
}
