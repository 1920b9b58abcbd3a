import { randomUUID } from 'node:crypto';
import type { ObjectCache, StoreChange } from '../cache/index.ts';
import { isConflict, isNamespaceTerminating, type KubeClient } from '../client/index.ts';
import {
  apiVersionOf,
  CapstanError,
  type Clock,
  isCapstanError,
  type Kind,
  type KubeObject,
  type Logger,
  objectKey,
  silentLogger,
  systemClock,
  type Timer,
  UsageError,
} from '../core/index.ts';
import type { EventRecorder } from '../events/index.ts';
import { scopedSignal } from '../internal/scoped-signal.ts';
import type { ControllerMetrics } from '../metrics/index.ts';
import {
  type KeyBackoffOptions,
  type Priority,
  type QueueMetrics,
  type RateLimitOptions,
  type WorkOutcome,
  WorkQueue,
} from '../queue/index.ts';
import { groupKindKey, type ReconcileContext, reconcileContext } from './context.ts';
import { controllerReferenceOf, groupOf } from './owner-reference.ts';
import { isTemporaryError, isTerminalError, type ReconcileResult } from './result.ts';
import { Freshness } from './freshness.ts';
import type { Predicate } from './predicates.ts';
import { type CacheReads, type ReadSource, Reads } from './reads.ts';

/**
 * The function a controller runs for one key: read the object from `ctx`, converge, return a result. Throw to
 * fail: a {@link TerminalError} is not retried until the object's spec changes; anything else is retried with
 * backoff ({@link TemporaryError} may set the delay).
 *
 * @example
 * ```ts
 * import { ConfigMap } from 'capstan';
 * import { done, type Reconciler, TerminalError } from 'capstan/controller';
 * export const reconcile: Reconciler<ConfigMap> = async (ctx) => {
 *   if (!ctx.object) return done();
 *   if (ctx.object.data?.['replicas'] === '0') throw new TerminalError('replicas must be positive', { reason: 'InvalidSpec' });
 *   return done();
 * };
 * ```
 */
export type Reconciler<T extends KubeObject> = (ctx: ReconcileContext<T>) => Promise<ReconcileResult>;

/**
 * A further cache whose changes map to keys of the primary kind (`map` may read the caches, and be async).
 *
 * @noExample An element of {@link ControllerOptions.mapped}; the builder's `.watches` makes them.
 */
export interface MappedCache {
  /** The cache of the watched kind; the controller subscribes to its changes. */
  cache: ObjectCache<KubeObject>;
  /** The keys (`namespace/name`) of the primary objects to reconcile for a changed object; it may read the caches. */
  map: (object: KubeObject, reads: CacheReads) => readonly string[] | Promise<readonly string[]>;
  /** Only changes every predicate passes are mapped. */
  predicates?: readonly Predicate[];
}

/**
 * Keys a controller reconciles at once when it does not say (`.maxConcurrentReconciles`). Concurrency is cheap in
 * Node (a reconcile waiting on the API server holds a promise, not a thread) and one key is never reconciled twice
 * at once, so the default is the knee of a measurement, not controller-runtime's 1: the HelloWorld benchmark at
 * N = 1,000 (`BENCH_CAPSTAN_DEFAULT_WORKERS=<w> npm run bench -- --peers=capstan@defaults --n=1000 --runs=1` for w = 1,
 * 4, 16 and 64, one run each) converged in 44, 28, 24 and 18 s, with the operator's CPU falling as the number grew (6.7, 6.4, 5.1, 4.9 CPU-s:
 * more work per turn of the event loop) and its memory unchanged. Past 64 the API server is the limit: its
 * priority and fairness queues, not the operator, then decide. A reconcile that calls a rate-limited outside
 * service should set its own number.
 */
export const defaultMaxConcurrentReconciles = 64;

/**
 * Everything a running controller is made of; the manager (or a user, by hand) assembles it.
 *
 * @noExample Options of {@link Controller}; its example wires one by hand.
 */
