import type { ObjectCache } from '../cache/index.ts';
import type { KubeClient } from '../client/index.ts';
import {
  CapstanError,
  type Condition,
  type Kind,
  type KubeObject,
  type Logger,
  objectKey,
  type OwnerReference,
  UsageError,
} from '../core/index.ts';
import { mergeConditions, statusApplyRequest, type ConditionInput } from '../conditions/index.ts';
import type { EventRecorder } from '../events/index.ts';
import { finalize, type FinalizeHandlers } from '../finalizer/index.ts';
import { type ApplyOutcome, applyChild, type OnImmutable } from './apply.ts';
import { type ChildOutcome, deleteIfSame, ensureChild, type EnsureChildOptions, getIfExists } from './child.ts';
import { controllerReferenceOf, isControlledBy } from './owner-reference.ts';
import { differingFields } from './owned-fields.ts';
import type { ReconcileView } from './freshness.ts';
import type { CachedGetOptions, CachedListOptions, Reads } from './reads.ts';

/**
 * What a reconcile knows and can do; built fresh for every reconcile of one key. Reads come from the manager's
 * caches within the controller's declarations; writes are scoped to this object's children and status, and
 * abort with {@link ReconcileContext.signal}.
 *
 * @example
 * ```ts
 * import { ConfigMap, controller, done, type ReconcileContext } from 'capstan';
 * async function reconcileConfigMap(ctx: ReconcileContext<ConfigMap>) {
 *   if (!ctx.object) return done(); // deleted: its children go with it
 *   ctx.log.info({ keys: Object.keys(ctx.object.data ?? {}).length }, 'reconciling');
 *   await ctx.applyStatus([{ type: 'Ready', status: 'True', reason: 'Reconciled' }]);
 *   return done();
 * }
 * export const configMaps = controller(ConfigMap).reconcile(reconcileConfigMap);
 * ```
 */
export interface ReconcileContext<T extends KubeObject> {
  /** `namespace/name` (or `name` for cluster-scoped kinds). */
  readonly key: string;
  /** The object's namespace; undefined for a cluster-scoped kind. */
  readonly namespace: string | undefined;
  /** The object's name. */
  readonly name: string;
  /** Unique per reconcile; in every log line of it. */
  readonly reconcileID: string;
  /** The object as the cache holds it; `undefined` when it is gone. */
  readonly object: T | undefined;
  /** Aborted when the controller stops or loses leadership: abort writes with it. */
  readonly signal: AbortSignal;
  /** The controller's logger, with `controller`, `namespace`, `name` and `reconcileID` on every line. */
  readonly log: Logger;
  /** The manager's client, for what the context's own methods do not cover; pass {@link ReconcileContext.signal} to its calls. */
  readonly client: KubeClient;
  /**
   * The time now on the controller's clock (the real one, unless the builder's `.clock(c)` injected another):
   * read the time from here, not `new Date()`, so that a test can move it (Kubebuilder's `Clock.Now()`).
   */
  now(): Date;
  /**
   * The object `name` of `kind` from the manager's shared cache (or live, for a kind declared
   * `.reads(Kind, { live: true })`); `undefined` when it does not exist. The namespace defaults to this object's.
   * The kind must be declared (`.reads`, `.owns`, `.watches`, or the controller's own); a read outside the
   * declared scope is refused with an error naming the declaration to add, never answered from a partial cache.
   */
  get<K extends KubeObject>(kind: Kind<K>, name: string, options?: CachedGetOptions): Promise<K | undefined>;
  /**
   * The objects of `kind` from the manager's shared cache: in one namespace or all, by label selector, or by a
   * field index declared with `.index(kind, name, fn)`. The same declaration rules as {@link get}.
   */
  list<K extends KubeObject>(kind: Kind<K>, options?: CachedListOptions): Promise<K[]>;
  /**
   * Create or update a child owned by this object (see `ensureChild`): writes only owned fields, only when
   * they differ from the cache, never adopts a child that is not ours.
   * @deprecated Use {@link ReconcileContext.apply}: a field dropped from `desired` is then removed from the child.
   */
  ensureChild<C extends KubeObject>(kind: Kind<C>, desired: C): Promise<ChildOutcome<C>>;
  /**
   * Create or update a child owned by this object by server-side apply (see `applyChild`): `desired` is all the
   * controller wants of it, so a field it applied before and no longer sets is removed; fields other writers own
   * are left alone; nothing is sent when the cached child already matches; a child that is not ours is never
   * adopted (`collision`). The namespace defaults to this object's. Declare the kind with `.owns(kind)`.
   */
  apply<C extends KubeObject>(kind: Kind<C>, desired: C, options?: ChildApplyOptions): Promise<ApplyOutcome<C>>;
  /**
   * Delete the child `name` of `kind` when it is controlled by this object (by uid precondition); `absent` when there
   * is none, `collision` (nothing deleted) when it is not ours. The namespace defaults to this object's;
   * `propagationPolicy` defaults to the kind's own (for a batch/v1 Job that is Orphan: pass Background so its Pods go too).
   */
  deleteChild<C extends KubeObject>(
    kind: Kind<C>,
    name: string,
    options?: { namespace?: string; propagationPolicy?: 'Foreground' | 'Background' | 'Orphan' },
  ): Promise<DeleteChildOutcome<C>>;
  /**
   * Write `status.observedGeneration` (the object's generation) and the given conditions by server-side
   * apply to the status subresource, with the controller's field manager, and only when they differ from the
   * cached status. `lastTransitionTime` moves only when a condition's status flips. Returns whether it wrote.
   */
  applyStatus(conditions: readonly ConditionInput[], extra?: Record<string, unknown>): Promise<boolean>;
  /** Record an Event about this object (folded into a series when repeated). */
  recordEvent(type: 'Normal' | 'Warning', reason: string, note: string, action?: string): void;
  /**
   * Run `apply` or, once the object is being deleted, `cleanup` under the domain-qualified `finalizer` (see
   * `finalize` in `capstan/finalizer`): the object cannot disappear before `cleanup` has succeeded.
   * Declare `.writes({ finalizers: true })` so the generated RBAC allows the patch.
   */
  finalize<R>(finalizer: string, handlers: FinalizeHandlers<R>): Promise<R | undefined>;
}

