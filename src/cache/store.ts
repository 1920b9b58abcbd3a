import { type KubeObject, type LabelSelector, matchesLabelSelector, objectKey, UsageError } from '../core/index.ts';
import type { WatchEvent } from '../watch/index.ts';
import type { ObjectCache } from './object-cache.ts';

/**
 * Index functions by index name: each returns the values an object is filed under (none, one or many), and
 * `byIndex(name, value)` finds the objects filed under a value. An index function runs on every change, so it
 * should be cheap and read only the object. `namespace` is built in ({@link namespaceIndex}).
 *
 * @example
 * ```ts
 * import { Pod } from 'capstan';
 * import { Informer, type Indexers } from 'capstan/cache';
 * import type { KubeClient } from 'capstan/client';
 * declare const client: KubeClient;
 * const indexers: Indexers<Pod> = { byNode: (pod) => (pod.spec?.nodeName ? [pod.spec.nodeName] : []) };
 * const pods = new Informer(client.resource(Pod), { indexers });
 * const onWorker1 = pods.byIndex('byNode', 'worker-1');
 * ```
 */
export type Indexers<T> = Record<string, (object: T) => readonly string[]>;

/**
 * A change the store made, told to subscribers synchronously once the store shows it: what a controller turns
 * into work-queue keys. A relist tells the difference it made: objects gone as `deleted`, new ones as `added`,
 * and those whose resourceVersion changed as `updated`.
 *
 * @noExample What {@link ObjectCache.subscribe} hands a listener; the example of {@link ObjectCache} reads one.
 */
export type StoreChange<T> =
  | {
      /** The object is new to the store: created, or first seen by a list. */
      type: 'added';
      /** The object as stored. */
      object: T;
    }
  | {
      /** The object replaced a state of it the store held. */
      type: 'updated';
      /** The new state. */
      object: T;
      /** The state it replaced. */
      previous: T;
    }
  | {
      /** The object left the store: deleted, no longer in the cache's scope, or missing from a relist. */
      type: 'deleted';
      /** Its last state: the one the deletion event carried, or the stored one when a relist found it gone. */
      object: T;
    };

/**
 * The read side of a cache: lookups by key (`namespace/name`), by index, and filtered lists. What it
 * returns is shared with the cache: treat it as read-only (copy before changing).
 *
 * @example
 * ```ts
 * import type { Store } from 'capstan/cache';
 * import type { ConfigMap } from 'capstan';
 * function messageOf(store: Store<ConfigMap>, key: string): string | undefined {
 *   return store.get(key)?.data?.['message'];
 * }
 * ```
 */
export interface Store<T> {
  /** The object with key `namespace/name` (or `name` for cluster-scoped kinds). */
  get(key: string): T | undefined;
  /** Every object, or those in one namespace and/or matching a label selector. */
  list(filter?: { namespace?: string; labelSelector?: LabelSelector }): T[];
  /** The keys (`namespace/name`, or `name`) of every object held, in no set order. */
  keys(): string[];
  /** Objects filed under `value` by the indexer `index` (`namespace` is always indexed); an unknown index throws. */
  byIndex(index: string, value: string): T[];
  /** The number of objects held. */
  readonly size: number;
}

/**
 * The name of the built-in index: objects by namespace (cluster-scoped objects under `''`). Every
 * {@link MemoryStore} has it, and refuses an indexer of that name.
 *
 * @example
 * ```ts
 * import type { ConfigMap } from 'capstan';
 * import { namespaceIndex, type Store } from 'capstan/cache';
 * declare const configMaps: Store<ConfigMap>;
 * const inDemo = configMaps.byIndex(namespaceIndex, 'demo'); // the same as configMaps.list({ namespace: 'demo' })
 * ```
 */
export const namespaceIndex = 'namespace';

/**
 * An in-memory store with indexes, written by watch events (see {@link reflect}). A relist is collected
 * aside and swapped in at `initDone`, so readers see either the old or the new list, never half of one,
 * and the swap reports objects that disappeared as `deleted`.
 *
 * @example
 * ```ts
 * import { MemoryStore } from 'capstan/cache';
 * import type { ConfigMap } from 'capstan';
 * const store = new MemoryStore<ConfigMap>({ byApp: (cm) => (cm.metadata.labels?.['app'] ? [cm.metadata.labels['app']] : []) });
 * store.applyEvent({ type: 'apply', object: { metadata: { namespace: 'a', name: 'x', labels: { app: 'web' } } } });
 * console.log(store.byIndex('byApp', 'web').length); // 1
 * ```
 */
