import type { KubeObject } from '../core/index.ts';
import type { Store, StoreChange } from './store.ts';

/**
 * A cache as its readers use it: read it (the {@link Store} methods), be told of every change in the cache's own
 * vocabulary ({@link StoreChange}), and know how far it has caught up. An {@link Informer} is one, kept current by
 * a watch; a {@link MemoryStore} is one too, written by hand (a controller's unit tests use it). The controller
 * takes its caches as this, so nothing translates between the cache and the controller.
 *
 * @example
 * ```ts
 * import type { ObjectCache } from 'capstan/cache';
 * import type { ConfigMap } from 'capstan';
 * function logChanges(cache: ObjectCache<ConfigMap>): () => void {
 *   return cache.subscribe((change) => console.log(cache.name, change.type, change.object.metadata.name));
 * }
 * ```
 */
export interface ObjectCache<T extends KubeObject> extends Store<T> {
  /** Names the cache in logs, metrics and `/readyz` (the resource and its scope). */
  readonly name: string;
  /** True once the first complete list is in. */
  readonly synced: boolean;
  /**
   * The newest resourceVersion among the changes applied: every change of the cache's objects up to it is
   * reflected, deletions included, so an object absent from the cache was deleted (or left its scope) after
   * any version of it up to this one. `undefined` before the first change.
   */
  readonly latestResourceVersion: string | undefined;
  /** Call `listener` for every later change, those a relist implies included; returns the unsubscriber. */
  subscribe(listener: (change: StoreChange<T>) => void): () => void;
}
