import {
  type Clock,
  type ControllerDeclaration,
  DeclarationError,
  declareController,
  type Kind,
  type KubeObject,
  type PolicyRule,
  type WriteDeclaration,
  type WriteVerb,
} from '../core/index.ts';
import type { ReconcileContext } from './context.ts';
import { defaultMaxConcurrentReconciles, type Reconciler } from './controller.ts';
import type { KeyBackoffOptions, RateLimitOptions } from '../queue/index.ts';
import type { Predicate } from './predicates.ts';
import type { CacheReads } from './reads.ts';
import type { ReconcileResult } from './result.ts';

/**
 * An owned kind, as {@link ControllerBuilder.owns} records it: its cache is scoped by `labelSelector` so the
 * operator does not cache every object of the kind.
 *
 * @noExample Recorded by {@link ControllerBuilder.owns}; read it from {@link ControllerDefinition.owns}.
 */
export interface OwnedKind {
  /** The owned kind: a change of one of its objects that has a controller reference to ours reconciles the owner. */
  kind: Kind;
  /** Label selector (API string form) of the cache of owned objects, e.g. `app.kubernetes.io/managed-by=hello-world-operator`. */
  labelSelector?: string;
  /** The writes granted on the kind in the generated RBAC; default create, update, patch and delete. */
  writes?: readonly WriteVerb[];
  /** Only changes every predicate passes reconcile the owner. */
  predicates?: readonly Predicate[];
}

/**
 * A watched kind whose objects map to keys of the primary kind, as {@link ControllerBuilder.watches} records it.
 *
 * @noExample Recorded by {@link ControllerBuilder.watches}; read it from {@link ControllerDefinition.watches}.
 */
export interface WatchedKind {
  /** The watched kind (read only: the generated RBAC grants get, list and watch). */
  kind: Kind;
  /** Label selector (API string form) the server applies to the kind's cache. */
  labelSelector?: string;
  /** Field selector (API string form) the server applies to the kind's cache. */
  fieldSelector?: string;
  /** Cache only `apiVersion`, `kind` and `metadata` of each object (the map function gets nothing else). */
  metadataOnly?: boolean;
  /** The keys (`namespace/name`) of the primary objects to reconcile for a changed object; it may read the caches. */
  map: (object: KubeObject, reads: CacheReads) => readonly string[] | Promise<readonly string[]>;
  /** Only changes every predicate passes are mapped. */
  predicates?: readonly Predicate[];
}

/**
 * A further kind a reconcile reads with `ctx.get`/`ctx.list`: cached in this scope, or got live (`live: true`).
 *
 * @noExample Recorded by {@link ControllerBuilder.reads}; read it from {@link ControllerDefinition.reads}.
 */
export interface ReadKind {
  /** The kind read. */
  kind: Kind;
  /** The one namespace cached; default every namespace (or the manager's namespaces in namespace-scoped mode). */
  namespace?: string;
  /** Label selector (API string form) of the cache; reads must ask within it. */
  labelSelector?: string;
  /**
   * Field selector (API string form) of the cache. Reads from such a cache are refused (`OUTSIDE_CACHE_SCOPE`):
   * it may lack objects no label predicts, so it cannot vouch that one is absent.
   */
  fieldSelector?: string;
  /** Cache only `apiVersion`, `kind` and `metadata` of each object (reads return nothing else). */
  metadataOnly?: boolean;
  /** Get single objects from the server on each read instead of caching the kind (RBAC: get only; no `list`). */
  live?: boolean;
}

/**
 * A field index on the caches of `kind`: `ctx.list(kind, { index: { name, value } })` finds what `fn` files under `value`.
 *
 * @noExample Recorded by {@link ControllerBuilder.index}, whose example shows it in use.
 */
export interface IndexedKind {
  /** The kind indexed; the controller must read, own or watch it, or be its controller. */
  kind: Kind;
  /** The index's name, as `ctx.list` asks for it (`namespace` is built in and taken). */
  name: string;
  /** The values an object is filed under (none: not in the index). */
  fn: (object: KubeObject) => readonly string[];
}