export class MemoryStore<T extends KubeObject> implements ObjectCache<T> {
  readonly name: string;
  private listed = false;
  private objects = new Map<string, T>();
  private pending: Map<string, T> | undefined;
  private indexers: Indexers<T>;
  private indices = new Map<string, Map<string, Set<string>>>();
  private readonly listeners = new Set<(change: StoreChange<T>) => void>();
  private latest: string | undefined;
  private pendingLatest: string | undefined;

  /**
   * @param indexers - Indexes besides the built-in `namespace`; more can be added later with
   *   {@link MemoryStore.addIndexer}.
   * @param options - `name` names it in messages (default `memory`).
   * @throws `UsageError` (`capstan/core`) `INVALID_ARGUMENT` for an indexer named `namespace`.
   */
  constructor(indexers: Indexers<T> = {}, options: { name?: string } = {}) {
    this.name = options.name ?? 'memory';
    if (namespaceIndex in indexers)
      throw new UsageError('INVALID_ARGUMENT', `the index name "${namespaceIndex}" is built in; pick another`);
    this.indexers = { ...indexers, [namespaceIndex]: (object) => [object.metadata.namespace ?? ''] };
    this.rebuildIndices();
  }

  get size(): number {
    return this.objects.size;
  }

  /** True once a complete list is in: the first `initDone` applied. */
  get synced(): boolean {
    return this.listed;
  }

  get(key: string): T | undefined {
    return this.objects.get(key);
  }

  keys(): string[] {
    return [...this.objects.keys()];
  }

  list(filter: { namespace?: string; labelSelector?: LabelSelector } = {}): T[] {
    const candidates = filter.namespace === undefined ? [...this.objects.values()] : this.byIndex(namespaceIndex, filter.namespace);
    const selector = filter.labelSelector;
    return selector ? candidates.filter((o) => matchesLabelSelector(o.metadata.labels, selector)) : candidates;
  }

  byIndex(index: string, value: string): T[] {
    const byValue = this.indices.get(index);
    if (!byValue) throw new UsageError('INVALID_ARGUMENT', `no index "${index}" (indexes: ${[...this.indices.keys()].join(', ')})`);
    return [...(byValue.get(value) ?? [])].map((key) => this.objects.get(key)!);
  }

  /**
   * Add an index (before or after objects are in: they are filed at once). Adding the same function under
   * the same name again does nothing; another function under a name in use is refused.
   */
  addIndexer(name: string, indexer: (object: T) => readonly string[]): void {
    const existing = this.indexers[name];
    if (existing === indexer) return;
    if (existing)
      throw new UsageError('INVALID_ARGUMENT', `the index "${name}" of ${this.name} exists with another function; pick another name`);
    this.indexers = { ...this.indexers, [name]: indexer };
    this.rebuildIndices();
  }