export interface ControllerOptions<T extends KubeObject> {
  /** The controller's name: the `controller` label of its metrics and logs. */
  name: string;
  /** The primary kind: one reconcile per object of it. */
  kind: Kind<T>;
  /** The function run for each key. */
  reconcile: Reconciler<T>;
  /** The client of every write and live read. */
  client: KubeClient;
  /** The cache of the primary kind; the controller reads objects from it and reconciles each of its changes. */
  primary: ObjectCache<T>;
  /** Caches of owned kinds: a change of an object controlled by a `kind` object reconciles its owner. */
  owned?: ReadonlyArray<{
    /** The primary kind, as the children's controller references name it (matched on group and kind). */
    kind: Kind;
    /** The cache of the owned kind. */
    cache: ObjectCache<KubeObject>;
    /** Only changes every predicate passes reconcile the owner. */
    predicates?: readonly Predicate[];
  }>;
  /** Only changes of the primary object that every predicate passes enqueue it (e.g. `generationChanged`). */
  predicates?: ReadonlyArray<Predicate<T>>;
  /** Caches of watched kinds and their map functions. */
  mapped?: readonly MappedCache[];
  /** Records `ctx.recordEvent` and the Warning event of a terminal error; without it, Events are dropped. */
  events?: EventRecorder;
  /**
   * What `ctx.get` and `ctx.list` may read, each cache with its scope (the manager passes the primary, owned,
   * watched and read caches). Without it, a reconcile reads nothing but its own object.
   */
  reads?: readonly ReadSource[];
  /** The field manager of every write; default `capstan-<name>`. */
  fieldManager?: string;
  /** Keys reconciled at once; default 64 (see the builder's `.maxConcurrentReconciles`). A key is never reconciled twice at once. */
  maxConcurrentReconciles?: number;
  /** Per-key exponential backoff of retries; default 5 ms doubling to 1000 s. */
  backoff?: KeyBackoffOptions;
  /** The overall limit on retries (never on first adds); default 10/s with a burst of 100. */
  rateLimit?: RateLimitOptions;
  /**
   * A reconcile running longer has its signal aborted and counts as an error (retried with backoff); default none.
   * A reconcile that ignores its signal still holds its worker until it returns.
   */
  reconcileTimeoutMs?: number;
  /**
   * Every this long (shortened at random by up to `jitter` of it, default 0.1), every object of the primary cache
   * is queued again at low priority, as controller-runtime's `SyncPeriod`; default never.
   */
  resync?: {
    /** The period, in milliseconds. */
    everyMs: number;
    /** The largest fraction by which a period is shortened at random; default 0.1. */
    jitter?: number;
  };
  /** How long a reconcile waits for the cache to show the previous reconcile's writes; default 5 s. */
  readYourWritesTimeoutMs?: number;
  /** Aborts every reconcile when it ends, e.g. the leadership term: writes stop before another leader may start. */
  signal?: AbortSignal;
  /** controller-runtime's reconcile metrics (`controllerMetrics` of `capstan/metrics`); default none. */
  metrics?: ControllerMetrics;
  /** The work queue's metrics (`workqueueMetrics` of `capstan/metrics`); default none. */
  queueMetrics?: QueueMetrics;
  /** Where the controller logs, with `controller` on every line; default silent. */
  logger?: Logger;
  /** Time for the queue's backoff and rate limit, resync and read-your-writes waits; default the real clock. */
  clock?: Clock;
  /**
   * The reconciles' clock: what `ctx.now()` reads and what a `requeueAfter` (or a `TemporaryError`'s delay) waits
   * on; default `clock`. A test injects one it moves by hand (`fakeClock()` of `capstan/testing`).
   */
  reconcileClock?: Clock;
}

/**
 * Runs one reconciler over a work queue fed by caches. Level-triggered: a change of the primary object, of
 * an object it controls, or of a mapped object puts the primary's key in the queue; a worker reads the
 * object from the cache and reconciles it. A key is never reconciled twice at once; errors back off per
 * key; a {@link TerminalError} is counted, reported as a Warning event and not retried until the object's
 * generation changes.
 *
 * @example
 * ```ts
 * import { ConfigMap } from 'capstan';
 * import { Informer } from 'capstan/cache';
 * import { KubeClient } from 'capstan/client';
 * import { Controller, done } from 'capstan/controller';
 * const client = await KubeClient.fromKubeconfig();
 * const stop = new AbortController();
 * const primary = new Informer(client.resource(ConfigMap), { namespace: 'demo' });
 * void primary.run(stop.signal);
 * await primary.waitForSync({ timeoutMs: 30_000 });
 * const configMaps = new Controller({ name: 'configmaps', kind: ConfigMap, client, primary, reconcile: async () => done() });
 * configMaps.start();
 * process.once('SIGTERM', () => void configMaps.stop({ graceMs: 10_000 }).then(() => stop.abort()));
 * ```
 */
