import { ApiError, isConflict, isNotFound } from '../client/index.ts';
import { apiVersionOf, type KubeObject, type OwnerReference } from '../core/index.ts';
import { childAccess, deleteIfSame, type EnsureChildOptions, isLeftoverOf } from './child.ts';
import { applyDiff, upgradedManagedFields, writtenByUpdate } from './field-set.ts';
import { controllerReferenceOf, isControlledBy, ownerReferenceTo } from './owner-reference.ts';

/**
 * What {@link applyChild} (and `ctx.apply`) did. Only `collision` and `deleted` ask something of the caller: a
 * collision is a child someone else controls, usually reported on the owner's status.
 *
 * @example
 * ```ts
 * import { ConfigMap, controller, done } from 'capstan';
 * export const hello = controller(ConfigMap).owns(ConfigMap).reconcile(async (ctx) => {
 *   if (!ctx.object) return done();
 *   const outcome = await ctx.apply(ConfigMap, {
 *     apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${ctx.name}-copy` }, data: ctx.object.data ?? {},
 *   });
 *   if (outcome.operation === 'collision') {
 *     await ctx.applyStatus([{ type: 'Ready', status: 'False', reason: 'ConfigMapExists', message: 'the copy is not ours' }]);
 *   } else if (outcome.operation === 'updated') ctx.log.info({ changed: outcome.changed }, 'copy updated');
 *   return done();
 * });
 * ```
 */
export type ApplyOutcome<T extends KubeObject> =
  | {
      /** `created`: there was none; `updated`: the apply changed it; `unchanged`: nothing was sent. */
      readonly operation: 'created' | 'updated' | 'unchanged';
      /** The child as the server returned it (as the cache held it, when unchanged). */
      readonly object: T;
      /** Dotted paths whose values the apply set (empty when created or unchanged). */
      readonly changed: readonly string[];
      /** Dotted paths the controller applied before and no longer does: the apply removed them. */
      readonly removed: readonly string[];
      /** True when the child's fields written by an earlier update (a merge patch) were first moved to the apply manager. */
      readonly migrated: boolean;
    }
  /** An object of that name exists without our controller reference: nothing was written. */
  | {
      /** A child that is not ours is in the way: it is never adopted. */
      readonly operation: 'collision';
      /** The object found. */
      readonly object: T;
      /** Its controller reference, if another object controls it; undefined when it has none. */
      readonly controller: OwnerReference | undefined;
    }
  /** The change needed an immutable field changed and `onImmutable: 'recreate'` was given: the child was deleted, to be created again. */
  | {
      /** Deleted to be recreated: its deletion wakes the owner, whose next reconcile creates it. */
      readonly operation: 'deleted';
      /** The child as it was before the delete. */
      readonly object: T;
      /** Why it was deleted: a change to an immutable field. */
      readonly reason: 'Immutable';
      /** The API server's message naming the immutable field. */
      readonly message: string;
    };

/**
 * What to do when the desired child changes a field the API server will not change in place (a Job's
 * template, a Service's `clusterIP`): `'error'` throws the 422, `'recreate'` deletes the child to be created again.
 *
 * @example
 * ```ts
 * import { ConfigMap, controller, done } from 'capstan';
 * import { Job } from 'capstan/kinds/batch/v1';
 * export const migrations = controller(ConfigMap).owns(Job).reconcile(async (ctx) => {
 *   if (!ctx.object) return done();
 *   const job: Job = {
 *     apiVersion: 'batch/v1', kind: 'Job', metadata: { name: `${ctx.name}-migrate` },
 *     spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'migrate', image: ctx.object.data?.['image'] ?? 'migrate:1' }] } } },
 *   };
 *   await ctx.apply(Job, job, { onImmutable: 'recreate' }); // a new image replaces the Job
 *   return done();
 * });
 * ```
 */
export type OnImmutable = 'error' | 'recreate';

/**
 * Options of {@link applyChild}: those of `ensureChild`, and what to do about an immutable field.
 *
 * @noExample Options of {@link applyChild}; its example shows them in use.
 */
export interface ApplyChildOptions<T extends KubeObject> extends EnsureChildOptions<T> {
  /**
   * `'error'` (default): the apply's 422 is thrown, saying which field is immutable. `'recreate'`: the child is
   * deleted (guarded by its uid) and the outcome is `deleted`; its deletion wakes the owner, whose next reconcile
   * creates it anew. Recreating a child interrupts what it runs (a Job's Pods, a Deployment's ReplicaSets).
   */
  onImmutable?: OnImmutable;
  /** The time written into a migrated managedFields entry. Default: now. */
  now?: () => Date;
}

/**
 * True for the API server's answer to a change of a field it does not change in place: a 422 whose message says
 * `field is immutable`, the one case of a 422 where deleting and recreating the object helps.
 *
 * @example
 * ```ts
 * import { isImmutableFieldError, TerminalError } from 'capstan/controller';
 * export function explain(err: unknown): unknown {
 *   return isImmutableFieldError(err) ? TerminalError.wrap(err, 'ImmutableFieldChanged') : err;
 * }
 * ```
 */
export function isImmutableFieldError(err: unknown): err is ApiError {
  return err instanceof ApiError && err.httpStatus === 422 && /field is immutable/i.test(err.status.message ?? '');
}

