import type { KubeObject } from '../core/index.ts';

/**
 * Changes an object before the cache keeps it, to save memory: it runs on every object a watch or list
 * delivers. It must not change the name, namespace or resourceVersion (the store keys and orders by them), and
 * readers see only what it keeps.
 *
 * @example
 * ```ts
 * import { ConfigMap } from 'capstan';
 * import { composeTransforms, Informer, stripManagedFields, type Transform } from 'capstan/cache';
 * import type { KubeClient } from 'capstan/client';
 * declare const client: KubeClient;
 * const dropLastApplied: Transform<ConfigMap> = (cm) => {
 *   const { 'kubectl.kubernetes.io/last-applied-configuration': _dropped, ...annotations } = cm.metadata.annotations ?? {};
 *   return { ...cm, metadata: { ...cm.metadata, annotations } };
 * };
 * const informer = new Informer(client.resource(ConfigMap), { transform: composeTransforms(stripManagedFields, dropLastApplied) });
 * ```
 */
export type Transform<T> = (object: T) => T;

/**
 * Drop `metadata.managedFields` (often the larger half of a small object). The cache's default: readers
 * rarely need it, and server-side apply does not read it from the client.
 *
 * @example
 * ```ts
 * import { stripManagedFields } from 'capstan/cache';
 * const slim = stripManagedFields({ metadata: { name: 'a', managedFields: [{ manager: 'kubectl' }] } });
 * console.log('managedFields' in slim.metadata); // false
 * ```
 */
export function stripManagedFields<T extends KubeObject>(object: T): T {
  if (!object.metadata.managedFields) return object;
  const { managedFields: _dropped, ...metadata } = object.metadata;
  return { ...object, metadata };
}

/**
 * Keep of `metadata.managedFields` only what a controller applying children needs: each server-side apply entry
 * of the main resource whole (the fields its manager applies, so that an apply that would change nothing is
 * never sent), and of each update entry only who wrote at which version (so that a child first written by
 * update is known to need moving to apply). Everything else of managedFields is dropped. The manager's
 * caches use it.
 *
 * @example
 * ```ts
 * import { slimManagedFields } from 'capstan/cache';
 * const slim = slimManagedFields({ metadata: { name: 'a', managedFields: [
 *   { manager: 'op', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': {} } },
 *   { manager: 'kubectl', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': {} } },
 * ] } });
 * console.log(slim.metadata.managedFields?.[1]); // { manager: 'kubectl', operation: 'Update', apiVersion: 'v1' }
 * ```
 */
export function slimManagedFields<T extends KubeObject>(object: T): T {
  const entries = object.metadata.managedFields;
  if (!entries) return object;
  const kept = entries.flatMap((entry) => {
    if (entry.subresource) return [];
    if (entry.operation === 'Apply') return [entry];
    return [{ manager: entry.manager, operation: entry.operation, apiVersion: entry.apiVersion }];
  });
  const { managedFields: _dropped, ...metadata } = object.metadata;
  return { ...object, metadata: kept.length > 0 ? { ...metadata, managedFields: kept } : metadata };
}

/**
 * Keep objects exactly as the server sent them (to turn the default transform off).
 *
 * @example
 * ```ts
 * import { keepEverything, type Transform } from 'capstan/cache';
 * import type { ConfigMap } from 'capstan';
 * const transform: Transform<ConfigMap> = keepEverything;
 * ```
 */
export function keepEverything<T>(object: T): T {
  return object;
}

/**
 * Apply several transforms in order.
 *
 * @example
 * ```ts
 * import { composeTransforms, stripManagedFields } from 'capstan/cache';
 * import type { ConfigMap } from 'capstan';
 * const dropAnnotations = (cm: ConfigMap): ConfigMap => ({ ...cm, metadata: { ...cm.metadata, annotations: undefined } });
 * const transform = composeTransforms<ConfigMap>(stripManagedFields, dropAnnotations);
 * ```
 */
export function composeTransforms<T>(...transforms: Array<Transform<T>>): Transform<T> {
  return (object) => transforms.reduce((current, transform) => transform(current), object);
}