/**
 * Options of {@link ReconcileContext.apply}.
 *
 * @noExample Options of `ctx.apply`; {@link OnImmutable} shows the choice they make.
 */
export interface ChildApplyOptions {
  /** When the change needs an immutable field changed: throw (default) or delete the child to be created again. */
  onImmutable?: OnImmutable;
}

/**
 * What {@link ReconcileContext.deleteChild} did.
 *
 * @example
 * ```ts
 * import { ConfigMap, controller, done } from 'capstan';
 * import { Job } from 'capstan/kinds/batch/v1';
 * export const cleaner = controller(ConfigMap).owns(Job).reconcile(async (ctx) => {
 *   if (!ctx.object) return done();
 *   const outcome = await ctx.deleteChild(Job, `${ctx.name}-migrate`, { propagationPolicy: 'Background' });
 *   if (outcome.operation === 'collision') ctx.log.warn({ owner: outcome.controller?.name }, 'the Job is not ours');
 *   return done();
 * });
 * ```
 */
export type DeleteChildOutcome<T extends KubeObject> =
  | {
      /** The child was ours and is now deleted (its deletion may still be in progress). */
      readonly operation: 'deleted';
      /** The child as it was before the delete. */
      readonly object: T;
    }
  | {
      /** There was no such child, or it went (or was replaced) before the delete. */
      readonly operation: 'absent';
    }
  /** It exists and is not controlled by this object: nothing was deleted. */
  | {
      /** A child of that name is not ours: it is left alone. */
      readonly operation: 'collision';
      /** The object found. */
      readonly object: T;
      /** Its controller reference, if it has one (another owner); undefined when it has none. */
      readonly controller: OwnerReference | undefined;
    };

/** What the controller hands the context builder. */
export interface ContextParts<T extends KubeObject> {
  key: string;
  reconcileID: string;
  object: T | undefined;
  signal: AbortSignal;
  log: Logger;
  client: KubeClient;
  kind: Kind<T>;
  primary: ObjectCache<T>;
  owned: ReadonlyMap<string, ObjectCache<KubeObject>>;
  fieldManager: string;
  events: EventRecorder | undefined;
  /** This reconcile's view of the caches: the current view of an object, from the cache or live. */
  view: ReconcileView;
  /** The declared reads. */
  reads: Reads;
  /** The time now on the controller's reconcile clock. */
  now: () => Date;
  onWrite: (cache: ObjectCache<KubeObject>, key: string, resourceVersion: string | undefined) => void;
}