/**
 * A controller's work-queue settings: per-key backoff of retries and the overall retry rate limit.
 *
 * @example
 * ```ts
 * import { ConfigMap, controller, done } from 'capstan';
 * // Retry a failing key after 1 s, doubling up to 5 min; at most 5 retries a second over all keys.
 * export const patient = controller(ConfigMap)
 *   .queue({ backoff: { baseMs: 1_000, maxMs: 300_000 }, rateLimit: { perSecond: 5, burst: 20 } })
 *   .reconcile(async () => done());
 * ```
 */
export interface QueueSettings {
  /** Per-key exponential backoff of retries; default 5 ms doubling to 1000 s, as controller-runtime. */
  backoff?: KeyBackoffOptions;
  /** The overall limit on retries (never on first adds); default 10/s with a burst of 100. */
  rateLimit?: RateLimitOptions;
}

/**
 * Everything needed to run a controller, as data plus the reconcile function: `declaration` alone is enough
 * to generate RBAC (`capstan generate` imports the module and reads it; nothing starts). Frozen: hand it to
 * `Manager.add`, or read it in a test.
 *
 * @example
 * ```ts
 * import { ConfigMap, controller, done, Secret } from 'capstan';
 * const definition = controller(ConfigMap).reads(Secret, { live: true }).reconcile(async () => done());
 * console.log(definition.declaration.name, definition.reads.length); // 'configmap' 1
 * ```
 */
export interface ControllerDefinition<T extends KubeObject> {
  /** The controller's kinds, scopes and writes as plain data, from which `capstan generate` derives RBAC. */
  readonly declaration: ControllerDeclaration;
  /** The primary kind: one reconcile per object of it, keyed `namespace/name`. */
  readonly kind: Kind<T>;
  /** The owned kinds (`.owns`), in the order declared. */
  readonly owns: readonly OwnedKind[];
  /** The watched kinds (`.watches`) and their map functions. */
  readonly watches: readonly WatchedKind[];
  /** The further kinds reconciles read (`.reads`). */
  readonly reads: readonly ReadKind[];
  /** The field indexes on the controller's caches (`.index`). */
  readonly indexes: readonly IndexedKind[];
  /** Only changes of the primary object that every predicate passes enqueue it. */
  readonly predicates: readonly Predicate[];
  /** The work queue's retry settings. */
  readonly queue: QueueSettings;
  /** The reconcile timeout (`.reconcileTimeout`); undefined: none. */
  readonly reconcileTimeoutMs?: number | undefined;
  /** The periodic requeue of every object (`.resyncEvery`); undefined: never. */
  readonly resync?:
    | {
        /** The period, in milliseconds. */
        everyMs: number;
        /** The largest fraction by which a period is shortened at random; default 0.1. */
        jitter?: number;
      }
    | undefined;
  /** Sources of keys from outside the cluster: each key it yields is reconciled (kube-rs `reconcile_on`). */
  readonly wakeUps: ReadonlyArray<AsyncIterable<string>>;
  /**
   * The reconcile function. Declared as a method so that a definition of any kind is also an
   * {@link AnyControllerDefinition} (method parameters are compared bivariantly), which lets one list hold
   * controllers of different kinds without `any`.
   */
  reconcile(ctx: ReconcileContext<T>): Promise<ReconcileResult>;
  /** Keys reconciled at once (`.maxConcurrentReconciles`); default 64. */
  readonly maxConcurrentReconciles: number;
  /** The reconciles' clock (`ctx.now()`, `requeueAfter`); undefined: the real one. */
  readonly clock?: Clock | undefined;
}

/**
 * A controller definition of any kind: the element type of a list of controllers (an operator's
 * `controllers`, what `capstan generate` reads). `Manager.add` runs each with its own kind's types.
 *
 * @example
 * ```ts
 * import { ConfigMap, Secret } from 'capstan';
 * import { type AnyControllerDefinition, controller, done } from 'capstan/controller';
 * export const controllers: AnyControllerDefinition[] = [
 *   controller(ConfigMap).reconcile(async () => done()),
 *   controller(Secret).reconcile(async () => done()),
 * ];
 * ```
 */
export type AnyControllerDefinition = ControllerDefinition<KubeObject>;

