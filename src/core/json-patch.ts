/**
 * One operation of a JSON Patch (RFC 6902), sent with `application/json-patch+json`: the server applies the
 * operations in order, all or none, so a failing `test` makes the whole patch fail. Paths are JSON Pointers:
 * `/metadata/labels/app.kubernetes.io~1name` escapes `/` as `~1` and `~` as `~0` ({@link jsonPointerSegment}).
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
  | {
      /** `add` sets `path` (inserting into an array), `replace` sets an existing one, `test` requires it to equal `value`. */
      op: 'add' | 'replace' | 'test';
      /** A JSON Pointer to the target. */
      path: string;
      /** The value to set, or to compare with. */
      value: unknown;
    }
  | {
      /** `remove` deletes the target, which must exist. */
      op: 'remove';
      /** A JSON Pointer to the target. */
      path: string;
    }
  | {
      /** `move` takes the value at `from` to `path`; `copy` puts a copy of it there. */
      op: 'move' | 'copy';
      /** A JSON Pointer to the value to move or copy. */
      from: string;
      /** A JSON Pointer to where it goes. */
      path: string;
    };

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
