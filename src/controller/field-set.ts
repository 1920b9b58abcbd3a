// What a server-side apply of a desired child would change, judged locally from the child's managedFields, so
// that an apply that would change nothing is never sent (an idle restart writes nothing). The judgement is
// conservative: wherever the shape of a list is not known from the object's own managedFields, the apply is
// sent and the server decides.
import type { KubeObject, ManagedFieldsEntry } from '../core/index.ts';
import { deepEqual, isPlainObject } from '../internal/json.ts';

/**
 * A managedFields `fieldsV1` tree: `f:<field>`, `k:<key as JSON>`, `v:<value as JSON>`, `i:<index>`, and `.` (the node itself).
 *
 * @noExample The shape of `metadata.managedFields[].fieldsV1` as the API server writes it; nothing to call.
 */
export interface FieldsV1 {
  [path: string]: FieldsV1;
}

/**
 * What applying a desired object would do to the current one, for the field manager that applies it.
 *
 * @noExample Returned by {@link applyDiff}, whose example reads it.
 */
export interface ApplyDiff {
  /** True when the server would change nothing: same fields owned, same values. */
  readonly noop: boolean;
  /** Dotted paths whose values differ (or that the manager does not own yet). */
  readonly changed: readonly string[];
  /** Dotted paths the manager owns today that the desired object no longer sets: the apply removes them. */
  readonly removed: readonly string[];
}

/** Fields the API server never records in managedFields (they identify the object or are set by the server). */
const strippedMetadata = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'managedFields',
  'selfLink',
]);

const unknownShape = Symbol('unknown shape');
type Walked = { set: FieldsV1; changed: string[] } | typeof unknownShape;

function childPaths(hints: readonly FieldsV1[]): string[] {
  return [...new Set(hints.flatMap((h) => Object.keys(h).filter((k) => k !== '.')))];
}