/**
 * Create or update a child by server-side apply with the controller's field manager, forcing ownership (a field
 * another writer changed is taken back). The applied object is the whole truth of what the controller wants: a
 * field it applied before and no longer sets is removed, while fields other managers own (a user's extra label,
 * a value another controller sets) are left alone.
 *
 * - Nothing is sent when the child, as the cache holds it, already carries exactly the applied fields and values
 *   of this manager (judged from its `managedFields`), so an idle restart writes nothing. The cache must keep the
 *   apply entries of `managedFields` (the manager's caches do: `slimManagedFields`); from a cache that strips them,
 *   every call sends the apply, which the server then finds unchanged.
 * - A child of that name without our controller reference is never adopted: the outcome is a `collision`. A
 *   child left by an earlier owner of the same kind and name (another uid) is deleted and replaced.
 * - A child whose fields this manager wrote by update (a JSON merge patch, as `ensureChild` does, or a create) is
 *   first migrated: those fields move to the apply manager (client-go's `csaupgrade`), guarded by
 *   `resourceVersion`, so removing a field works for it too.
 * - A change the server refuses as immutable throws, or with `onImmutable: 'recreate'` deletes the child.
 *
 * @example
 * ```ts
 * import { KubeClient } from 'capstan/client';
 * import { ConfigMap } from 'capstan';
 * import type { KubeObject } from 'capstan/core';
 * import { applyChild } from 'capstan/controller';
 * const client = await KubeClient.fromKubeconfig();
 * const owner: KubeObject = { apiVersion: 'apps.example.com/v1alpha1', kind: 'HelloWorld', metadata: { name: 'hello', namespace: 'demo', uid: '…' } };
 * const outcome = await applyChild({
 *   resource: client.resource(ConfigMap), cache: { get: () => undefined }, owner, fieldManager: 'hello-world-operator',
 *   desired: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'hello', namespace: 'demo' }, data: { message: 'hi' } },
 * });
 * console.log(outcome.operation);
 * ```
 */
export async function applyChild<T extends KubeObject>(options: ApplyChildOptions<T>): Promise<ApplyOutcome<T>> {
  const { resource, owner, signal, fieldManager } = options;
  const desired: T = {
    ...options.desired,
    apiVersion: options.desired.apiVersion ?? apiVersionOf(resource.kind),
    kind: options.desired.kind ?? resource.kind.kind,
    metadata: { ...options.desired.metadata, ownerReferences: [ownerReferenceTo(owner)] },
  };
  const { name, namespace, written, read } = childAccess(options, desired);

  const send = async (current: T | undefined, migrated: boolean): Promise<ApplyOutcome<T>> => {
    const diff = current ? applyDiff(desired, current, fieldManager) : undefined;
    if (current && diff?.noop) return { operation: 'unchanged', object: current, changed: [], removed: [], migrated };
    let object: T;
    try {
      object = written(await resource.apply(desired, { namespace, fieldManager, force: true, signal }));
    } catch (err) {
      if (!isImmutableFieldError(err)) throw err;
      if (options.onImmutable !== 'recreate' || !current) {
        throw new ApiError(
          err.method,
          err.path,
          err.httpStatus,
          err.status,
          `the ${resource.kind.kind} must be replaced to take this change: delete it, or apply with { onImmutable: 'recreate' }`,
        );
      }
      await deleteIfSame(resource, current, signal);
      options.onWrite?.({ ...current, metadata: { ...current.metadata, resourceVersion: undefined } });
      return { operation: 'deleted', object: current, reason: 'Immutable', message: err.status.message ?? err.message };
    }
    if (!current) return { operation: 'created', object, changed: [], removed: [], migrated };
    return { operation: 'updated', object, changed: diff?.changed ?? [], removed: diff?.removed ?? [], migrated };
  };

  const reconcileExisting = async (current: T, fromCache: boolean): Promise<ApplyOutcome<T>> => {
    if (isControlledBy(current, owner)) {
      if (!writtenByUpdate(current, fieldManager, desired.apiVersion!)) return send(current, false);
      // Written by update before: move those fields to the apply manager first. A cache keeps only who wrote an
      // update entry, not its fields: read the child live for them.
      const full = fromCache ? ((await read({ stale: true })).object ?? current) : current;
      const managedFields = upgradedManagedFields(full, fieldManager, desired.apiVersion!, options.now?.() ?? new Date());
      if (!managedFields) return send(full, false);
      try {
        const migrated = written(
          await resource.jsonPatch(
            name,
            [
              { op: 'test', path: '/metadata/resourceVersion', value: full.metadata.resourceVersion },
              { op: 'replace', path: '/metadata/managedFields', value: managedFields },
            ],
            { namespace, signal },
          ),
        );
        return send(migrated, true);
      } catch (err) {
        // Changed or gone since it was read: judge again from a live read, once.
        if (!(fromCache && (isConflict(err) || isNotFound(err) || isTestFailed(err)))) throw err;
        const view = await read({ stale: true });
        return view.object ? reconcileExisting(view.object, false) : send(undefined, false);
      }
    }
    if (isLeftoverOf(current, owner)) {
      await deleteIfSame(resource, current, signal);
      return send(undefined, false);
    }
    return { operation: 'collision', object: current, controller: controllerReferenceOf(current) };
  };

  const view = await read({ stale: false });
  if (view.object) return reconcileExisting(view.object, view.from === 'cache');
  // An apply creates the child when there is none, and would take over one the cache does not show (not yet
  // seen, or not selected by its labels): look live before creating, so that nothing is ever adopted.
  const live = view.from === 'cache' ? (await read({ stale: true })).object : undefined;
  return live ? reconcileExisting(live, false) : send(undefined, false);
}

/** A JSON patch whose `test` failed: the API server answers 422 with this message. */
function isTestFailed(err: unknown): boolean {
  return err instanceof ApiError && err.httpStatus === 422 && /test(ing)? (operation )?fail/i.test(err.status.message ?? '');
}
