/**
 * One operation of a JSON Patch (RFC 6902), sent with `application/json-patch+json`. Paths are JSON
 * Pointers: `/metadata/labels/app.kubernetes.io~1name` escapes `/` as `~1` and `~` as `~0`.
 *
 * @example
 * ```ts
 * import type { JsonPatchOperation } from 'capstan/core';
 * const ops: JsonPatchOperation[] = [
 *   { op: 'test', path: '/metadata/resourceVersion', value: '42' },
 *   { op: 'replace', path: '/data/message', value: 'hello' },
 * ];
 * ```
 */
export type JsonPatchOperation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };

/**
 * Escape one key for use in a JSON Pointer path segment.
 *
 * @example
 * ```ts
 * import { jsonPointerSegment } from 'capstan/core';
 * `/metadata/labels/${jsonPointerSegment('app.kubernetes.io/name')}`; // '/metadata/labels/app.kubernetes.io~1name'
 * ```
 */
export function jsonPointerSegment(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}
