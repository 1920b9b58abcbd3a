import { type KubeObject, type LabelSelector, UsageError } from '../core/index.ts';
import {
  type ListWatchSource,
  watcher,
  WatchHealth,
  type WatcherOptions,
  type WatchEvent,
  type WatchMetrics,
  watchMetricsObserver,
  type WatchObserver,
  WatchStats,
} from '../watch/index.ts';
import { CacheError } from './errors.ts';
import type { ObjectCache } from './object-cache.ts';
import { type Indexers, MemoryStore, type StoreChange } from './store.ts';
import { stripManagedFields, type Transform } from './transforms.ts';

/**
 * Where an {@link Informer} reports how many objects it holds. `cacheMetrics()` of `capstan/metrics` is one,
 * the `capstan_cache_objects` gauge; the manager wires it to its own caches.
 *
 * @example
 * ```ts
 * import { ConfigMap } from 'capstan';
 * import { Informer } from 'capstan/cache';
 * import type { KubeClient } from 'capstan/client';
 * import { cacheMetrics } from 'capstan/metrics';
 * declare const client: KubeClient;
 * const informer = new Informer(client.resource(ConfigMap), { metrics: cacheMetrics() });
 * ```
 */
export interface CacheMetrics {
  /** The number of objects the cache `cache` holds, after each change. */
  objectsInCache(cache: string, count: number): void;
}

/**
 * Options of an {@link Informer}: the watcher's (scope, timeouts, backoff) plus the cache's own.
 *
 * @noExample Options of {@link Informer}; its example shows them in use.
 */
export interface InformerOptions<T> extends Omit<WatcherOptions, 'signal'> {
  /** Extra indexes besides `namespace`. */
  indexers?: Indexers<T>;
  /** Applied to every object before it is stored; {@link stripManagedFields} by default. */
  transform?: Transform<T>;
  /** Names the cache in metrics and messages (the resource and scope by default). */
  name?: string;
  /** Told the number of objects after each change; none by default. */
  metrics?: CacheMetrics;
  /** Where the watch's events, bookmarks, relists, 410s, reconnects and last activity go, labelled with `name`. */
  watchMetrics?: WatchMetrics;
}

/**
 * A cache of one collection kept current by a {@link watcher}: an {@link ObjectCache} (read it, be told of changes),
 * with `run`, `waitForSync`, and the watch's counters in `stats`. Scope it with `namespace`,
 * `labelSelector` and `fieldSelector` (applied by the server). For a metadata-only cache, give it
 * `client.metadata(kind)` as the source: the server then sends `PartialObjectMetadata`, never spec or data.
 *
 * @example
 * ```ts
 * import { ConfigMap } from 'capstan';
 * import { KubeClient } from 'capstan/client';
 * import { Informer } from 'capstan/cache';
 * const client = await KubeClient.fromKubeconfig();
 * const informer = new Informer(client.resource(ConfigMap), {
 *   namespace: 'default', labelSelector: 'app.kubernetes.io/managed-by=capstan',
 *   indexers: { byMessage: (cm) => (cm.data?.['message'] ? [cm.data['message']] : []) },
 * });
 * const controller = new AbortController();
 * const running = informer.run(controller.signal);
 * await informer.waitForSync({ timeoutMs: 30_000 });
 * console.log(informer.byIndex('byMessage', 'hello').length);
 * controller.abort();
 * await running;
 * await client.close();
 * ```
 */
export class Informer<T extends KubeObject> implements ObjectCache<T> {
  readonly name: string;
  /**
   * The watch's counters (events, bookmarks, relists, 410s, reconnects, errors), its last activity and its last
   * error, which a `NOT_SYNCED` {@link CacheError} carries.
   */
  readonly stats = new WatchStats();
  /** Whether the watch keeps the cache current: how long it has been unable to resume, for `/readyz`. */
  readonly health = new WatchHealth();
  private readonly memory: MemoryStore<T>;
  private readonly source: ListWatchSource<T>;
  private readonly options: InformerOptions<T>;
  private readonly transform: Transform<T>;
  private running = false;
  private readonly syncWaiters = new Set<() => void>();