/**
 * The builder {@link controller} returns; each call returns a new builder, so a partial one can be reused.
 *
 * @noExample Returned by {@link controller}, whose example shows a chain; its methods carry their own examples.
 */
export interface ControllerBuilder<T extends KubeObject> {
  /** The controller's name (its metrics and log label); default the kind in lower case. */
  named(name: string): ControllerBuilder<T>;
  /** Reconcile the owner when an object of `kind` it controls changes (and passes the predicates). */
  owns<K extends KubeObject>(
    kind: Kind<K>,
    options?: { labelSelector?: string; writes?: readonly WriteVerb[]; predicates?: ReadonlyArray<Predicate<K>> },
  ): ControllerBuilder<T>;
  /**
   * Reconcile the keys `map` returns when an object of `kind` changes (read only; controller-runtime's
   * `EnqueueRequestsFromMapFunc`, JOSDK's secondary-to-primary mapper). `map` gets the changed object and the
   * controller's declared reads, e.g. "every WebApp whose spec references this Secret" through an index.
   */
  watches<K extends KubeObject>(
    kind: Kind<K>,
    map: (object: K, reads: CacheReads) => readonly string[] | Promise<readonly string[]>,
    options?: { labelSelector?: string; fieldSelector?: string; metadataOnly?: boolean; predicates?: ReadonlyArray<Predicate<K>> },
  ): ControllerBuilder<T>;
  /**
   * Only changes of the controller's own objects that every predicate passes enqueue them, e.g.
   * `generationChanged`: a status-only update triggers no reconcile. Additions and deletions pass the built-in ones.
   */
  predicates(...predicates: ReadonlyArray<Predicate<T>>): ControllerBuilder<T>;
  /**
   * Let a reconcile read `kind` (`ctx.get`, `ctx.list`) from a cache the manager shares, scoped to a namespace
   * and/or label and field selectors; or, with `live: true`, get single objects from the server on each read,
   * for kinds one should not cache cluster-wide (Secrets). The generated RBAC grants get, list and watch (live:
   * get only). A read of an undeclared kind, or outside the declared scope, is refused with an error naming the
   * call to add.
   */
  reads(
    kind: Kind,
    options?: { namespace?: string; labelSelector?: string; fieldSelector?: string; metadataOnly?: boolean; live?: boolean },
  ): ControllerBuilder<T>;
  /**
   * A field index on `kind`'s caches (`kind` must be read, owned, watched or the controller's own):
   * `ctx.list(kind, { index: { name, value } })` returns the objects `fn` files under `value`, e.g. every
   * WebApp whose spec names a Secret (controller-runtime's `IndexField`).
   */
  index<K extends KubeObject>(kind: Kind<K>, name: string, fn: (object: K) => readonly string[]): ControllerBuilder<T>;
  /** What the controller writes besides owned objects; default status and events. */
  writes(writes: Partial<WriteDeclaration>): ControllerBuilder<T>;
  /**
   * Further RBAC rules for anything else the operator does (kubebuilder's `+kubebuilder:rbac` markers): `capstan
   * generate` writes them next to the rules derived from `.owns`, `.watches`, `.reads` and `.writes`. No wildcards.
   *
   * @example
   * ```ts
   * import { ConfigMap, controller, done } from 'capstan';
   * // A controller that also reads its Pods' logs.
   * export const configMaps = controller(ConfigMap)
   *   .rbac([{ apiGroups: [''], resources: ['pods/log'], verbs: ['get'] }])
   *   .reconcile(async () => done());
   * ```
   */
  rbac(rules: readonly PolicyRule[]): ControllerBuilder<T>;
  /**
   * Keys reconciled at once; default 64, chosen by measurement (Node's concurrency is cheap; see the HelloWorld
   * benchmark). A key is never reconciled twice at once whatever the number. Set a lower number when reconciles
   * call a rate-limited outside service, or share state across keys.
   */
  maxConcurrentReconciles(workers: number): ControllerBuilder<T>;
  /** Retry settings of the controller's work queue: per-key backoff (base, cap) and the overall retry rate limit. */
  queue(settings: QueueSettings): ControllerBuilder<T>;
  /**
   * A reconcile running longer than `ms` has its signal aborted and counts as an error, retried with backoff (a
   * reconcile must pass its signal on: one that ignores it holds its worker until it returns).
   */
  reconcileTimeout(ms: number): ControllerBuilder<T>;
  /** Queue every object again every `ms` (shortened at random by up to `jitter`, default 0.1), at low priority. */
  resyncEvery(ms: number, options?: { jitter?: number }): ControllerBuilder<T>;
  /**
   * Reconcile every key (`namespace/name`) `source` yields, e.g. on a signal from outside the cluster (kube-rs
   * `reconcile_on`). The manager reads it while it runs; keys yielded while this replica does not lead are dropped
   * (the next leader reconciles every object on start).
   */
  reconcileOn(source: AsyncIterable<string>): ControllerBuilder<T>;
  /**
   * The clock the reconciles run on: `ctx.now()` reads it and `requeueAfter(ms)` waits on it (Kubebuilder's
   * CronJob reconciler's `Clock`; client-go's fake clock). Default the real clock. Tests inject `fakeClock()` of
   * `capstan/testing` and move time by hand; retries, rate limits and timeouts stay on real time.
   *
   * @example
   * ```ts
   * import { ConfigMap } from 'capstan';
   * import { controller, requeueAfter } from 'capstan/controller';
   * import { fakeClock } from 'capstan/testing';
   * const clock = fakeClock();
   * export const ticking = controller(ConfigMap)
   *   .clock(clock)
   *   .reconcile(async (ctx) => {
   *     ctx.log.info({ at: ctx.now().toISOString() }, 'tick');
   *     return requeueAfter(60_000); // runs again once the test calls clock.advance(60_000)
   *   });
   * ```
   */
  clock(clock: Clock): ControllerBuilder<T>;
  /**
   * End the chain with the reconcile function: the frozen {@link ControllerDefinition} for `Manager.add`.
   * Throws a `DeclarationError` for an index on a kind the controller does not read.
   */
  reconcile(reconcile: Reconciler<T>): ControllerDefinition<T>;
}

