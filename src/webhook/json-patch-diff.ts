import { type JsonPatchOperation, jsonPointerSegment } from '../core/index.ts';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a).filter((k) => a[k] !== undefined);
    return keys.length === Object.keys(b).filter((k) => b[k] !== undefined).length && keys.every((k) => deepEqual(a[k], b[k]));
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
  for (const [key, value] of Object.entries(before)) {
    if (value !== undefined && after[key] === undefined) operations.push({ op: 'remove', path: `${path}/${jsonPointerSegment(key)}` });
  }
  for (const [key, value] of Object.entries(after)) {
    if (value === undefined) continue;
    const at = `${path}/${jsonPointerSegment(key)}`;
    if (before[key] === undefined) operations.push({ op: 'add', path: at, value });
    else operations.push(...jsonPatchBetween(before[key], value, at));
  }
  return operations;
}
