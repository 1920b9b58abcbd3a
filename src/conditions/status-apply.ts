import type { RequestOptions } from '../client/index.ts';
import { apiVersionOf, type ResourceDescriptor, resourcePath } from '../core/index.ts';
import { ConditionError } from './errors.ts';

/**
 * The object whose status is written: only its name and namespace are used.
 *
 * @noExample Any object read from the API fits; {@link statusApplyPatch}'s example passes one.
 */
export interface StatusTarget {
  /** The object's metadata, as read from the API. */
  metadata: {
    /** Required: a status write without it throws `INVALID_STATUS_TARGET`. */
    name?: string;
    /** Required for a namespaced kind. */
    namespace?: string;
  };
}

/**
 * The server-side apply body of a status write.
 *
 * @noExample Returned by {@link statusApplyPatch}, whose example reads it.
 */
export interface StatusApplyPatch<S> {
  /** The kind's `group/version` (`v1` for the core group). */
  apiVersion: string;
  /** The kind's name, e.g. `HelloWorld`. */
  kind: string;
  /** The object's identity, nothing else, so that the apply owns no metadata. */
  metadata: {
    /** The object's name. */
    name: string;
    /** The object's namespace; absent for a cluster-scoped kind. */
    namespace?: string;
  };
  /** The status fields this field manager owns: every one it sets, and only those. */
  status: S;
}

/**
 * The body of a server-side apply to the status subresource: apiVersion, kind, name, namespace and the
 * status fields this controller owns, nothing else. Server-side apply makes the field manager the owner of
 * exactly the fields sent: a later apply that leaves one out removes it, and fields owned by others are
 * kept. Because `conditions` is a map-list keyed by `type`, each condition is owned separately, so send
 * every condition this controller sets (computed with `setCondition` from the current object, so that
 * `lastTransitionTime` is kept), and only those.
 *
 * @example
 * ```ts
 * import { setCondition, statusApplyPatch } from 'capstan/conditions';
 * const HelloWorld = { group: 'apps.example.com', version: 'v1alpha1', kind: 'HelloWorld', plural: 'helloworlds', namespaced: true };
 * const hw = { metadata: { name: 'hello', namespace: 'demo', generation: 2 }, status: { conditions: [] } };
 * const body = statusApplyPatch(HelloWorld, hw, {
 *   observedGeneration: hw.metadata.generation,
 *   conditions: setCondition(hw.status.conditions, { type: 'Ready', status: 'True', reason: 'ConfigMapReady', observedGeneration: 2 }),
 * });
 * console.log(body.apiVersion, body.metadata); // 'apps.example.com/v1alpha1' { name: 'hello', namespace: 'demo' }
 * ```
 */
export function statusApplyPatch<S extends object>(resource: ResourceDescriptor, object: StatusTarget, status: S): StatusApplyPatch<S> {
  const { name, namespace } = object.metadata;
  if (!name)
    throw new ConditionError(
      'INVALID_STATUS_TARGET',
      `statusApplyPatch: the ${resource.kind} has no metadata.name; pass the object read from the API`,
    );
  if (resource.namespaced && !namespace) {
    throw new ConditionError(
      'INVALID_STATUS_TARGET',
      `statusApplyPatch: ${resource.kind} ${name} is namespaced but has no metadata.namespace`,
    );
  }
  return {
    apiVersion: apiVersionOf(resource),
    kind: resource.kind,
    metadata: resource.namespaced ? { name, namespace: namespace! } : { name },
    status,
  };
}

/**
 * How a status apply is sent.
 *
 * @noExample Options of {@link statusApplyRequest}; its example shows them in use.
 */
export interface StatusApplyOptions {
  /** The controller's field manager, e.g. `capstan-helloworld`; the same on every write of this controller. */
  fieldManager: string;
  /**
   * Take over fields another manager owns instead of failing with 409; default true, as controllers own
   * their status fields (kubectl and other tools should not be writing them).
   */
  force?: boolean;
  /** Aborts the request, e.g. the reconcile's signal. */
  signal?: AbortSignal;
}

/**
 * The complete request for {@link statusApplyPatch}: `PATCH …/status` with `application/apply-patch+yaml`
 * (JSON is YAML), `fieldManager` and `force`. Send it with `client.request(...)`.
 *
 * @example
 * ```ts
 * import { KubeClient } from 'capstan/client';
 * import { statusApplyRequest } from 'capstan/conditions';
 * const HelloWorld = { group: 'apps.example.com', version: 'v1alpha1', kind: 'HelloWorld', plural: 'helloworlds', namespaced: true };
 * const client = await KubeClient.fromKubeconfig();
 * await client.request(statusApplyRequest(HelloWorld, { metadata: { name: 'hello', namespace: 'demo' } },
 *   { observedGeneration: 2 }, { fieldManager: 'capstan-helloworld' }));
 * await client.close();
 * ```
 */
export function statusApplyRequest<S extends object>(
  resource: ResourceDescriptor,
  object: StatusTarget,
  status: S,
  options: StatusApplyOptions,
): RequestOptions {
  const body = statusApplyPatch(resource, object, status);
  return {
    method: 'PATCH',
    path: resourcePath(resource, { namespace: body.metadata.namespace, name: body.metadata.name, subresource: 'status' }),
    query: { fieldManager: options.fieldManager, force: options.force ?? true },
    contentType: 'application/apply-patch+yaml',
    body,
    ...(options.signal ? { signal: options.signal } : {}),
  };
}
