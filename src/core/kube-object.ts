/**
 * An ownerReference (`metav1.OwnerReference`): the object it sits on is a dependent of the referenced
 * owner, and the garbage collector deletes it once every owner is gone. Build a controller reference with
 * `ownerReferenceTo` of `capstan/controller`; `ctx.apply` sets it on children for you.
 *
 * @example
 * ```ts
 * import type { OwnerReference } from 'capstan';
 * const owner: OwnerReference = {
 *   apiVersion: 'apps.example.com/v1alpha1', kind: 'HelloWorld', name: 'hello',
 *   uid: '0b5f3e4c-6a1d-4c47-9a55-2f0e2c1d7b9a', controller: true, blockOwnerDeletion: true,
 * };
 * ```
 */
export interface OwnerReference {
  /** The owner's `apiVersion`. */
  apiVersion: string;
  /** The owner's kind. */
  kind: string;
  /**
   * The owner's name. There is no namespace: a namespaced owner must be in the dependent's namespace, and a
   * cluster-scoped dependent can have only cluster-scoped owners.
   */
  name: string;
  /** The owner's UID: a reference to a deleted owner does not match a new one of the same name. */
  uid: string;
  /** True on the reference to the managing controller; at most one reference of an object sets it. */
  controller?: boolean;
  /**
   * True to keep a foreground deletion of the owner waiting until this dependent is gone. With the
   * `OwnerReferencesPermissionEnforcement` admission plugin, setting it needs `update` on the owner's
   * `finalizers` subresource.
   */
  blockOwnerDeletion?: boolean;
}

/**
 * One entry of `metadata.managedFields`: which field manager owns which fields (server-side apply).
 *
 * @noExample Written by the API server into `metadata.managedFields`; read it, never send it.
 */
export interface ManagedFieldsEntry {
  /** The field manager: the `fieldManager` of the requests that wrote these fields (`kubectl`, an operator's name). */
  manager?: string;
  /** `Apply` for server-side apply; `Update` for every other write (create, update, patch). */
  operation?: 'Apply' | 'Update';
  /** The API version whose schema `fieldsV1` follows. */
  apiVersion?: string;
  /** RFC 3339 time this manager last changed the set or the values of the fields it owns. */
  time?: string;
  /** The format of `fieldsV1`: always `FieldsV1`. */
  fieldsType?: string;
  /** The fields owned, as a trie of `f:<field>`, `k:<list key>`, `v:<value>` and `i:<index>` keys. */
  fieldsV1?: Record<string, unknown>;
  /** The subresource written through (`status`, `scale`); absent for the object itself. */
  subresource?: string;
}

/**
 * `metav1.ObjectMeta` as the API server sends it in JSON (timestamps are RFC 3339 strings).
 *
 * @example
 * ```ts
 * import type { ObjectMeta } from 'capstan/core';
 * const meta: ObjectMeta = { name: 'hello', namespace: 'demo', labels: { 'app.kubernetes.io/managed-by': 'capstan' } };
 * ```
 */
export interface ObjectMeta {
  /** Unique per kind within the namespace (within the cluster for a cluster-scoped kind); immutable. */
  name?: string;
  /** A prefix from which the server makes a unique `name` on create, when `name` is empty. */
  generateName?: string;
  /** The namespace of a namespaced object; absent on a cluster-scoped one. */
  namespace?: string;
  /** Set by the server, unique over the cluster's lifetime: tells apart two objects that had the same name at different times. */
  uid?: string;
  /**
   * The version of this object, changed by every write. Send it back on an update for optimistic concurrency
   * (a stale one gets 409 Conflict); the API treats it as opaque.
   */
  resourceVersion?: string;
  /**
   * A sequence number the server increases when the desired state changes (not on writes of `metadata` or
   * through the `status` subresource). A controller writes the generation it acted on to
   * `status.observedGeneration`.
   */
  generation?: number;
  /** When the server created the object; set by the server. */
  creationTimestamp?: string;
  /**
   * When deletion was requested; set by the server, never by a client. The object stays until `finalizers` is
   * empty, and no finalizer can be added from then on.
   */
  deletionTimestamp?: string;
  /** Seconds the object is given to terminate gracefully once `deletionTimestamp` is set (Pods); set by the server. */
  deletionGracePeriodSeconds?: number;
  /** Key/value pairs to select objects by (label selectors, `kubectl -l`), e.g. `app.kubernetes.io/name`. */
  labels?: Record<string, string>;
  /** Key/value pairs for tools and controllers; never used to select, and values may be large. */
  annotations?: Record<string, string>;
  /** The objects this one depends on: once every owner is gone, the garbage collector deletes it. */
  ownerReferences?: OwnerReference[];
  /**
   * Domain-qualified keys (`example.com/cleanup`) of cleanups still to do: a deleted object stays until every
   * controller has removed its own.
   */
  finalizers?: string[];
  /** Which field manager owns which fields (server-side apply); the caches of `capstan/cache` drop it by default. */
  managedFields?: ManagedFieldsEntry[];
  /** @deprecated Never set by the API server since Kubernetes 1.20; kept so the type covers `metav1.ObjectMeta`. */
  selfLink?: string;
}