  /**
   * @param source - The collection to list and watch: `client.resource(kind)`, or `client.metadata(kind)` for
   *   metadata only.
   * @param options - Scope, indexes, transform, name and metrics; nothing is requested before {@link Informer.run}.
   */
  constructor(source: ListWatchSource<T>, options: InformerOptions<T> = {}) {
    this.source = source;
    this.options = options;
    this.memory = new MemoryStore<T>(options.indexers);
    this.transform = options.transform ?? stripManagedFields;
    const scope = [
      options.namespace && `namespace ${options.namespace}`,
      options.labelSelector && `labels ${JSON.stringify(options.labelSelector)}`,
      options.fieldSelector && `fields ${options.fieldSelector}`,
    ]
      .filter(Boolean)
      .join(', ');
    this.name = options.name ?? `${source.kind.plural}${scope ? ` (${scope})` : ''}`;
  }

  get(key: string): T | undefined {
    return this.memory.get(key);
  }

  list(filter?: { namespace?: string; labelSelector?: LabelSelector }): T[] {
    return this.memory.list(filter);
  }

  keys(): string[] {
    return this.memory.keys();
  }

  byIndex(index: string, value: string): T[] {
    return this.memory.byIndex(index, value);
  }

  get size(): number {
    return this.memory.size;
  }

  /** Add an index (see {@link MemoryStore.addIndexer}). */
  addIndexer(name: string, indexer: (object: T) => readonly string[]): void {
    this.memory.addIndexer(name, indexer);
  }

  /** The newest resourceVersion the cache has applied (see {@link MemoryStore.latestResourceVersion}). */
  get latestResourceVersion(): string | undefined {
    return this.memory.latestResourceVersion;
  }

  /** True once the first complete list is in the store. */
  get synced(): boolean {
    return this.stats.synced;
  }

  /** Call `listener` for every change of the store, including those a relist implies; returns the unsubscriber. */
  subscribe(listener: (change: StoreChange<T>) => void): () => void {
    return this.memory.subscribe(listener);
  }

  /**
   * List and watch until `signal` aborts; resolves then. It never rejects on API or network errors: those
   * are retried with backoff and reported in `stats` (and through `onNote`). One run at a time: a second
   * concurrent call throws a {@link UsageError} `INVALID_STATE`.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.running) throw new UsageError('INVALID_STATE', `informer ${this.name} is already running`);
    this.running = true;
    const toMetrics = this.options.watchMetrics ? watchMetricsObserver(this.options.watchMetrics, this.name) : undefined;
    const onNote: WatchObserver = (note) => {
      this.stats.observe(note);
      this.health.observe(note);
      toMetrics?.(note);
      this.options.onNote?.(note);
    };
    try {
      for await (const event of watcher(this.source, { ...this.options, signal, onNote })) {
        this.memory.applyEvent(this.transformed(event));
        this.options.metrics?.objectsInCache(this.name, this.memory.size);
        if (event.type === 'initDone') for (const wake of this.syncWaiters) wake();
      }
    } finally {
      this.running = false;
    }
  }

  /**
   * Resolve once the cache holds a complete list (at once if it does). With `timeoutMs`, reject after that long
   * with a `NOT_SYNCED` {@link CacheError} that carries the watch's last error; with `signal`, reject with its
   * reason; with neither, wait as long as it takes. It only waits: {@link Informer.run} must be running.
   */
  async waitForSync(options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<void> {
    if (this.synced) return;
    const { signal, timeoutMs } = options;
    signal?.throwIfAborted();
    await new Promise<void>((resolve, reject) => {
      const finish = (error?: Error) => {
        this.syncWaiters.delete(onSynced);
        signal?.removeEventListener('abort', onAbort);
        clearTimeout(timer);
        if (error === undefined) resolve();
        else reject(error);
      };
      const onSynced = () => finish();
      const onAbort = () => finish(signal?.reason instanceof Error ? signal.reason : new DOMException('waitForSync aborted', 'AbortError'));
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => finish(this.notSynced(timeoutMs)), timeoutMs);
      this.syncWaiters.add(onSynced);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private notSynced(timeoutMs: number): CacheError {
    const last = this.stats.lastError;
    const cause =
      last instanceof Error ? last.message : last === undefined ? 'none so far (is the informer running?)' : JSON.stringify(last);
    return new CacheError(
      'NOT_SYNCED',
      `cache of ${this.name} not synced after ${timeoutMs} ms; the watch's last error: ${cause}`,
      last === undefined ? undefined : { cause: last },
    );
  }

  private transformed(event: WatchEvent<T>): WatchEvent<T> {
    switch (event.type) {
      case 'apply':
      case 'delete':
      case 'initApply':
        return { type: event.type, object: this.transform(event.object) };
      default:
        return event;
    }
  }
}
