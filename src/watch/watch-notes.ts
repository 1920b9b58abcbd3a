import { watchErrorCode } from './watch-health.ts';
import type { RelistCause, WatchSignal } from './watch-machine.ts';

/**
 * Everything that happens to a watcher, for metrics, logs and test timelines: the {@link WatchSignal}s of the
 * protocol, plus the requests it sends and the waits it makes. `at` is monotonic ms.
 *
 * @example
 * ```ts
 * import type { WatchNote } from 'capstan/watch';
 * function logNote(note: WatchNote): void {
 *   if (note.type === 'error') console.warn(`the ${note.during} request failed`, note.error);
 *   else if (note.type === 'backoff') console.info(`next attempt in ${Math.round(note.delayMs)} ms`);
 *   else if (note.type === 'relistDone') console.info(`synced: ${note.objects} objects at ${note.resourceVersion}`);
 * }
 * ```
 */
export type WatchNote = (
  | WatchSignal
  | {
      /** A list page is requested (a plain list: the streaming list is not available). */
      type: 'listRequested';
      /** The continue token of the page; undefined for the first page. */
      continueToken: string | undefined;
    }
  | {
      /** A watch, or a streaming list, is requested. */
      type: 'watchRequested';
      /** The version it resumes from; `''` for a streaming list. */
      resourceVersion: string;
      /** True when the previous request was a watch too (it ended or failed): a reconnect, not the watch after a list. */
      reconnect: boolean;
      /** Set for a streaming list, which names no resourceVersion (`''`) and is never a reconnect. */
      sendInitialEvents?: true;
    }
  | {
      /** The watcher waits before its next request. */
      type: 'backoff';
      /** How long, in ms. */
      delayMs: number;
    }
  | {
      /** An open watch was silent past the inactivity timeout: it is presumed dead and closed. */
      type: 'inactivityTimeout';
      /** How long it was silent, in ms. */
      silentMs: number;
    }
) & {
  /** When it happened, on the watcher's clock: monotonic ms (`performance.now()` unless a clock is injected). */
  at: number;
};

/**
 * Receives every {@link WatchNote} of one watcher; it must not throw or block.
 *
 * @example
 * ```ts
 * import { WatchHealth, type WatchObserver, WatchStats } from 'capstan/watch';
 * const stats = new WatchStats();
 * const health = new WatchHealth();
 * // One watcher, several observers: pass this as the watcher's onNote.
 * const onNote: WatchObserver = (note) => {
 *   stats.observe(note);
 *   health.observe(note);
 * };
 * ```
 */
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
  /** An object event arrived on an open watch (the objects of a list are not events). */
  eventReceived(watch: string, eventType: 'ADDED' | 'MODIFIED' | 'DELETED'): void;
  /** A bookmark arrived on an open watch. */
  bookmarkReceived(watch: string): void;
  /** A full list started; `initial` once, then after a 410 or an expired continue token. */
  relisted(watch: string, cause: RelistCause): void;
  /** A 410 answered a watch or a list page: the resourceVersion or continue token expired, and a relist follows. */
  goneReceived(watch: string): void;
  /** A watch was reopened from a known resourceVersion (after an error, an inactivity timeout or a normal end). */
  reconnected(watch: string): void;
  /** Wall-clock time (seconds since the epoch) of the last event or bookmark: "seconds since" is now minus it. */
  lastActivity(watch: string, epochSeconds: number): void;
  /** A list or watch request failed; `code` is {@link watchErrorCode}'s label for the error. */
  errorReceived?(watch: string, code: string): void;
}

/**
 * An observer that forwards notes to a {@link WatchMetrics}, labelled `watch`; pass it as the watcher's `onNote`.
 *
 * @example
 * ```ts
 * import { ConfigMap } from 'capstan';
 * import { KubeClient } from 'capstan/client';
 * import { watcher, watchMetricsObserver, type WatchMetrics } from 'capstan/watch';
 * declare const metrics: WatchMetrics; // your counters and gauges
 * const client = await KubeClient.fromKubeconfig();
 * const onNote = watchMetricsObserver(metrics, 'configmaps');
 * for await (const event of watcher(client.resource(ConfigMap), { onNote, signal: AbortSignal.timeout(60_000) })) {
 *   if (event.type === 'apply') console.log(event.object.metadata.name);
 * }
 * await client.close();
 * ```
 */
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