  /** Call `listener` for every change from now on; returns the function that unsubscribes. */
  subscribe(listener: (change: StoreChange<T>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The newest resourceVersion among the events applied (a relist's at its `initDone`): watch events come
   * in resourceVersion order, so every change of the store's objects up to it is reflected, deletions
   * included. An object absent from the store was therefore deleted (or left the selection) after any
   * version of it up to this one. `undefined` before the first event.
   */
  get latestResourceVersion(): string | undefined {
    return this.latest;
  }

  /**
   * Apply one watch event: `apply` and `delete` at once; a relist (`init`, `initApply`…, `initDone`) collected
   * aside and swapped in at `initDone`. Subscribers are told after the store, and its
   * {@link MemoryStore.latestResourceVersion}, show the change.
   */
  applyEvent(event: WatchEvent<T>): void {
    switch (event.type) {
      case 'init':
        this.pending = new Map();
        this.pendingLatest = undefined;
        break;
      case 'initApply':
        (this.pending ??= new Map()).set(objectKey(event.object), event.object);
        this.pendingLatest = newerVersion(this.pendingLatest, event.object.metadata.resourceVersion);
        break;
      // The latest version moves before the change is told, so a listener sees the store as a whole.
      case 'initDone':
        this.latest = newerVersion(this.latest, this.pendingLatest);
        this.listed = true;
        this.swap(this.pending ?? new Map<string, T>());
        this.pending = undefined;
        break;
      case 'apply':
        this.latest = newerVersion(this.latest, event.object.metadata.resourceVersion);
        this.put(event.object);
        break;
      case 'delete':
        this.latest = newerVersion(this.latest, event.object.metadata.resourceVersion);
        this.remove(objectKey(event.object), event.object);
        break;
    }
  }

  private put(object: T): void {
    const key = objectKey(object);
    const previous = this.objects.get(key);
    if (previous) this.unindex(key, previous);
    this.objects.set(key, object);
    this.index(key, object);
    this.emit(previous ? { type: 'updated', object, previous } : { type: 'added', object });
  }

  private remove(key: string, last: T): void {
    const previous = this.objects.get(key);
    if (!previous) return;
    this.unindex(key, previous);
    this.objects.delete(key);
    this.emit({ type: 'deleted', object: last });
  }

  private swap(next: Map<string, T>): void {
    const before = this.objects;
    this.objects = next;
    this.rebuildIndices();
    for (const [key, object] of before) if (!next.has(key)) this.emit({ type: 'deleted', object });
    for (const [key, object] of next) {
      const previous = before.get(key);
      if (!previous) this.emit({ type: 'added', object });
      else if (previous.metadata.resourceVersion !== object.metadata.resourceVersion) this.emit({ type: 'updated', object, previous });
    }
  }

  private rebuildIndices(): void {
    this.indices = new Map(Object.keys(this.indexers).map((name) => [name, new Map<string, Set<string>>()]));
    for (const [key, object] of this.objects) this.index(key, object);
  }

  private index(key: string, object: T): void {
    for (const [name, indexer] of Object.entries(this.indexers)) {
      const byValue = this.indices.get(name)!;
      for (const value of indexer(object)) {
        let keys = byValue.get(value);
        if (!keys) byValue.set(value, (keys = new Set()));
        keys.add(key);
      }
    }
  }

  private unindex(key: string, object: T): void {
    for (const [name, indexer] of Object.entries(this.indexers)) {
      const byValue = this.indices.get(name)!;
      for (const value of indexer(object)) {
        const keys = byValue.get(value);
        keys?.delete(key);
        if (keys?.size === 0) byValue.delete(value);
      }
    }
  }

  private emit(change: StoreChange<T>): void {
    for (const listener of this.listeners) listener(change);
  }
}

/** The newer of two resourceVersions (etcd revisions, compared as integers); an opaque one replaces the other. */
function newerVersion(current: string | undefined, next: string | undefined): string | undefined {
  if (next === undefined) return current;
  if (current === undefined) return next;
  try {
    return BigInt(next) >= BigInt(current) ? next : current;
  } catch {
    return next;
  }
}

/**
 * Write each event of a watch stream into `store` and pass it on (kube-rs `reflector`): compose it with
 * other stream functions, or just drain it.
 *
 * @example
 * ```ts
 * import { ConfigMap } from 'capstan';
 * import { KubeClient } from 'capstan/client';
 * import { watcher } from 'capstan/watch';
 * import { MemoryStore, reflect } from 'capstan/cache';
 * const client = await KubeClient.fromKubeconfig();
 * const store = new MemoryStore<ConfigMap>();
 * const signal = AbortSignal.timeout(10_000);
 * for await (const event of reflect(store, watcher(client.resource(ConfigMap), { signal }))) {
 *   if (event.type === 'initDone') console.log(`${store.size} ConfigMaps`);
 * }
 * await client.close();
 * ```
 */
export async function* reflect<T extends KubeObject>(
  store: MemoryStore<T>,
  events: AsyncIterable<WatchEvent<T>>,
): AsyncGenerator<WatchEvent<T>, void, undefined> {
  for await (const event of events) {
    store.applyEvent(event);
    yield event;
  }
}