export class Controller<T extends KubeObject> {
  /** The controller's name: the `controller` label of its metrics and logs. */
  readonly name: string;
  private readonly options: ControllerOptions<T>;
  private readonly queue: WorkQueue<string>;
  private readonly freshness: Freshness;
  private readonly terminal = new Map<string, number | string | undefined>();
  /** Keys whose work ended because their namespace is being deleted, logged once each; forgotten when the object goes. */
  private readonly endedByNamespace = new Set<string>();
  private readonly unsubscribe: Array<() => void> = [];
  private readonly log: Logger;
  private readonly ownedCaches: Map<string, ObjectCache<KubeObject>>;
  private readonly reads: Reads;
  private started = false;
  private readonly clock: Clock;
  /** The reconciles' clock (`ctx.now()`, `requeueAfter`): the injected one, else {@link clock}. */
  private readonly reconcileClock: Clock;
  private resyncTimer: Timer | undefined;
  /** Keys reconciled at once: the option, else {@link defaultMaxConcurrentReconciles}. */
  private readonly workers: number;

  constructor(options: ControllerOptions<T>) {
    this.options = options;
    this.name = options.name;
    const clock = options.clock ?? systemClock;
    this.clock = clock;
    this.log = (options.logger ?? silentLogger).child({ controller: options.name });
    this.freshness = new Freshness(clock);
    this.ownedCaches = new Map((options.owned ?? []).map((o) => [groupKindKey(o.kind), o.cache]));
    this.reads = new Reads(options.name, options.reads ?? [], (kind) => options.client.resource(kind));
    this.reconcileClock = options.reconcileClock ?? clock;
    this.workers = options.maxConcurrentReconciles ?? defaultMaxConcurrentReconciles;
    this.queue = new WorkQueue<string>({
      concurrency: this.workers,
      backoff: options.backoff,
      rateLimit: options.rateLimit,
      clock,
      requeueClock: this.reconcileClock,
      metrics: options.queueMetrics,
      onWorkerError: (key, err) => this.log.error({ key, err }, 'reconcile worker failed'),
    });
  }

  /** Keys waiting for a worker. */
  get depth(): number {
    return this.queue.depth;
  }

  /**
   * Why a worker is stuck, or undefined: a reconcile running past its timeout plus `graceMs` has ignored its
   * aborted signal and holds its worker for good (only a restart frees it). Without a reconcile timeout nothing is
   * stuck: a long reconcile may be legitimate.
   */
  stuckReconcile(graceMs: number): string | undefined {
    const timeoutMs = this.options.reconcileTimeoutMs;
    if (timeoutMs === undefined) return undefined;
    const runningMs = this.queue.longestRunningMs;
    if (runningMs <= timeoutMs + graceMs) return undefined;
    return `a reconcile has run ${(runningMs / 1000).toFixed(1)} s, past its timeout of ${timeoutMs / 1000} s plus ${graceMs / 1000} s: it ignores its aborted signal and holds its worker`;
  }

  /** Subscribe to the caches, queue every object they hold, and start the workers. Call once the caches are synced. */
  start(): void {
    if (this.started) throw new UsageError('INVALID_STATE', `controller ${this.name} was already started`);
    this.started = true;
    const { primary, owned = [], mapped = [], kind } = this.options;
    this.unsubscribe.push(
      primary.subscribe((change) => {
        if (this.freshness.observe(primary, change) && passes(this.options.predicates, change)) this.onPrimary(change);
      }),
    );
    const primaryCache = primary as unknown as ObjectCache<KubeObject>;
    for (const { cache, predicates } of owned) {
      this.unsubscribe.push(
        cache.subscribe((change) => {
          const key = this.ownerKey(change.object);
          // The echo of our own write of a child (it is as we wrote it): its owner needs no reconcile for it.
          if (!this.freshness.observe(cache, change, key === undefined ? undefined : { cache: primaryCache, key })) return;
          if (!passes(predicates, change)) return;
          if (key !== undefined) this.enqueue(key);
          if (change.type === 'updated') {
            const previousKey = this.ownerKey(change.previous);
            if (previousKey !== undefined && previousKey !== key) this.enqueue(previousKey);
          }
        }),
      );
    }
    for (const { cache, map, predicates } of mapped) {
      this.unsubscribe.push(
        cache.subscribe((change) => {
          if (!passes(predicates, change)) return;
          const reads = this.reads.for(change.object.metadata.namespace);
          void Promise.resolve()
            .then(() => map(change.object, reads))
            .then(
              (keys) => {
                for (const key of keys) this.enqueue(key);
              },
              (err: unknown) =>
                this.log.error(
                  { err: (err as Error).message, cache: cache.name },
                  'a watch map function failed; the change enqueued nothing',
                ),
            );
        }),
      );
    }
    // The startup list only needs a look at each object: low priority, so that a change meanwhile goes first.
    for (const object of primary.list()) this.queue.add(objectKey(object), { priority: 'low' });
    this.queue.start((key, work) => this.reconcileKey(key, work.signal));
    this.scheduleResync();
    this.log.info({ kind: kind.kind, workers: this.workers }, 'controller started');
  }

