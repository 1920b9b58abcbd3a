import type { KubeObject } from '../core/index.ts';
import { deepEqual, isPlainObject } from '../internal/json.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Paths (dotted, for messages) where `current` does not carry what `desired` sets. Maps are compared key by key, so keys only `current` has (a user's extra data key, another label) never count; arrays and scalars are compared whole. */
export function differingFields(desired: Record<string, unknown>, current: Record<string, unknown> | undefined, prefix = ''): string[] {
  const differing: string[] = [];
  for (const [key, want] of Object.entries(desired)) {
    const have = current && Object.hasOwn(current, key) ? current[key] : undefined;
    const path = prefix ? `${prefix}.${key}` : key;
    if (isPlainObject(want)) {
      differing.push(...differingFields(want, isPlainObject(have) ? have : undefined, path));
    } else if (!deepEqual(want, have)) {
      differing.push(path);
    }
  }
  return differing;
}

/** Fields of a desired child that identify it rather than describe it: never part of the owned-field diff. */
const identity = new Set(['name', 'namespace', 'ownerReferences', 'resourceVersion', 'uid', 'generateName']);

/**
 * The part of a desired child the controller owns: everything it sets except `apiVersion`, `kind` and the
 * identifying metadata. Comparing only these against the cached child is what lets a user add keys of
 * their own that the controller leaves alone.
 *
 * For example (private to the layer, so not an `@example` of the public API):
 * ```ts
 * import type { KubeObject } from 'capstan/core';
 * import { ownedFields } from './owned-fields.ts';
 * const desired: KubeObject & { data: Record<string, string> } = {
 *   apiVersion: 'v1', kind: 'ConfigMap',
 *   metadata: { name: 'hello', namespace: 'demo', labels: { 'app.kubernetes.io/managed-by': 'hello-world-operator' } },
 *   data: { message: 'hi' },
 * };
 * const owned = ownedFields(desired);
 * // { metadata: { labels: { 'app.kubernetes.io/managed-by': 'hello-world-operator' } }, data: { message: 'hi' } }
 * ```
 */
export function ownedFields(desired: KubeObject): Record<string, Json> {
  const { apiVersion: _v, kind: _k, metadata, ...rest } = desired as KubeObject & Record<string, Json>;
  const ownedMeta = Object.fromEntries(Object.entries(metadata).filter(([key]) => !identity.has(key))) as Record<string, Json>;
  return Object.keys(ownedMeta).length > 0 ? { metadata: ownedMeta, ...rest } : { ...rest };
}
