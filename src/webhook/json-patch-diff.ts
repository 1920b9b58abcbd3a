import { type JsonPatchOperation, jsonPointerSegment } from '../core/index.ts';
import { isPlainObject } from '../internal/json.ts';

/** Whether `object` has `key` as an own field with a value (`valueOf` of a plain object is not one of its fields). */
function has(object: Record<string, unknown>, key: string): boolean {
  return Object.hasOwn(object, key) && object[key] !== undefined;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a).filter((k) => has(a, k));
    return keys.length === Object.keys(b).filter((k) => has(b, k)).length && keys.every((k) => has(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/**
 * The RFC 6902 JSON Patch that turns `before` into `after`: objects are compared key by key (a key set to
 * `undefined` counts as absent), arrays and scalars that differ are replaced whole. Applied to `before`, it gives
 * `after`; it is empty when they are equal.
 *
 * @example
 * ```ts
 * import { jsonPatchBetween } from 'capstan/webhook';
 * jsonPatchBetween({ spec: { a: 1, b: 2 } }, { spec: { a: 1, c: 3 } });
 * // [{ op: 'remove', path: '/spec/b' }, { op: 'add', path: '/spec/c', value: 3 }]
 * ```
 */
export function jsonPatchBetween(before: unknown, after: unknown, path = ''): JsonPatchOperation[] {
  if (deepEqual(before, after)) return [];
  if (!isPlainObject(before) || !isPlainObject(after)) return [{ op: 'replace', path, value: after }];
  const operations: JsonPatchOperation[] = [];
  for (const key of Object.keys(before)) {
    if (has(before, key) && !has(after, key)) operations.push({ op: 'remove', path: `${path}/${jsonPointerSegment(key)}` });
  }
  for (const [key, value] of Object.entries(after)) {
    if (value === undefined) continue;
    const at = `${path}/${jsonPointerSegment(key)}`;
    if (!has(before, key)) operations.push({ op: 'add', path: at, value });
    else operations.push(...jsonPatchBetween(before[key], value, at));
  }
  return operations;
}
