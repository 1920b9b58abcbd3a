import { type CacheMetrics, Informer, slimManagedFields } from '../cache/index.ts';
import type { KubeClient, ResourceClient } from '../client/index.ts';
import type { Kind, KubeObject, Logger } from '../core/index.ts';
import type { WatchMetrics, WatchNote } from '../watch/index.ts';
import type { CacheFactory, CacheScope, ManagedCache } from './caches.ts';

/**
 * Caches built on the `cache` layer's {@link Informer}: list+watch with relists, reconnect backoff and the
 * inactivity timeout, `managedFields` slimmed to what applying children needs ({@link slimManagedFields}). Watch trouble is logged (once per failure, at warn) and
 * never stops the cache. `metrics` hears each cache's size after every change (the manager's
 * `capstan_cache_objects`); `watchMetrics` hears each watch's events, relists, reconnects and errors (`capstan_watch_*`). The informer is the cache the controllers read: nothing translates between them.
 */
export function informerFactory(
  client: KubeClient,
  log: Logger,
  options: { inactivityTimeoutMs?: number | undefined; metrics?: CacheMetrics | undefined; watchMetrics?: WatchMetrics | undefined } = {},
): CacheFactory {
  return <T extends KubeObject>(kind: Kind<T>, scope: CacheScope): ManagedCache<T> =>
    new Informer<T>(scope.metadataOnly ? (client.metadata(kind) as unknown as ResourceClient<T>) : client.resource(kind), {
      ...(options.inactivityTimeoutMs === undefined ? {} : { inactivityTimeoutMs: options.inactivityTimeoutMs }),
      namespace: scope.namespace,
      transform: slimManagedFields,
      labelSelector: scope.labelSelector,
      fieldSelector: scope.fieldSelector,
      onNote: (note) => logNote(log, kind, note),
      ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
      ...(options.watchMetrics === undefined ? {} : { watchMetrics: options.watchMetrics }),
    });
}

function logNote(log: Logger, kind: Kind, note: WatchNote): void {
  switch (note.type) {
    case 'error':
      log.warn(
        { resource: kind.plural, during: note.during, err: (note.error as Error).message },
        'watch request failed; retrying with backoff',
      );
      break;
    case 'inactivityTimeout':
      log.warn({ resource: kind.plural, silentMs: note.silentMs }, 'watch silent past its inactivity timeout; reconnecting');
      break;
    case 'relistStarted':
      log.info({ resource: kind.plural, cause: note.cause }, 'listing');
      break;
    case 'streamingListFallback':
      log.info({ resource: kind.plural, reason: note.reason }, 'the API server does not stream lists; listing instead');
      break;
    default:
      break;
  }
}
