import { Counter, Gauge, register, type Registry } from 'prom-client';
import { registered } from './registered.ts';

/**
 * What {@link watchMetrics} returns: structurally the watch layer's `WatchMetrics` (pass it as an `Informer`'s
 * `watchMetrics`; this layer may not import the watch layer), plus {@link WatchHealthMetrics.unresumed} for the
 * gauge read at scrape time.
 *
 * @noExample Returned by {@link watchMetrics}, whose example calls it.
 */
export interface WatchHealthMetrics {
  /** A watch event arrived (`capstan_watch_events_total{watch,type}` + 1). */
  eventReceived(watch: string, eventType: 'ADDED' | 'MODIFIED' | 'DELETED'): void;
  /** A bookmark arrived (`capstan_watch_bookmarks_total{watch}` + 1). */
  bookmarkReceived(watch: string): void;
  /** A full list started, for `cause` (`initial`, `gone`, `continueExpired`): `capstan_watch_relists_total` + 1. */
  relisted(watch: string, cause: string): void;
  /** A 410 Gone arrived; counts nothing of its own (the relist it causes is counted with cause `gone`). */
  goneReceived(watch: string): void;
  /** A watch was reopened from a known resourceVersion (`capstan_watch_reconnects_total{watch}` + 1). */
  reconnected(watch: string): void;
  /** The last event, bookmark or completed list, in seconds since the epoch: the base of `capstan_watch_seconds_since_last_activity`. */
  lastActivity(watch: string, epochSeconds: number): void;
  /** A list or watch request failed with `code` (`capstan_watch_errors_total{watch,code}` + 1). */
  errorReceived(watch: string, code: string): void;
  /** Report `watch`'s time unable to resume (seconds, 0 while it works) through `seconds`, read at each scrape. */
  unresumed(watch: string, seconds: () => number): void;
}

interface State {
  lastActivity: Map<string, number>;
  unresumed: Map<string, () => number>;
}

const states = new WeakMap<Registry, State>();

/**
 * Watch health per watch (an informer's name, e.g. `helloworlds`, `configmaps (labels "…")`), under Capstan's
 * prefix (controller-runtime exports none of these; client-go's reflector metrics were removed):
 * - `capstan_watch_events_total{watch,type}`, `capstan_watch_bookmarks_total{watch}`;
 * - `capstan_watch_relists_total{watch,cause}`: full lists, `initial` once, then `gone` (a 410) or
 *   `continueExpired`; a rising `gone` rate means watches fall behind the server's history;
 * - `capstan_watch_reconnects_total{watch}`: watches reopened from a known resourceVersion;
 * - `capstan_watch_errors_total{watch,code}`: failed list or watch requests by HTTP status, Capstan error code
 *   (`INACTIVITY_TIMEOUT`) or system error code (`ECONNREFUSED`);
 * - `capstan_watch_seconds_since_last_activity{watch}`: since the last event, bookmark or completed list (the
 *   server sends a bookmark about once a minute, so a healthy watch stays under ~60 s even when nothing changes);
 * - `capstan_watch_unresumed_seconds{watch}`: how long the watch has been unable to resume, 0 while it works:
 *   what `/readyz` compares with its bound.
 *
 * @example
 * ```ts
 * import { Registry } from 'prom-client';
 * import { watchMetrics } from 'capstan/metrics';
 * const registry = new Registry();
 * const metrics = watchMetrics(registry);
 * metrics.errorReceived('configmaps', '503');
 * metrics.unresumed('configmaps', () => 12);
 * console.log(await registry.getSingleMetricAsString('capstan_watch_unresumed_seconds'));
 * ```
 */
export function watchMetrics(registry: Registry = register): WatchHealthMetrics {
  let state = states.get(registry);
  if (!state) {
    state = { lastActivity: new Map(), unresumed: new Map() };
    states.set(registry, state);
  }
  const { lastActivity, unresumed } = state;
  const counter = (name: string, help: string, labelNames: string[]) =>
    registered(registry, name, () => new Counter({ name, help, labelNames, registers: [registry] }));
  const events = counter('capstan_watch_events_total', 'Watch events received, by watch and type.', ['watch', 'type']);
  const bookmarks = counter('capstan_watch_bookmarks_total', 'Watch bookmarks received, by watch.', ['watch']);
  const relists = counter('capstan_watch_relists_total', 'Full lists, by watch and cause (initial, gone, continueExpired).', [
    'watch',
    'cause',
  ]);
  const reconnects = counter('capstan_watch_reconnects_total', 'Watches reopened from a known resourceVersion, by watch.', ['watch']);
  const errors = counter('capstan_watch_errors_total', 'Failed list or watch requests, by watch and code.', ['watch', 'code']);
  registered(
    registry,
    'capstan_watch_seconds_since_last_activity',
    () =>
      new Gauge({
        name: 'capstan_watch_seconds_since_last_activity',
        help: 'Seconds since the last watch event, bookmark or completed list, by watch.',
        labelNames: ['watch'],
        registers: [registry],
        collect() {
          const now = Date.now() / 1000;
          for (const [watch, at] of lastActivity) this.set({ watch }, Math.max(0, now - at));
        },
      }),
  );
  registered(
    registry,
    'capstan_watch_unresumed_seconds',
    () =>
      new Gauge({
        name: 'capstan_watch_unresumed_seconds',
        help: 'Seconds the watch has been unable to resume (0 while it works), by watch.',
        labelNames: ['watch'],
        registers: [registry],
        collect() {
          for (const [watch, seconds] of unresumed) this.set({ watch }, seconds());
        },
      }),
  );
  return {
    eventReceived: (watch, type) => events.inc({ watch, type }),
    bookmarkReceived: (watch) => bookmarks.inc({ watch }),
    relisted: (watch, cause) => relists.inc({ watch, cause }),
    // Counted as a relist with cause `gone` when the list starts; nothing of its own.
    goneReceived: () => undefined,
    reconnected: (watch) => reconnects.inc({ watch }),
    lastActivity: (watch, epochSeconds) => void lastActivity.set(watch, epochSeconds),
    errorReceived: (watch, code) => errors.inc({ watch, code }),
    unresumed: (watch, seconds) => void unresumed.set(watch, seconds),
  };
}
