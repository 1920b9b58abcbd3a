import { isAlreadyExists, isConflict, isNotFound, type ResourceClient } from '../client/index.ts';
import { type KubeObject, objectKey, type OwnerReference } from '../core/index.ts';
import type { View } from './freshness.ts';
import { differingFields, ownedFields } from './owned-fields.ts';
import { controllerReferenceOf, groupOf, isControlledBy, ownerReferenceTo } from './owner-reference.ts';

/**
 * What {@link ensureChild} (and the deprecated `ctx.ensureChild`) did.
 *
 * @noExample Returned by {@link ensureChild}, whose example reads it; {@link ApplyOutcome}'s example shows the same handling.
 */
export type ChildOutcome<T extends KubeObject> =
  | {
      /** `created`: there was none; `updated`: owned fields were patched; `unchanged`: nothing was sent. */
      readonly operation: 'created' | 'updated' | 'unchanged';
      /** The child as the server returned it (as the cache held it, when unchanged). */
      readonly object: T;
      /** Dotted paths of the owned fields that differed (empty when created or unchanged). */
      readonly changed: readonly string[];
    }
  /** An object of that name exists without our controller reference: nothing was written. */
  | {
      /** A child that is not ours is in the way: it is never adopted. */
      readonly operation: 'collision';
      /** The object found. */
      readonly object: T;
      /** Its controller reference, if another object controls it; undefined when it has none. */
      readonly controller: OwnerReference | undefined;
    };

/**
 * Reads objects of one kind from a cache by `namespace/name`: the one thing {@link ensureChild} and
 * {@link applyChild} ask of a cache, so any `ObjectCache` (an `Informer`) or a plain map serves.
 *
 * @example
 * ```ts
 * import { ConfigMap } from 'capstan';
 * import type { ObjectReader } from 'capstan/controller';
 * const known = new Map<string, ConfigMap>();
 * const reader: ObjectReader<ConfigMap> = { get: (key) => known.get(key) };
 * console.log(reader.get('demo/hello')); // undefined
 * ```
 */
export interface ObjectReader<T extends KubeObject> {
  /** The object at `key` (`namespace/name`, or `name` when cluster-scoped); undefined when the cache has none. */
  get(key: string): T | undefined;
}

/**
 * Options of {@link ensureChild}.
 *
 * @noExample Options of {@link ensureChild}; its example shows them in use.
 */
export interface EnsureChildOptions<T extends KubeObject> {
  /** The typed client of the child's kind (`client.resource(ConfigMap)`). */
  resource: ResourceClient<T>;
  /** The cache of children (usually scoped by the managed-by label). */
  cache: ObjectReader<T>;
  /**
   * The current view of the child, where the caller knows better than `cache` (the controller asks its
   * freshness module: live when the cache is behind for the child). Asked again with `stale: true` when the
   * server refused a write made from a cached view as stale (a 404), or refused a create because the child
   * exists after all; it must then read live. Default: `cache`, and a live read when stale.
   */
  view?: (options: { stale: boolean }) => Promise<View<T>>;
  /** The object that owns the child; its controller reference is added to `desired`. */
  owner: KubeObject;
  /** The child as the controller wants it: identity plus only the fields the controller owns. */
  desired: T;
  /** The field manager of every write: the controller's own (`capstan-<name>` under the manager), the same on each call. */
  fieldManager: string;
  /** Aborts the reads and writes, e.g. the reconcile's signal. */
  signal?: AbortSignal;
  /** Told of every object this call wrote, so the next reconcile can wait for the cache to see it. */
  onWrite?: (written: T) => void;
}

/**
 * Create or update a child so that it carries the fields the controller owns, writing only when they differ
 * from what the cache holds, and only the owned fields (a JSON merge patch guarded by `resourceVersion`),
 * so keys a user adds survive and a stale cache causes a 409 rather than a lost update.
 *
 * A child of that name without our controller reference, whether it has no owner or another, is never
 * adopted or overwritten: the outcome is a `collision`. An `AlreadyExists` on create is checked with a live
 * GET before concluding anything, so a cache that has not yet seen the child (or that does not select it,
 * because its labels were changed) cannot cause a false collision. A child left by an earlier object of the
 * same name (same kind and name, another uid) is garbage: it is deleted (guarded by its uid) and replaced.
 *
 * @example
 * ```ts
 * import { KubeClient } from 'capstan/client';
 * import { type KubeObject } from 'capstan/core';
 * import { ConfigMap } from 'capstan';
 * import { ensureChild } from 'capstan/controller';
 * const client = await KubeClient.fromKubeconfig();
 * const owner: KubeObject = { apiVersion: 'apps.example.com/v1alpha1', kind: 'HelloWorld', metadata: { name: 'hello', namespace: 'demo', uid: '…' } };
 * const outcome = await ensureChild({
 *   resource: client.resource(ConfigMap), cache: { get: () => undefined }, owner, fieldManager: 'hello-world-operator',
 *   desired: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'hello', namespace: 'demo' }, data: { message: 'hi' } },
 * });
 * console.log(outcome.operation);
 * ```
 */