/** The key fields of an associative list element, from a `k:{…}` path; undefined for anything else. */
function parseKey(path: string): Record<string, unknown> | undefined {
  if (!path.startsWith('k:')) return undefined;
  try {
    const key: unknown = JSON.parse(path.slice(2));
    return isPlainObject(key) ? key : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The `k:` path among `candidates` that names `element`: every key field the element sets equals the key's, and it
 * sets at least one (a key field it leaves out is one the server defaulted, as a port's `protocol`). Undefined when
 * none or several match.
 */
function keyPathOf(element: Record<string, unknown>, candidates: readonly string[]): string | undefined {
  const matches = candidates.filter((path) => {
    const key = parseKey(path);
    if (!key) return false;
    const set = Object.keys(key).filter((field) => element[field] !== undefined);
    return set.length > 0 && set.every((field) => deepEqual(element[field], key[field]));
  });
  return matches.length === 1 ? matches[0] : undefined;
}

function elementOf(current: unknown, key: Record<string, unknown>): unknown {
  if (!Array.isArray(current)) return undefined;
  return current.find((item) => isPlainObject(item) && Object.entries(key).every(([field, value]) => deepEqual(item[field], value)));
}

function walk(desired: unknown, current: unknown, hints: readonly FieldsV1[], path: string): Walked {
  if (desired === null) return unknownShape; // a null in an apply asks for removal: let the server judge
  if (isPlainObject(desired)) {
    const keys = Object.keys(desired).filter((k) => desired[k] !== undefined);
    if (keys.length === 0) return { set: {}, changed: isPlainObject(current) ? [] : [path] };
    const set: FieldsV1 = {};
    const changed: string[] = [];
    for (const key of keys) {
      if (path === 'metadata' && strippedMetadata.has(key)) continue;
      const child = walk(
        desired[key],
        isPlainObject(current) && Object.hasOwn(current, key) ? current[key] : undefined,
        hints.flatMap((h) => (h[`f:${key}`] ? [h[`f:${key}`]!] : [])),
        path ? `${path}.${key}` : key,
      );
      if (child === unknownShape) return unknownShape;
      // Metadata that only names the object (name, namespace) is not recorded at all.
      if (path === '' && key === 'metadata' && Object.keys(child.set).length === 0) continue;
      set[`f:${key}`] = child.set;
      changed.push(...child.changed);
    }
    return { set, changed };
  }
  if (!Array.isArray(desired)) return { set: {}, changed: deepEqual(desired, current) ? [] : [path] };

  // A list: atomic, a set of scalars, or keyed by some of its elements' fields. Only the object's own
  // managedFields tell which (the schema is not at hand); without them the shape is unknown.
  if (hints.length === 0) return unknownShape;
  const paths = childPaths(hints);
  if (paths.length === 0) return { set: {}, changed: deepEqual(desired, current) ? [] : [path] };
  if (paths.every((p) => p.startsWith('v:'))) {
    const set: FieldsV1 = {};
    const have = Array.isArray(current) ? current : [];
    const changed: string[] = [];
    for (const value of desired) {
      if (isPlainObject(value) || Array.isArray(value)) return unknownShape;
      set[`v:${JSON.stringify(value)}`] = {};
      if (!have.some((item) => deepEqual(item, value))) changed.push(`${path}[${JSON.stringify(value)}]`);
    }
    return { set, changed };
  }
  if (!paths.every((p) => p.startsWith('k:'))) return unknownShape;
  const set: FieldsV1 = {};
  const changed: string[] = [];
  for (const element of desired) {
    if (!isPlainObject(element)) return unknownShape;
    const keyPath = keyPathOf(element, paths);
    if (keyPath === undefined || set[keyPath]) return unknownShape;
    const child = walk(
      element,
      elementOf(current, parseKey(keyPath)!),
      hints.flatMap((h) => (h[keyPath] ? [h[keyPath]] : [])),
      `${path}[${keyPath.slice(2)}]`,
    );
    if (child === unknownShape) return unknownShape;
    set[keyPath] = { '.': {}, ...child.set };
    changed.push(...child.changed);
  }
  return { set, changed };
}

/** A fieldsV1 tree without its `.` markers, so that trees are compared by the fields they name. */
function withoutMarkers(tree: FieldsV1): FieldsV1 {
  const result: FieldsV1 = {};
  for (const [key, child] of Object.entries(tree)) if (key !== '.') result[key] = withoutMarkers(child);
  return result;
}

function readable(segment: string): string {
  if (segment.startsWith('f:')) return `.${segment.slice(2)}`;
  return `[${segment.slice(2)}]`;
}

/** Leaf paths of `owned` that `wanted` does not name, dotted. */
function missingPaths(owned: FieldsV1, wanted: FieldsV1 | undefined, prefix = ''): string[] {
  const missing: string[] = [];
  for (const [key, child] of Object.entries(owned)) {
    const path = `${prefix}${readable(key)}`;
    const there = wanted?.[key];
    if (there === undefined) missing.push(path.replace(/^\./, ''));
    else if (Object.keys(child).length > 0 && Object.keys(there).length > 0) missing.push(...missingPaths(child, there, path));
  }
  return missing;
}

/** The `Apply` entry of `manager` for the main resource (not a subresource), if any. */
export function applyEntryOf(object: KubeObject, manager: string): ManagedFieldsEntry | undefined {
  return object.metadata.managedFields?.find((e) => e.manager === manager && e.operation === 'Apply' && !e.subresource);
}

/**
 * What a server-side apply of `desired` by `manager` would do to `current`. Judged from `current`'s managedFields: the
 * fields `manager` owns by apply must be exactly those `desired` sets (else the apply adds or removes ownership),
 * and `current` must hold `desired`'s values. A value the server normalises differently from how `desired` writes it
 * (a quantity `1000m` read back as `1`) always counts as changed: write values in their canonical form.
 *
 * @example
 * ```ts
 * import { ConfigMap } from 'capstan';
 * import { applyDiff } from 'capstan/controller';
 * declare const current: ConfigMap; // as the cache holds it, with its managedFields
 * const desired: ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'hello', namespace: 'demo' }, data: { message: 'hi' } };
 * const diff = applyDiff(desired, current, 'capstan-helloworld');
 * if (!diff.noop) console.log('the apply would change', diff.changed, 'and remove', diff.removed);
 * ```
 */
export function applyDiff(desired: KubeObject, current: KubeObject, manager: string): ApplyDiff {
  const entry = applyEntryOf(current, manager);
  const entries = (current.metadata.managedFields ?? []).filter(
    (e) => !e.subresource && e.apiVersion === desired.apiVersion && e.fieldsV1 !== undefined,
  );
  const { apiVersion: _v, kind: _k, ...fields } = desired as KubeObject & Record<string, unknown>;
  const walked = walk(
    fields,
    current,
    entries.map((e) => e.fieldsV1 as FieldsV1),
    '',
  );
  if (walked === unknownShape) return { noop: false, changed: ['(shape not known from managedFields)'], removed: [] };
  const owned = entry?.fieldsV1 && entry.apiVersion === desired.apiVersion ? withoutMarkers(entry.fieldsV1 as FieldsV1) : undefined;
  const wanted = withoutMarkers(walked.set);
  if (!owned)
    return { noop: false, changed: walked.changed.length > 0 ? walked.changed : ['(not applied by this manager yet)'], removed: [] };
  const removed = missingPaths(owned, wanted);
  const added = missingPaths(wanted, owned);
  const changed = [...new Set([...walked.changed, ...added])];
  return { noop: changed.length === 0 && removed.length === 0, changed, removed };
}

function union(a: FieldsV1, b: FieldsV1): FieldsV1 {
  const result: FieldsV1 = { ...a };
  for (const [key, child] of Object.entries(b)) result[key] = result[key] ? union(result[key], child) : child;
  return result;
}

/** True when `manager` wrote fields of the main resource at `apiVersion` by update (a merge patch, a create). */
export function writtenByUpdate(current: KubeObject, manager: string, apiVersion: string): boolean {
  return (current.metadata.managedFields ?? []).some(
    (e) => e.manager === manager && e.operation === 'Update' && !e.subresource && e.apiVersion === apiVersion,
  );
}

/**
 * The managedFields `current` should have so that `manager`'s fields written by update (a merge patch, a create)
 * become owned by its apply, as client-go's `csaupgrade` does: the `Update` entries of `manager` for the main
 * resource, at `apiVersion`, are folded into its `Apply` entry. Undefined when there is nothing to fold.
 * Afterwards a field the manager stops applying is removed, whichever way it was first written. Write the result
 * guarded by the `resourceVersion` it was computed from, as {@link applyChild} does.
 *
 * @example
 * ```ts
 * import { ConfigMap } from 'capstan';
 * import type { KubeClient } from 'capstan/client';
 * import { upgradedManagedFields } from 'capstan/controller';
 * declare const client: KubeClient;
 * const configMaps = client.resource(ConfigMap);
 * const current = await configMaps.get('hello', { namespace: 'demo' });
 * const managedFields = upgradedManagedFields(current, 'capstan-helloworld', 'v1', new Date());
 * if (managedFields) {
 *   await configMaps.jsonPatch('hello', [
 *     { op: 'test', path: '/metadata/resourceVersion', value: current.metadata.resourceVersion },
 *     { op: 'replace', path: '/metadata/managedFields', value: managedFields },
 *   ], { namespace: 'demo' });
 * }
 * ```
 */
export function upgradedManagedFields(
  current: KubeObject,
  manager: string,
  apiVersion: string,
  now: Date,
): ManagedFieldsEntry[] | undefined {
  const entries = current.metadata.managedFields ?? [];
  const isOld = (e: ManagedFieldsEntry) =>
    e.manager === manager && e.operation === 'Update' && !e.subresource && e.apiVersion === apiVersion && e.fieldsV1 !== undefined;
  const old = entries.filter(isOld);
  if (old.length === 0) return undefined;
  const apply = entries.find((e) => e.manager === manager && e.operation === 'Apply' && !e.subresource && e.apiVersion === apiVersion);
  const merged = [apply, ...old].reduce<FieldsV1>((acc, e) => (e?.fieldsV1 ? union(acc, e.fieldsV1 as FieldsV1) : acc), {});
  return [
    ...entries.filter((e) => !isOld(e) && e !== apply),
    {
      manager,
      operation: 'Apply',
      apiVersion,
      time: now.toISOString().replace(/\.\d+Z$/, 'Z'),
      fieldsType: 'FieldsV1',
      fieldsV1: merged,
    },
  ];
}
