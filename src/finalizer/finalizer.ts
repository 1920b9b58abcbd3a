import { isNotFound, type KubeClient } from '../client/index.ts';
import { CapstanError, type ResourceDescriptor, resourcePath } from '../core/index.ts';

/**
 * The step of {@link finalize} that failed; the object keeps its finalizer in every case.
 *
 * @noExample The `code` of a {@link FinalizerError}, whose example tests one.
 */
export type FinalizerErrorCode = 'INVALID_FINALIZER_NAME' | 'ADD_FINALIZER_FAILED' | 'REMOVE_FINALIZER_FAILED' | 'CLEANUP_FAILED';

/**
 * A step of finalizer handling failed. `cause` holds the original error; an `ADD_FINALIZER_FAILED` or
 * `REMOVE_FINALIZER_FAILED` whose cause is a conflict (`isConflict`) or a failed patch test (a 422) means
 * someone else changed the object first: retry with the fresh object. A `CLEANUP_FAILED` keeps the
 * finalizer, so the object stays until cleanup succeeds.
 *
 * @example
 * ```ts
 * import { isConflict } from 'capstan/client';
 * import { FinalizerError } from 'capstan/finalizer';
 * function changedMeanwhile(err: unknown): boolean {
 *   return err instanceof FinalizerError && err.code === 'ADD_FINALIZER_FAILED' && isConflict(err.cause);
 * }
 * ```
 */
export class FinalizerError extends CapstanError<FinalizerErrorCode> {}

/**
 * The part of an object finalizer handling reads. Any `KubeObject` read from the API or a cache fits.
 *
 * @noExample Pass the object being reconciled; {@link finalize}'s example builds one by hand.
 */
export interface FinalizableObject {
  /** The object's metadata, as last read. */
  metadata: {
    /** The object's name: the patch's path. */
    name?: string;
    /** The object's namespace: the patch's path, for a namespaced kind. */
    namespace?: string;
    /** What adding the first finalizer is guarded by. */
    resourceVersion?: string;
    /** The finalizers as last read: what each patch's `test` checks. */
    finalizers?: string[];
    /** Set once the object is being deleted: `cleanup` runs instead of `apply`. */
    deletionTimestamp?: string;
  };
}

/**
 * What to do for a live object (`apply`) and for one being deleted (`cleanup`, before the finalizer goes).
 *
 * @noExample The handlers of {@link finalize} and `ctx.finalize`; {@link finalize}'s example passes both.
 */
export interface FinalizeHandlers<T> {
  /** The reconcile of a live object, run once the finalizer is on it; its errors pass through untouched. */
  apply: () => Promise<T>;
  /** Release what the object holds outside the cluster; the finalizer is removed only when it resolves. Make it idempotent. */
  cleanup: () => Promise<T>;
}

const finalizerName = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/**
 * The object to work on, how to reach it, and the signal that aborts the write.
 *
 * @noExample The first argument of {@link finalize}, {@link addFinalizer} and {@link removeFinalizer}; their examples build one.
 */
export interface FinalizerTarget {
  /** Sends the patches; a `KubeClient`. */
  client: Pick<KubeClient, 'request'>;
  /** The object's kind (a `Kind`, or any descriptor with group, version, plural and scope). */
  resource: ResourceDescriptor;
  /** The object as last read: the patches are guarded by its finalizers and resourceVersion. */
  object: FinalizableObject;
  /** Aborts the patch, e.g. the reconcile's signal. */
  signal?: AbortSignal;
}

function objectPath({ resource, object }: FinalizerTarget): string {
  return resourcePath(resource, { namespace: object.metadata.namespace, name: object.metadata.name });
}

async function jsonPatch(target: FinalizerTarget, patch: object[]): Promise<FinalizableObject> {
  return target.client.request<FinalizableObject>({
    method: 'PATCH',
    path: objectPath(target),
    body: patch,
    contentType: 'application/json-patch+json',
    signal: target.signal,
  });
}

/**
 * Add `finalizer` with a JSON Patch guarded by a `test` of the list as we saw it (or of the
 * resourceVersion when there was none), so a finalizer another writer added meanwhile is never lost: the
 * patch fails instead and the caller retries with the fresh object. Returns the object as patched (the given
 * one when the finalizer is already there); throws a {@link FinalizerError} `ADD_FINALIZER_FAILED`, or
 * `INVALID_FINALIZER_NAME` before any request when the name is not domain-qualified (`example.com/cleanup`).
 *
 * @example
 * ```ts
 * import { KubeClient } from 'capstan/client';
 * import { addFinalizer } from 'capstan/finalizer';
 * const client = await KubeClient.fromKubeconfig();
 * const Backup = { group: 'ops.example.com', version: 'v1', kind: 'Backup', plural: 'backups', namespaced: true };
 * const object = { metadata: { name: 'nightly', namespace: 'demo', resourceVersion: '42' } };
 * const updated = await addFinalizer({ client, resource: Backup, object }, 'ops.example.com/cleanup');
 * console.log(updated.metadata.finalizers); // ['ops.example.com/cleanup']
 * ```
 */
