// JSON merge patch (RFC 7386), as the API server applies `application/merge-patch+json`.
import { isPlainObject } from '../../internal/json.ts';

/**
 * `target` with `patch` merged in: an object merges field by field, `null` removes a field, anything else
 * (arrays included) replaces. Neither argument is modified.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const result: Record<string, unknown> = isPlainObject(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else if (value !== undefined) result[key] = applyMergePatch(result[key], value);
  }
  return result;
}