/**
 * Thrown by `ctx.ensureChild` when a child deleted since it was last seen is to be recreated but its owner
 * is gone from the server: the cache still held an owner that was deleted (its watch has not caught up,
 * after a relist or a reconnect). Recreating the child would only feed the garbage collector, again and
 * again until the cache catches up, so the runner ends the reconcile quietly; the owner's deletion will
 * arrive as a change of its own. Its code is `OWNER_GONE`: a reconciler that catches what `ensureChild`
 * throws should let it through.
 */
export class OwnerGoneError extends CapstanError<'OWNER_GONE'> {
  constructor(message: string) {
    super('OWNER_GONE', message);
  }
}

export function groupKindKey(kind: { group: string; kind: string }): string {
  return `${kind.kind}.${kind.group}`;
}

export function reconcileContext<T extends KubeObject>(parts: ContextParts<T>): ReconcileContext<T> {
  const slash = parts.key.indexOf('/');
  const namespace = slash < 0 ? undefined : parts.key.slice(0, slash);
  const name = slash < 0 ? parts.key : parts.key.slice(slash + 1);
  const requireObject = (what: string): T => {
    if (!parts.object)
      throw new UsageError(
        'INVALID_STATE',
        `${what}: ${parts.kind.kind} ${parts.key} is not in the cache (it was deleted); check ctx.object first`,
      );
    return parts.object;
  };
  const ownedCache = <C extends KubeObject>(what: string, kind: Kind<C>): ObjectCache<C> => {
    const cache = parts.owned.get(groupKindKey(kind)) as ObjectCache<C> | undefined;
    if (!cache) throw new UsageError('INVALID_ARGUMENT', `${what}(${kind.kind}): the controller does not declare .owns(${kind.kind})`);
    return cache;
  };
  /** What a write of a child needs: its cache, its client and its current view; refused when the owner is gone. */
  const childWrite = async <C extends KubeObject>(what: string, kind: Kind<C>, desired: C): Promise<EnsureChildOptions<C>> => {
    const owner = requireObject(what);
    const cache = ownedCache(what, kind);
    const resource = parts.client.resource(kind);
    const childKey = objectKey(desired);
    const readChild = () => getIfExists(resource, desired.metadata.name!, { namespace: desired.metadata.namespace, signal: parts.signal });
    const child = await parts.view.current(cache, childKey, readChild);
    if (child.object === undefined) {
      // About to create it: the owner must still exist. Read live where the cache may be behind for it (a child of it
      // was seen deleted: after a relist the cache can still hold a deleted owner); otherwise the cache's word is
      // taken, as controller-runtime takes it: a child created for an owner deleted a moment before carries that
      // owner's uid, and the garbage collector deletes a child whose owner uid is gone.
      const ownerResource = parts.client.resource(parts.kind);
      const current = await parts.view.current(parts.primary, parts.key, () =>
        getIfExists(ownerResource, owner.metadata.name!, { namespace: owner.metadata.namespace, signal: parts.signal }),
      );
      const live = current.object;
      if (!live || live.metadata.uid !== owner.metadata.uid || live.metadata.deletionTimestamp) {
        throw new OwnerGoneError(
          `${parts.kind.kind} ${parts.key} (uid ${owner.metadata.uid}) is gone from the server; not recreating ${kind.kind} ${childKey}`,
        );
      }
    }
    return {
      resource,
      cache,
      owner,
      desired,
      fieldManager: parts.fieldManager,
      signal: parts.signal,
      view: async ({ stale }) => (stale ? parts.view.current(cache, childKey, readChild, { stale }) : child),
      onWrite: (written) => parts.onWrite(cache, objectKey(written), written.metadata.resourceVersion),
    };
  };
  return {
    key: parts.key,
    namespace,
    name,
    reconcileID: parts.reconcileID,
    object: parts.object,
    signal: parts.signal,
    log: parts.log,
    client: parts.client,
    now: parts.now,

    get: (kind, objectName, options = {}) =>
      parts.reads.get(kind, objectName, { ...options, defaultNamespace: namespace, signal: parts.signal }),
    list: (kind, options) => parts.reads.list(kind, options),

    async ensureChild<C extends KubeObject>(kind: Kind<C>, desired: C): Promise<ChildOutcome<C>> {
      return ensureChild(await childWrite('ensureChild', kind, desired));
    },

    async apply<C extends KubeObject>(kind: Kind<C>, desired: C, options: ChildApplyOptions = {}): Promise<ApplyOutcome<C>> {
      const withNamespace =
        kind.namespaced && desired.metadata.namespace === undefined && namespace !== undefined
          ? { ...desired, metadata: { ...desired.metadata, namespace } }
          : desired;
      return applyChild({ ...(await childWrite('apply', kind, withNamespace)), ...options });
    },

    async deleteChild<C extends KubeObject>(
      kind: Kind<C>,
      childName: string,
      options: { namespace?: string; propagationPolicy?: 'Foreground' | 'Background' | 'Orphan' } = {},
    ): Promise<DeleteChildOutcome<C>> {
      const owner = requireObject('deleteChild');
      const cache = ownedCache('deleteChild', kind);
      const childNamespace = kind.namespaced ? (options.namespace ?? namespace) : undefined;
      const childKey = childNamespace ? `${childNamespace}/${childName}` : childName;
      const resource = parts.client.resource(kind);
      const { object } = await parts.view.current(cache, childKey, () =>
        getIfExists(resource, childName, { namespace: childNamespace, signal: parts.signal }),
      );
      if (!object) return { operation: 'absent' };
      if (!isControlledBy(object, owner)) return { operation: 'collision', object, controller: controllerReferenceOf(object) };
      // Gone already, or replaced by another object of that name (the uid precondition failed): not ours to delete.
      if (!(await deleteIfSame(resource, object, parts.signal, options.propagationPolicy))) return { operation: 'absent' };
      parts.onWrite(cache, childKey, undefined);
      return { operation: 'deleted', object };
    },

    async applyStatus(conditions, extra = {}): Promise<boolean> {
      const object = requireObject('applyStatus');
      const generation = object.metadata.generation;
      const current = (object as KubeObject & { status?: { conditions?: Condition[] } & Record<string, unknown> }).status;
      const withGeneration = conditions.map((c) => ({ observedGeneration: generation, ...c }));
      const merged = mergeConditions(current?.conditions, withGeneration);
      const ours = merged.filter((c) => conditions.some((input) => input.type === c.type));
      const status = { ...extra, ...(generation !== undefined ? { observedGeneration: generation } : {}), conditions: ours };
      if (differingFields({ ...status, conditions: merged }, current ?? {}).length === 0) return false;
      const written = await parts.client.request<KubeObject>(
        statusApplyRequest(parts.kind, object, status, { fieldManager: parts.fieldManager, signal: parts.signal }),
      );
      parts.onWrite(parts.primary, parts.key, written.metadata.resourceVersion);
      return true;
    },

    async finalize(finalizer, handlers) {
      const object = requireObject('finalize');
      const client = {
        request: async <R>(options: Parameters<KubeClient['request']>[0]): Promise<R> => {
          const written = await parts.client.request<R>(options);
          // Removing the last finalizer lets the object go: the cache will never show that version, so only
          // writes to a live object are waited for.
          if (!object.metadata.deletionTimestamp) {
            parts.onWrite(parts.primary, parts.key, (written as KubeObject | undefined)?.metadata?.resourceVersion);
          }
          return written;
        },
      };
      return finalize({ client, resource: parts.kind, object, signal: parts.signal }, finalizer, handlers);
    },

    recordEvent(type, reason, note, action = 'Reconcile') {
      const object = requireObject('recordEvent');
      const { name: objectName, namespace: objectNamespace, uid, resourceVersion } = object.metadata;
      parts.events?.emit({
        regarding: {
          apiVersion: object.apiVersion ?? '',
          kind: object.kind ?? parts.kind.kind,
          name: objectName ?? name,
          namespace: objectNamespace,
          uid: uid ?? '',
          resourceVersion,
        },
        type,
        reason,
        note,
        action,
      });
    },
  };
}
