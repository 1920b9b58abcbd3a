// The `<group>/conversion-data` annotation: what one version of an object has and another cannot hold, kept on
// the object so that a round trip through the other version loses nothing. Pure functions of JSON values.
import type { ObjectMeta } from '../core/index.ts';
import { deepEqual, isPlainObject } from '../internal/json.ts';

/**
 * The annotation that keeps, on each object, what a conversion could not carry to the other version:
 * `<group>/conversion-data` (e.g. `example.com/conversion-data`). Its value is JSON, an object by version name:
 * `{"v1": {"spec": {"legacyField": "x"}}}` means that when this object was converted from v1, its v1 form had
 * `spec.legacyField: "x"`, which the other version has no place for.
 *
 * The rules, for a conversion from version A to version B (each step of a spoke → hub → spoke conversion is one):
 * - **Stored**: what A's object has that the round trip A → B → A loses (keys absent after the round trip,
 *   recursively through objects; a list is one value, kept only when it is absent as a whole) replaces A's entry,
 *   or removes it when nothing is lost. A's current content is the truth about A: an older entry for A is never
 *   merged with it (so a field removed in A stays removed).
 * - **Restored**: B's entry, when there is one, is merged into the converted object only where that lacks the key
 *   (never overwriting what the conversion produced: when the object changed in A so that the conversion now
 *   fills the field, the fresh value wins and the stale one is dropped), and the entry is removed.
 * - Entries of other versions are carried unchanged; the annotation is removed when it has no entry left. A value
 *   that is not such a JSON object (edited by hand) is treated as no annotation at all.
 *
 * Caveat: a stored object is merged as a partial, so a conversion that stops producing an object whose fields were
 * stored gets that object back with only the stored fields.
 *
 * @example
 * ```ts
 * import { conversionDataAnnotation } from 'capstan/webhook';
 * console.log(conversionDataAnnotation('example.com')); // 'example.com/conversion-data'
 * ```
 */
export function conversionDataAnnotation(group: string): string {
  return `${group}/conversion-data`;
}

/** The annotation's entries by version; {} when there is none, or when it is not such a JSON object. */
export function readConversionData(metadata: ObjectMeta | undefined, annotation: string): Record<string, unknown> {
  const text = metadata?.annotations?.[annotation];
  if (text === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return isPlainObject(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

/** `metadata` with the annotation set to `data`, or without it (and without an empty `annotations`) when `data` is empty. */
export function writeConversionData(metadata: ObjectMeta, annotation: string, data: Record<string, unknown>): ObjectMeta {
  const { [annotation]: _previous, ...others } = metadata.annotations ?? {};
  const annotations = Object.keys(data).length > 0 ? { ...others, [annotation]: JSON.stringify(data) } : others;
  const { annotations: _old, ...rest } = metadata;
  return Object.keys(annotations).length > 0 ? { ...rest, annotations } : rest;
}

/** The keys of `original` absent from `roundTrip` (recursively through objects), or undefined when none is. */
export function lostFields(original: Record<string, unknown>, roundTrip: Record<string, unknown>): Record<string, unknown> | undefined {
  const lost: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(original)) {
    if (value === undefined) continue;
    if (!Object.hasOwn(roundTrip, key) || roundTrip[key] === undefined) {
      defineField(lost, key, value);
    } else if (isPlainObject(value) && isPlainObject(roundTrip[key])) {
      const inner = lostFields(value, roundTrip[key]);
      if (inner) defineField(lost, key, inner);
    }
  }
  return Object.keys(lost).length > 0 ? lost : undefined;
}

/** Add `stored`'s fields to `target` where it lacks the key, recursively through objects; never overwrite. */
export function mergeMissing(target: Record<string, unknown>, stored: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(stored)) {
    const present = target[key];
    if (!Object.hasOwn(target, key) || present === undefined) defineField(target, key, structuredClone(value));
    else if (isPlainObject(present) && isPlainObject(value)) {
      // A copy: the converted object may share this node with the object converted.
      const copy = { ...present };
      mergeMissing(copy, value);
      if (!deepEqual(copy, present)) defineField(target, key, copy);
    }
  }
}

// defineProperty: a key named __proto__ is data here, as in JSON.
function defineField(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
