import type { KubeObject } from '../core/index.ts';

/** Changes an object before the cache keeps it, to save memory; it must not change the name, namespace or resourceVersion. */
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
 * Keep objects exactly as the server sent them (to turn the default transform off).
 *
 * @example
 * ```ts
 * import { keepEverything, type Transform } from 'capstan/cache';
 * import type { ConfigMap } from 'capstan/core';
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
 * import type { ConfigMap } from 'capstan/core';
 * const dropAnnotations = (cm: ConfigMap): ConfigMap => ({ ...cm, metadata: { ...cm.metadata, annotations: undefined } });
 * const transform = composeTransforms<ConfigMap>(stripManagedFields, dropAnnotations);
 * ```
 */
export function composeTransforms<T>(...transforms: Array<Transform<T>>): Transform<T> {
  return (object) => transforms.reduce((current, transform) => transform(current), object);
}
