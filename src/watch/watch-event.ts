import type { ListOptions, WatchRequestOptions, WatchStream } from '../client/index.ts';
import type { ObjectList, ResourceDescriptor } from '../core/index.ts';

/**
 * What a watcher tells its consumer, in order (kube-rs `watcher::Event`):
 * - `init`, then one `initApply` per listed object, then `initDone`: a complete (re)list. A consumer that
 *   keeps a store collects the `initApply` objects and swaps them in at `initDone`, atomically, so that
 *   objects deleted while the watch was away disappear. `init` may come again before `initDone` if the
 *   list had to start over; then discard what was collected.
 * - `apply`: an object was added or modified; `delete`: an object was deleted (its last state).
 *
 * @example
 * ```ts
 * import type { WatchEvent } from 'capstan/watch';
 * import type { ConfigMap } from 'capstan';
 * function describe(event: WatchEvent<ConfigMap>): string {
 *   return event.type === 'apply' || event.type === 'delete' || event.type === 'initApply'
 *     ? `${event.type} ${event.object.metadata.name}` : event.type;
 * }
 * ```
 */
export type WatchEvent<T> =
  | {
      /** A (re)list begins: start collecting, and drop what an unfinished earlier `init` collected. */
      type: 'init';
    }
  | {
      /** One object of the list. */
      type: 'initApply';
      /** The object as listed. */
      object: T;
    }
  | {
      /** The list is complete: swap the collected objects in, whole. */
      type: 'initDone';
    }
  | {
      /** An object was added or modified. */
      type: 'apply';
      /** Its new state. */
      object: T;
    }
  | {
      /** An object was deleted. */
      type: 'delete';
      /** Its last state. */
      object: T;
    };

/**
 * What a watcher lists and watches: a client's `ResourceClient` (or `client.metadata(kind)`) fits.
 *
 * @example
 * ```ts
 * import { ConfigMap } from 'capstan';
 * import { KubeClient } from 'capstan/client';
 * import type { ListWatchSource } from 'capstan/watch';
 * const client = await KubeClient.fromKubeconfig();
 * const source: ListWatchSource<ConfigMap> = client.resource(ConfigMap);
 * console.log(source.kind.plural);
 * await client.close();
 * ```
 */
export interface ListWatchSource<T> {
  /** The resource listed and watched; its plural names the watch in messages. */
  readonly kind: ResourceDescriptor;
  /** Read one page of the collection, as {@link capstan/client!ResourceClient.list} does. */
  list(options: ListOptions): Promise<ObjectList<T>>;
  /** Open a watch, resolving once the server accepted it, as {@link capstan/client!ResourceClient.watch} does. */
  watch(options: WatchRequestOptions): Promise<WatchStream<T>>;
}
