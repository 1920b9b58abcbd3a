import { type CacheMetrics, Informer } from '../cache/index.ts';
import type { KubeClient } from '../client/index.ts';
import type { Logger, ObjectChange } from '../controller/index.ts';
import type { Kind, KubeObject } from '../core/index.ts';
import type { WatchNote } from '../watch/index.ts';
import type { ManagedSource, SourceFactory, SourceScope } from './sources.ts';

/**
 * Caches built on the `cache` layer's {@link Informer}: list+watch with relists, reconnect backoff and the
 * inactivity timeout, `managedFields` stripped. Watch trouble is logged (once per failure, at warn) and
 * never stops the cache. `metrics` hears each cache's size after every change (the manager's
 * `capstan_cache_objects`).
 */
export function cacheSourceFactory(
  client: KubeClient,
  log: Logger,
  options: { inactivityTimeoutMs?: number | undefined; metrics?: CacheMetrics | undefined } = {},
): SourceFactory {
  return <T extends KubeObject>(kind: Kind<T>, scope: SourceScope): ManagedSource<T> => {
    const informer = new Informer<T>(client.resource(kind), {
      ...(options.inactivityTimeoutMs === undefined ? {} : { inactivityTimeoutMs: options.inactivityTimeoutMs }),
      namespace: scope.namespace,
      labelSelector: scope.labelSelector,
      onNote: (note) => logNote(log, kind, note),
      ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    });
    return {
      description: informer.name,
      get: (key) => informer.store.get(key),
      list: () => informer.store.list(),
      resourceVersionOf: (key) => informer.store.get(key)?.metadata.resourceVersion,
      latestResourceVersion: () => informer.latestResourceVersion,
      get synced() {
        return informer.synced;
      },
      subscribe: (listener: (change: ObjectChange<T>) => void) =>
        informer.subscribe((change) => {
          if (change.type === 'deleted') listener({ type: 'delete', object: change.object });
          else listener({ type: 'apply', object: change.object, old: change.type === 'updated' ? change.previous : undefined });
        }),
      run: (signal) => informer.run(signal),
      waitForSync: (signal) => informer.waitForSync({ signal }),
    };
  };
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
    default:
      break;
  }
}