interface BuilderState<T extends KubeObject> {
  kind: Kind<T>;
  name?: string;
  owns: OwnedKind[];
  watches: WatchedKind[];
  reads: ReadKind[];
  indexes: IndexedKind[];
  predicates: Predicate[];
  writes: Partial<WriteDeclaration>;
  rules: readonly PolicyRule[];
  workers: number;
  queue: QueueSettings;
  reconcileTimeoutMs?: number;
  resync?: { everyMs: number; jitter?: number };
  wakeUps: Array<AsyncIterable<string>>;
  clock?: Clock;
}

function builder<T extends KubeObject>(state: BuilderState<T>): ControllerBuilder<T> {
  const next = (change: Partial<BuilderState<T>>) => builder({ ...state, ...change });
  return {
    named: (name) => next({ name }),
    owns: (kind, options = {}) => next({ owns: [...state.owns, { kind, ...(options as Omit<OwnedKind, 'kind'>) }] }),
    watches: (kind, map, options = {}) =>
      next({
        watches: [
          ...state.watches,
          {
            kind,
            map: map as WatchedKind['map'],
            ...(options as Pick<WatchedKind, 'labelSelector' | 'fieldSelector' | 'metadataOnly' | 'predicates'>),
          },
        ],
      }),
    predicates: (...predicates) => next({ predicates: [...state.predicates, ...(predicates as Predicate[])] }),
    reads: (kind, options = {}) => next({ reads: [...state.reads, { kind, ...options }] }),
    index: (kind, name, fn) => next({ indexes: [...state.indexes, { kind, name, fn: fn as IndexedKind['fn'] }] }),
    writes: (writes) => next({ writes: { ...state.writes, ...writes } }),
    rbac: (rules) => next({ rules: [...state.rules, ...rules] }),
    maxConcurrentReconciles: (workers) => next({ workers }),
    queue: (settings) => next({ queue: { ...state.queue, ...settings } }),
    reconcileTimeout: (ms) => {
      if (!(ms > 0)) throw new DeclarationError('INVALID_DECLARATION', `reconcileTimeout(${ms}): give a positive number of milliseconds`);
      return next({ reconcileTimeoutMs: ms });
    },
    resyncEvery: (ms, options = {}) => {
      if (!(ms > 0)) throw new DeclarationError('INVALID_DECLARATION', `resyncEvery(${ms}): give a positive number of milliseconds`);
      return next({ resync: { everyMs: ms, ...options } });
    },
    reconcileOn: (source) => next({ wakeUps: [...state.wakeUps, source] }),
    clock: (clock) => next({ clock }),
    reconcile: (reconcile) => {
      const name = state.name ?? state.kind.kind.toLowerCase();
      const declared = [
        state.kind,
        ...state.owns.map((o) => o.kind),
        ...state.watches.map((w) => w.kind),
        ...state.reads.map((r) => r.kind),
      ];
      for (const index of state.indexes) {
        if (!declared.some((k) => k.group === index.kind.group && k.kind === index.kind.kind)) {
          throw new DeclarationError(
            'INVALID_DECLARATION',
            `controller "${name}": .index(${index.kind.kind}, '${index.name}') on a kind it does not read: add .reads(${index.kind.kind}) (or .owns/.watches)`,
          );
        }
        if (index.name === 'namespace') {
          throw new DeclarationError('INVALID_DECLARATION', `controller "${name}": the index name "namespace" is built in; pick another`);
        }
      }
      return Object.freeze({
        declaration: declareController({
          name,
          for: state.kind,
          owns: state.owns.map((o) => ({ resource: o.kind, labelSelector: o.labelSelector, writes: o.writes })),
          watches: state.watches.map((w) => ({ resource: w.kind, labelSelector: w.labelSelector })),
          reads: state.reads.map((r) => ({
            resource: r.kind,
            namespace: r.namespace,
            labelSelector: r.labelSelector,
            fieldSelector: r.fieldSelector,
            live: r.live,
          })),
          writes: state.writes,
          rules: state.rules,
        }),
        kind: state.kind,
        owns: Object.freeze([...state.owns]),
        watches: Object.freeze([...state.watches]),
        reads: Object.freeze([...state.reads]),
        indexes: Object.freeze([...state.indexes]),
        predicates: Object.freeze([...state.predicates]),
        queue: Object.freeze({ ...state.queue }),
        reconcileTimeoutMs: state.reconcileTimeoutMs,
        resync: state.resync,
        wakeUps: Object.freeze([...state.wakeUps]),
        reconcile,
        maxConcurrentReconciles: state.workers,
        clock: state.clock,
      });
    },
  };
}