/**
 * Any Kubernetes object: `apiVersion`, `kind` and `metadata`; kinds add their own fields.
 *
 * @example
 * ```ts
 * import type { KubeObject } from 'capstan/core';
 * interface HelloWorld extends KubeObject { spec: { name: string } }
 * const hw: HelloWorld = { apiVersion: 'apps.example.com/v1alpha1', kind: 'HelloWorld', metadata: { name: 'hw' }, spec: { name: 'x' } };
 * ```
 */
export interface KubeObject {
  /**
   * `v1` for the core group, `<group>/<version>` otherwise; optional because the server leaves it out of the
   * items of a list of a built-in kind.
   */
  apiVersion?: string;
  /** The kind (`ConfigMap`); optional for the same reason as `apiVersion`. */
  kind?: string;
  /** Name, namespace, labels, owners, finalizers and the rest of `metav1.ObjectMeta`. */
  metadata: ObjectMeta;
}

/**
 * `metav1.ListMeta`: where a list stands in the server's history, and how to get its next page.
 *
 * @noExample The `metadata` of an {@link ObjectList}; its example sets one.
 */
export interface ListMeta {
  /** The collection's version at the time of the list: a watch from it sees every change after the list. */
  resourceVersion?: string;
  /** Set when more pages follow: send it as `continue` for the next page (it expires after a few minutes: 410 Gone). */
  continue?: string;
  /** An estimate of the items after this page, when the server can tell. */
  remainingItemCount?: number;
  /** @deprecated Never set by the API server since Kubernetes 1.20; kept so the type covers `metav1.ListMeta`. */
  selfLink?: string;
}

/**
 * A list answer (`ConfigMapList`, `PartialObjectMetadataList`, …).
 *
 * @example
 * ```ts
 * import type { ObjectList, KubeObject } from 'capstan/core';
 * const empty: ObjectList<KubeObject> = { metadata: { resourceVersion: '1' }, items: [] };
 * ```
 */
export interface ObjectList<T> {
  /** The `apiVersion` of the listed kind. */
  apiVersion?: string;
  /** `<Kind>List` (`ConfigMapList`). */
  kind?: string;
  /** The list's resourceVersion and, when paged, the token of the next page. */
  metadata: ListMeta;
  /** The objects of this page. */
  items: T[];
}

/**
 * What the server sends when asked for metadata only (`meta.k8s.io/v1` PartialObjectMetadata): the
 * object's `metadata` and nothing of its spec, data or status.
 *
 * @example
 * ```ts
 * import type { PartialObjectMetadata } from 'capstan/core';
 * function labelsOf(object: PartialObjectMetadata): Record<string, string> {
 *   return object.metadata.labels ?? {};
 * }
 * ```
 */
export interface PartialObjectMetadata extends KubeObject {
  /** `meta.k8s.io/v1`, whatever the object's own `apiVersion`. */
  apiVersion?: 'meta.k8s.io/v1';
  /** `PartialObjectMetadata`, whatever the object's own kind. */
  kind?: 'PartialObjectMetadata';
}

/**
 * The key by which caches and work queues name an object: `namespace/name`, or `name` for a
 * cluster-scoped object (the same form as client-go's `MetaNamespaceKeyFunc`).
 *
 * @example
 * ```ts
 * import { objectKey } from 'capstan/core';
 * objectKey({ metadata: { namespace: 'demo', name: 'hello' } }); // 'demo/hello'
 * objectKey({ metadata: { name: 'kube-system' } });               // 'kube-system'
 * ```
 */
export function objectKey(object: { metadata: Pick<ObjectMeta, 'name' | 'namespace'> }): string {
  const { namespace, name = '' } = object.metadata;
  return namespace ? `${namespace}/${name}` : name;
}