export async function ensureChild<T extends KubeObject>(options: EnsureChildOptions<T>): Promise<ChildOutcome<T>> {
  const { resource, owner, signal, fieldManager } = options;
  const desired: T = { ...options.desired, metadata: { ...options.desired.metadata, ownerReferences: [ownerReferenceTo(owner)] } };
  const { name, namespace, written, read } = childAccess(options, desired);
  // From a fresh (live) view, a child found absent is created without expecting an AlreadyExists.
  const fromView = (view: View<T>): Promise<ChildOutcome<T>> =>
    view.object ? reconcileExisting(view.object, view.from === 'cache') : create(view.from === 'cache');

  const reconcileExisting = async (current: T, fromCache: boolean): Promise<ChildOutcome<T>> => {
    if (isControlledBy(current, owner)) {
      const owned = ownedFields(desired);
      const changed = differingFields(owned, current as unknown as Record<string, unknown>);
      if (changed.length === 0) return { operation: 'unchanged', object: current, changed };
      const patch = {
        ...owned,
        metadata: { ...(owned['metadata'] as object | undefined), resourceVersion: current.metadata.resourceVersion },
      };
      try {
        const object = written(await resource.mergePatch(name, patch, { namespace, fieldManager, signal }));
        return { operation: 'updated', object, changed };
      } catch (err) {
        // The cached child is gone from the server (the 404 is the server's own, live answer): the cache is
        // behind, its watch may be down for a while, and retrying from the same view would only repeat the 404.
        // Create it, once.
        if (fromCache && isNotFound(err)) return create(true);
        throw err;
      }
    }
    if (isLeftoverOf(current, owner)) {
      await resource.delete(name, { namespace, signal, preconditions: { uid: current.metadata.uid } }).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
      return create(false);
    }
    return { operation: 'collision', object: current, controller: controllerReferenceOf(current) };
  };

  const create = async (mayExist: boolean): Promise<ChildOutcome<T>> => {
    try {
      const object = written(await resource.create(desired, { namespace, fieldManager, signal }));
      return { operation: 'created', object, changed: [] };
    } catch (err) {
      if (!(mayExist && isAlreadyExists(err))) throw err;
      // It exists after all (the cache has not seen it, or does not select it): look again, live.
      return fromView(await read({ stale: true }));
    }
  };

  return fromView(await read({ stale: false }));
}

/**
 * What a write of `desired` (the child with its owner reference) needs of its options: its name and namespace, a
 * `written` that reports each write to `onWrite`, and `read`, the caller's view, else the cache and, when the view
 * proved stale, a live read.
 */
export function childAccess<T extends KubeObject>(
  options: Pick<EnsureChildOptions<T>, 'resource' | 'cache' | 'view' | 'signal' | 'onWrite'>,
  desired: T,
) {
  const name = desired.metadata.name!;
  const namespace = desired.metadata.namespace;
  const written = (object: T): T => {
    options.onWrite?.(object);
    return object;
  };
  const read =
    options.view ??
    (async ({ stale }: { stale: boolean }): Promise<View<T>> =>
      stale
        ? { object: await getIfExists(options.resource, name, { namespace, signal: options.signal }), from: 'live' }
        : { object: options.cache.get(objectKey(desired)), from: 'cache' });
  return { name, namespace, written, read };
}

/**
 * Delete `object` if it is still that object (uid precondition): false when it is gone already, or replaced by
 * another object of that name (404 or 409).
 */
export async function deleteIfSame<T extends KubeObject>(
  resource: ResourceClient<T>,
  object: T,
  signal: AbortSignal | undefined,
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan',
): Promise<boolean> {
  const { name, namespace, uid } = object.metadata;
  try {
    await resource.delete(name!, { namespace, signal, preconditions: { uid }, ...(propagationPolicy ? { propagationPolicy } : {}) });
    return true;
  } catch (err) {
    if (isNotFound(err) || isConflict(err)) return false;
    throw err;
  }
}

/** A live read that answers `undefined` for an object the server does not have (404). */
export function getIfExists<T extends KubeObject>(
  resource: ResourceClient<T>,
  name: string,
  options: { namespace: string | undefined; signal: AbortSignal | undefined },
): Promise<T | undefined> {
  return resource.get(name, options).catch((err: unknown) => {
    if (isNotFound(err)) return undefined;
    throw err;
  });
}

/** A child whose controller is an earlier object of the owner's kind and name (deleted, then recreated). */
export function isLeftoverOf(child: KubeObject, owner: KubeObject): boolean {
  const ref = controllerReferenceOf(child);
  return (
    ref !== undefined &&
    ref.kind === owner.kind &&
    groupOf(ref.apiVersion) === groupOf(owner.apiVersion ?? '') &&
    ref.name === owner.metadata.name &&
    ref.uid !== owner.metadata.uid
  );
}