/**
 * Start describing a controller for a kind, as controller-runtime's `ControllerManagedBy(mgr).For(...)`.
 * The result is plain data and a function; the manager runs it. Anything the builder does can be wired by
 * hand with `Controller`.
 *
 * @example
 * ```ts
 * import { defineKind, type KubeObject } from 'capstan/core';
 * import { ConfigMap } from 'capstan';
 * import { controller, done } from 'capstan/controller';
 * interface HelloWorld extends KubeObject { spec: { name: string } }
 * const HelloWorld = defineKind<HelloWorld>({ group: 'apps.example.com', version: 'v1alpha1', kind: 'HelloWorld', plural: 'helloworlds', namespaced: true });
 * export const helloWorld = controller(HelloWorld)
 *   .owns(ConfigMap, { labelSelector: 'app.kubernetes.io/managed-by=hello-world-operator' })
 *   .reconcile(async (ctx) => {
 *     if (!ctx.object) return done();
 *     await ctx.ensureChild(ConfigMap, {
 *       apiVersion: 'v1', kind: 'ConfigMap',
 *       metadata: { name: ctx.name, namespace: ctx.namespace },
 *       data: { message: ctx.object.spec.name },
 *     });
 *     return done();
 *   });
 * ```
 */
export function controller<T extends KubeObject>(kind: Kind<T>): ControllerBuilder<T> {
  return builder({
    kind,
    owns: [],
    watches: [],
    reads: [],
    indexes: [],
    predicates: [],
    writes: {},
    rules: [],
    workers: defaultMaxConcurrentReconciles,
    queue: {},
    wakeUps: [],
  });
}
