/**
 * An ownerReference (`metav1.OwnerReference`): the object it sits on is a dependent of the referenced
 * owner, and is garbage-collected with it.
 */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** One entry of `metadata.managedFields`: which manager owns which fields (server-side apply). */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: 'Apply' | 'Update';
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
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
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
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
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
}

/** `metav1.ListMeta`: where a list stands in the server's history, and how to get its next page. */
export interface ListMeta {
  resourceVersion?: string;
  continue?: string;
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
  apiVersion?: string;
  kind?: string;
  metadata: ListMeta;
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
  apiVersion?: 'meta.k8s.io/v1';
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