export async function addFinalizer(target: FinalizerTarget, finalizer: string): Promise<FinalizableObject> {
  requireQualified(finalizer);
  const current = target.object.metadata.finalizers;
  if (current?.includes(finalizer)) return target.object;
  const patch = current
    ? [
        { op: 'test', path: '/metadata/finalizers', value: current },
        { op: 'add', path: '/metadata/finalizers/-', value: finalizer },
      ]
    : [
        { op: 'test', path: '/metadata/resourceVersion', value: target.object.metadata.resourceVersion },
        { op: 'add', path: '/metadata/finalizers', value: [finalizer] },
      ];
  try {
    return await jsonPatch(target, patch);
  } catch (cause) {
    throw new FinalizerError(
      'ADD_FINALIZER_FAILED',
      `adding finalizer ${finalizer} to ${objectPath(target)} failed: ${(cause as Error).message}`,
      { cause },
    );
  }
}

/**
 * Remove `finalizer`, guarded by a `test` that the entry at its index is still ours. Returns the object as
 * patched, the given one when the finalizer was not there, or `undefined` when removing the last finalizer of a
 * deleted object let it go; throws a {@link FinalizerError} `REMOVE_FINALIZER_FAILED`.
 *
 * @example
 * ```ts
 * import { KubeClient } from 'capstan/client';
 * import { removeFinalizer } from 'capstan/finalizer';
 * const client = await KubeClient.fromKubeconfig();
 * const Backup = { group: 'ops.example.com', version: 'v1', kind: 'Backup', plural: 'backups', namespaced: true };
 * const object = { metadata: { name: 'nightly', namespace: 'demo', finalizers: ['ops.example.com/cleanup'] } };
 * const left = await removeFinalizer({ client, resource: Backup, object }, 'ops.example.com/cleanup');
 * if (left === undefined) console.log('the Backup is gone');
 * ```
 */
export async function removeFinalizer(target: FinalizerTarget, finalizer: string): Promise<FinalizableObject | undefined> {
  const index = target.object.metadata.finalizers?.indexOf(finalizer) ?? -1;
  if (index < 0) return target.object;
  try {
    return await jsonPatch(target, [
      { op: 'test', path: `/metadata/finalizers/${index}`, value: finalizer },
      { op: 'remove', path: `/metadata/finalizers/${index}` },
    ]);
  } catch (cause) {
    // Removing the last finalizer of a deleted object deletes it; a 404 means that already happened.
    if (isNotFound(cause)) return undefined;
    throw new FinalizerError(
      'REMOVE_FINALIZER_FAILED',
      `removing finalizer ${finalizer} from ${objectPath(target)} failed: ${(cause as Error).message}`,
      { cause },
    );
  }
}

/**
 * Run a reconcile under a finalizer, as kube-rs `finalizer()` does:
 *
 * - object live, finalizer missing → add it (guarded), then `apply`;
 * - object live, finalizer present → `apply`;
 * - object being deleted, finalizer present → `cleanup`, and only when it succeeds remove the finalizer;
 * - object being deleted, finalizer gone → nothing to do (`undefined`).
 *
 * A failing `cleanup` throws a `FinalizerError` with code `CLEANUP_FAILED` and leaves the finalizer in place, so the
 * controller backs off and tries again; the object cannot disappear before its cleanup has run.
 *
 * @example
 * ```ts
 * import { KubeClient } from 'capstan/client';
 * import { finalize } from 'capstan/finalizer';
 * const client = await KubeClient.fromKubeconfig();
 * const Backup = { group: 'ops.example.com', version: 'v1', kind: 'Backup', plural: 'backups', namespaced: true };
 * const object = { metadata: { name: 'nightly', namespace: 'demo', resourceVersion: '42' } };
 * await finalize({ client, resource: Backup, object }, 'ops.example.com/cleanup', {
 *   apply: async () => 'applied',
 *   cleanup: async () => 'removed the external copy',
 * });
 * ```
 */
export async function finalize<T>(target: FinalizerTarget, finalizer: string, handlers: FinalizeHandlers<T>): Promise<T | undefined> {
  requireQualified(finalizer);
  const present = target.object.metadata.finalizers?.includes(finalizer) ?? false;
  if (target.object.metadata.deletionTimestamp) {
    if (!present) return undefined;
    let result: T;
    try {
      result = await handlers.cleanup();
    } catch (cause) {
      throw new FinalizerError(
        'CLEANUP_FAILED',
        `cleanup for ${objectPath(target)} failed; finalizer ${finalizer} stays: ${(cause as Error).message}`,
        { cause },
      );
    }
    await removeFinalizer(target, finalizer);
    return result;
  }
  if (!present) await addFinalizer(target, finalizer);
  // apply's own errors pass through untouched: they carry the reconciler's retry policy.
  return handlers.apply();
}

/**
 * A finalizer Capstan adds must be domain-qualified (`example.com/cleanup`), as Kubernetes asks (the API server only
 * warns). Removing is not checked: an operator may have to remove an older, unqualified name of its own.
 */
function requireQualified(finalizer: string): void {
  if (!finalizerName.test(finalizer)) {
    throw new FinalizerError('INVALID_FINALIZER_NAME', `finalizer "${finalizer}" must be domain-qualified, like example.com/cleanup`);
  }
}