  /** Stop taking changes; let running reconciles finish within `graceMs`, then abort them. */
  async stop(options: { graceMs?: number } = {}): Promise<void> {
    for (const stop of this.unsubscribe.splice(0)) stop();
    this.resyncTimer?.cancel();
    const report = await this.queue.shutdown({ graceMs: options.graceMs ?? 10_000 });
    if (report.aborted.length > 0) this.log.warn({ keys: report.aborted }, 'reconciles aborted at the end of the shutdown grace period');
    this.log.info({}, 'controller stopped');
  }

  /** Queue a key (`namespace/name`) by hand, e.g. on a signal from outside the cluster. */
  enqueue(key: string, options: { priority?: Priority } = {}): void {
    this.queue.add(key, options);
  }

  private scheduleResync(): void {
    const resync = this.options.resync;
    if (!resync) return;
    const delay = resync.everyMs * (1 - (resync.jitter ?? 0.1) * Math.random());
    this.resyncTimer = this.clock.setTimer(() => {
      for (const object of this.options.primary.list()) this.queue.add(objectKey(object), { priority: 'low' });
      this.scheduleResync();
    }, delay);
  }

  private onPrimary(change: StoreChange<T>): void {
    const key = objectKey(change.object);
    if (change.type === 'deleted') {
      this.terminal.delete(key);
      this.endedByNamespace.delete(key);
      this.enqueue(key);
      return;
    }
    if (this.terminal.has(key)) {
      // A terminal error is retried only when the object's spec (its generation) changes.
      if (this.terminal.get(key) === versionOf(change.object)) return;
      this.terminal.delete(key);
    }
    this.enqueue(key);
  }

  private ownerKey(object: KubeObject): string | undefined {
    const ref = controllerReferenceOf(object);
    const { kind } = this.options;
    if (!ref || ref.kind !== kind.kind || groupOf(ref.apiVersion) !== kind.group) return undefined;
    return kind.namespaced && object.metadata.namespace ? `${object.metadata.namespace}/${ref.name}` : ref.name;
  }

  private async reconcileKey(key: string, workSignal: AbortSignal): Promise<WorkOutcome> {
    const scoped = scopedSignal([workSignal, this.options.signal], this.options.reconcileTimeoutMs);
    try {
      return await this.reconcileWith(key, scoped.signal, () => scoped.timedOut);
    } finally {
      scoped.dispose();
    }
  }

