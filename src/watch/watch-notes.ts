import { watchErrorCode } from './watch-health.ts';
import type { RelistCause, WatchSignal } from './watch-machine.ts';

/** Everything that happens to a watcher, for metrics, logs and test timelines. `at` is monotonic ms. */
export type WatchNote = (
  | WatchSignal
  | { type: 'listRequested'; continueToken: string | undefined }
  /** `sendInitialEvents`: a streaming list, which names no resourceVersion (`''`) and is never a reconnect. */
  | { type: 'watchRequested'; resourceVersion: string; reconnect: boolean; sendInitialEvents?: true }
  | { type: 'backoff'; delayMs: number }
  | { type: 'inactivityTimeout'; silentMs: number }
) & { at: number };

/** Receives every {@link WatchNote} of one watcher; it must not throw or block. */
export type WatchObserver = (note: WatchNote) => void;

/**
 * Where watch metrics go; the manager wires it to Prometheus. `watch` names the watcher (its resource by
 * default). Connect it with {@link watchMetricsObserver}.
 *
 * @example
 * ```ts
 * import { watchMetricsObserver, type WatchMetrics } from 'capstan/watch';
 * const counts = new Map<string, number>();
 * const bump = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
 * const metrics: WatchMetrics = {
 *   eventReceived: (w, type) => bump(`${w} ${type}`), bookmarkReceived: (w) => bump(`${w} bookmark`),
 *   relisted: (w, cause) => bump(`${w} relist ${cause}`), goneReceived: (w) => bump(`${w} 410`),
 *   reconnected: (w) => bump(`${w} reconnect`), lastActivity: () => {},
 * };
 * const observer = watchMetricsObserver(metrics, 'configmaps');
 * observer({ type: 'bookmark', resourceVersion: '5', at: 0 });
 * ```
 */
export interface WatchMetrics {
  eventReceived(watch: string, eventType: 'ADDED' | 'MODIFIED' | 'DELETED'): void;
  bookmarkReceived(watch: string): void;
  /** A full list started; `initial` once, then after a 410 or an expired continue token. */
  relisted(watch: string, cause: RelistCause): void;
  goneReceived(watch: string): void;
  /** A watch was reopened from a known resourceVersion (after an error, an inactivity timeout or a normal end). */
  reconnected(watch: string): void;
  /** Wall-clock time (seconds since the epoch) of the last event or bookmark: "seconds since" is now minus it. */
  lastActivity(watch: string, epochSeconds: number): void;
  /** A list or watch request failed; `code` is {@link watchErrorCode}'s label for the error. */
  errorReceived?(watch: string, code: string): void;
}

/** An observer that forwards notes to a {@link WatchMetrics}. */
export function watchMetricsObserver(metrics: WatchMetrics, watch: string): WatchObserver {
  return (note) => {
    switch (note.type) {
      case 'event':
        metrics.eventReceived(watch, note.eventType);
        metrics.lastActivity(watch, Date.now() / 1000);
        break;
      case 'bookmark':
        metrics.bookmarkReceived(watch);
        metrics.lastActivity(watch, Date.now() / 1000);
        break;
      case 'relistStarted':
        metrics.relisted(watch, note.cause);
        break;
      case 'relistDone':
        metrics.lastActivity(watch, Date.now() / 1000);
        break;
      case 'gone':
        metrics.goneReceived(watch);
        break;
      case 'error':
        metrics.errorReceived?.(watch, watchErrorCode(note.error));
        break;
      case 'watchRequested':
        if (note.reconnect) metrics.reconnected(watch);
        break;
      default:
        break;
    }
  };
}
