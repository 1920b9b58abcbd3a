import { type KubeObject, type LabelSelector, UsageError } from '../core/index.ts';
import type { ObjectCache } from './object-cache.ts';
import type { StoreChange } from './store.ts';

/**
 * One cache over a set of namespaces, made of one cache per namespace (controller-runtime's multi-namespace
 * cache): an operator that serves namespaces `a` and `b` watches each of them, and nothing else, so a Role in
 * each suffices. Reads route by namespace; a read of another namespace is refused rather than answered empty.
 *
 * @example
 * ```ts
 * import { MemoryStore, NamespacesCache } from 'capstan/cache';
 * import type { ConfigMap } from 'capstan';
 * const cache = new NamespacesCache<ConfigMap>(new Map([['a', new MemoryStore<ConfigMap>()], ['b', new MemoryStore<ConfigMap>()]]));
 * console.log(cache.name, cache.list().length); // 'namespaces a, b' 0
 * ```
 */
export class NamespacesCache<T extends KubeObject> implements ObjectCache<T> {
  readonly name: string;
  private readonly parts: ReadonlyMap<string, ObjectCache<T>>;

  /** `parts`: the cache of each namespace, by namespace. */
  constructor(parts: ReadonlyMap<string, ObjectCache<T>>) {
    if (parts.size === 0) throw new UsageError('INVALID_ARGUMENT', 'NamespacesCache: give at least one namespace');
    this.parts = parts;
    this.name = `namespaces ${[...parts.keys()].join(', ')}`;
  }

  get synced(): boolean {
    return [...this.parts.values()].every((c) => c.synced);
  }

  /**
   * The oldest of the parts' newest versions: every part has applied every change up to it (resourceVersions are
   * etcd revisions, one sequence for the whole cluster), so an object absent at that version was deleted since.
   */
  get latestResourceVersion(): string | undefined {
    let oldest: string | undefined;
    for (const cache of this.parts.values()) {
      const latest = cache.latestResourceVersion;
      if (latest === undefined) return undefined;
      if (oldest === undefined || BigInt(latest) < BigInt(oldest)) oldest = latest;
    }
    return oldest;
  }

  get size(): number {
    let size = 0;
    for (const cache of this.parts.values()) size += cache.size;
    return size;
  }

  get(key: string): T | undefined {
    return this.part(key.slice(0, Math.max(0, key.indexOf('/')))).get(key);
  }

  list(filter: { namespace?: string; labelSelector?: LabelSelector } = {}): T[] {
    if (filter.namespace !== undefined) return this.part(filter.namespace).list(filter);
    return [...this.parts.values()].flatMap((c) => c.list(filter));
  }

  keys(): string[] {
    return [...this.parts.values()].flatMap((c) => c.keys());
  }

  byIndex(index: string, value: string): T[] {
    return [...this.parts.values()].flatMap((c) => c.byIndex(index, value));
  }

  subscribe(listener: (change: StoreChange<T>) => void): () => void {
    const stops = [...this.parts.values()].map((c) => c.subscribe(listener));
    return () => {
      for (const stop of stops) stop();
    };
  }

  private part(namespace: string): ObjectCache<T> {
    const cache = this.parts.get(namespace);
    if (!cache) {
      throw new UsageError('INVALID_ARGUMENT', `${this.name}: namespace "${namespace}" is not one of them; the operator reads only those`);
    }
    return cache;
  }
}