  private async reconcileWith(key: string, signal: AbortSignal, timedOut: () => boolean): Promise<WorkOutcome> {
    const { metrics, kind } = this.options;
    const reconcileID = randomUUID();
    const [namespace, name] = key.includes('/') ? key.split('/', 2) : [undefined, key];
    const log = this.log.child({ namespace, name, reconcileID });
    const view = await this.freshness.settle(key, this.options.readYourWritesTimeoutMs ?? 5_000, signal);
    if (view.behind.length > 0)
      log.debug({ stale: view.describeBehind() }, 'the cache has not caught up with our last writes; reading those live');
    const cached = this.options.primary.get(key);
    const object = cached && { apiVersion: apiVersionOf(kind), kind: kind.kind, ...cached };
    const ctx = reconcileContext({
      key,
      reconcileID,
      object,
      signal,
      log,
      client: this.options.client,
      kind,
      primary: this.options.primary,
      owned: this.ownedCaches,
      fieldManager: this.options.fieldManager ?? `capstan-${this.name}`,
      events: this.options.events,
      view,
      reads: this.reads,
      now: () => this.reconcileClock.wallNow(),
      onWrite: (cache, writtenKey, resourceVersion) => this.freshness.recordWrite(key, cache, writtenKey, resourceVersion),
    });
    const started = performance.now();
    metrics?.workerStarted();
    try {
      const result = await this.options.reconcile(ctx);
      if (timedOut()) throw new ReconcileTimeoutError(this.options.reconcileTimeoutMs!);
      const seconds = (performance.now() - started) / 1000;
      this.queue.forget(key);
      log.debug({ result: result.kind, durationMs: Math.round(seconds * 1000) }, 'reconciled');
      if (result.kind === 'requeueAfter') {
        metrics?.reconciled('requeue_after', seconds);
        return { kind: 'requeueAfter', delayMs: result.delayMs };
      }
      metrics?.reconciled('success', seconds);
      return { kind: 'done' };
    } catch (thrown) {
      // Past its timeout, whatever the reconcile did after its signal aborted is an error, retried with backoff.
      const err =
        timedOut() && !(thrown instanceof ReconcileTimeoutError)
          ? new ReconcileTimeoutError(this.options.reconcileTimeoutMs!, thrown)
          : thrown;
      const seconds = (performance.now() - started) / 1000;
      // A create refused because the object's own namespace is being deleted (NamespaceLifecycle): no retry can
      // succeed, and the namespace controller deletes the object next, which queues it again. Not for an object
      // already being deleted: its finalizers must still go (removing one is allowed), or the namespace never goes.
      if (namespace !== undefined && object && !object.metadata.deletionTimestamp && refusedByTerminatingNamespace(err, namespace)) {
        metrics?.reconciled('success', seconds);
        this.queue.forget(key);
        const first = !this.endedByNamespace.has(key);
        this.endedByNamespace.add(key);
        log[first ? 'info' : 'debug'](
          { err: (err as Error).message },
          `namespace ${namespace} is being deleted: the work on this object ends (not an error, not retried)`,
        );
        return { kind: 'done' };
      }
      metrics?.reconciled('error', seconds);
      metrics?.reconcileError();
      // By brand and code, not instanceof: a reconciler may throw the errors of another copy of Capstan.
      if (isTerminalError(err)) {
        metrics?.terminalReconcileError();
        this.queue.forget(key);
        this.terminal.set(key, object && versionOf(object));
        log.error({ err: err.message, reason: err.reason }, 'reconcile failed terminally; not retried until the object changes');
        if (object) ctx.recordEvent('Warning', err.reason, err.message);
        return { kind: 'done' };
      }
      if (isCapstanError(err) && err.code === 'OWNER_GONE') {
        log.debug({ err: err.message }, 'the object is gone; its deletion will arrive from the cache');
        this.queue.forget(key);
        return { kind: 'done' };
      }
      // A conflict is optimistic concurrency at work (the cache was behind); the retry reads the newer object.
      log[isConflict(err) ? 'debug' : 'error'](
        { err: (err as Error).message, retries: this.queue.retries(key) },
        'reconcile failed; retrying with backoff',
      );
      if (isTemporaryError(err) && err.delayMs !== undefined) return { kind: 'requeueAfter', delayMs: err.delayMs };
      return { kind: 'retry' };
    } finally {
      metrics?.workerFinished();
    }
  }
}

/**
 * A reconcile that ran past the controller's reconcile timeout: its signal was aborted, and it is retried with
 * backoff. The controller logs and counts it as an error; `cause`, if any, is what the reconcile threw after the abort.
 *
 * @noExample The controller makes it and handles it (retry with backoff); a reconcile never throws or catches it.
 */
export class ReconcileTimeoutError extends CapstanError<'RECONCILE_TIMEOUT'> {
  constructor(timeoutMs: number, cause?: unknown) {
    super(
      'RECONCILE_TIMEOUT',
      `the reconcile ran past its timeout of ${timeoutMs} ms (its signal was aborted)`,
      cause === undefined ? undefined : { cause },
    );
  }
}

/**
 * Whether `err`, or an error it wraps (a reconciler's `TemporaryError` or `TerminalError` around the client's
 * error), is NamespaceLifecycle's refusal of a create in `namespace`.
 */
function refusedByTerminatingNamespace(err: unknown, namespace: string): boolean {
  let current = err;
  for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
    if (isNamespaceTerminating(current, namespace)) return true;
    current = current.cause;
  }
  return false;
}

/** Whether every predicate passes `change` (no predicates: it passes). */
function passes<T extends KubeObject>(predicates: ReadonlyArray<Predicate<T>> | undefined, change: StoreChange<T>): boolean {
  return predicates === undefined || predicates.every((p) => p(change));
}

/** What "the object changed" means for a terminal error: its generation, or its resourceVersion if it has none. */
function versionOf(object: KubeObject): number | string | undefined {
  return object.metadata.generation ?? object.metadata.resourceVersion;
}
