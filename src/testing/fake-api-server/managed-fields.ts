// Field ownership as the API server keeps it in metadata.managedFields (structured-merge-diff, schema-less here):
// what a server-side apply merges, removes and refuses, and what an update takes over.
import type { KubeObject, ManagedFieldsEntry } from '../../core/index.ts';
import { deepEqual, isPlainObject } from '../../internal/json.ts';
import { elementIndex, type FieldPath, FieldSet, fieldPathsOf, keySegment, listShape, removeAt, valueAt } from './field-paths.ts';

/** Which part of an object a write addresses: the main resource (all but status) or the `status` subresource. */
export type WriteScope = 'main' | 'status';

/** Metadata the API server never records in managedFields: it identifies the object or the server sets it. */
const identityMetadata = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
  'generateName',
]);

/** The part of `object` whose fields a write in `scope` can own: no type meta, no identity metadata. */
export function ownableFields(object: KubeObject, scope: WriteScope): Record<string, unknown> {
  const { apiVersion: _v, kind: _k, metadata, ...rest } = object as KubeObject & Record<string, unknown>;
  if (scope === 'status') return rest['status'] === undefined ? {} : { status: rest['status'] };
  const { status: _s, ...fields } = rest;
  const ownableMetadata = Object.fromEntries(Object.entries(metadata).filter(([k, v]) => !identityMetadata.has(k) && v !== undefined));
  return Object.keys(ownableMetadata).length > 0 ? { metadata: ownableMetadata, ...fields } : fields;
}

/** A field another manager owns that an apply would change: the Status cause of a 409. */
export interface FieldConflict {
  readonly path: FieldPath;
  readonly manager: string;
  readonly operation: 'Apply' | 'Update';
  readonly apiVersion: string | undefined;
  readonly subresource: string | undefined;
}

/** What an apply gives: the merged object and its managedFields, or the conflicts that refuse it. */
export type ApplyResult = { ok: true; object: KubeObject; managedFields: ManagedFieldsEntry[] } | { ok: false; conflicts: FieldConflict[] };

/**
 * The manager of an entry, as structured-merge-diff tells them apart: name, operation and subresource. A manager's
 * `Update` entry is another manager than its `Apply` entry: an apply conflicts with it, as with anyone's.
 */
function sameManager(entry: ManagedFieldsEntry, manager: string, operation: 'Apply' | 'Update', scope: WriteScope): boolean {
  return (
    entry.manager === manager && entry.operation === operation && (entry.subresource ?? 'main') === (scope === 'status' ? 'status' : 'main')
  );
}

/** Merge an applied configuration into the live value: objects field by field, keyed lists by key, sets as a union. */
export function mergeApplied(live: unknown, config: unknown, field?: string): unknown {
  if (isPlainObject(config)) {
    const result: Record<string, unknown> = isPlainObject(live) ? { ...live } : {};
    for (const [key, value] of Object.entries(config)) {
      if (value === undefined) continue;
      if (value === null) delete result[key];
      else result[key] = mergeApplied(result[key], value, key);
    }
    return result;
  }
  if (Array.isArray(config)) {
    const shape = listShape(field, config[0]);
    if (shape === 'atomic' || !Array.isArray(live)) return structuredClone(config);
    const result: unknown[] = [...(live as unknown[])];
    for (const element of config) {
      if (shape === 'set') {
        if (!result.some((item) => deepEqual(item, element))) result.push(element);
        continue;
      }
      if (!isPlainObject(element)) return structuredClone(config);
      const index = elementIndex(result, keySegment(element, shape.keys));
      if (index >= 0) result[index] = mergeApplied(result[index], element);
      else result.push(structuredClone(element));
    }
    return result;
  }
  return config;
}

function entriesWithSets(entries: readonly ManagedFieldsEntry[]): Array<{ entry: ManagedFieldsEntry; set: FieldSet }> {
  return entries.map((entry) => ({ entry, set: FieldSet.fromTree(entry.fieldsV1) }));
}

function differs(before: unknown, after: unknown, path: FieldPath): boolean {
  const a = valueAt(before, path);
  const b = valueAt(after, path);
  if (a.found !== b.found) return true;
  // A list element's own path changes only by appearing or going; its fields are paths of their own.
  if (path.at(-1)?.startsWith('k:')) return false;
  return a.found && b.found && !deepEqual(a.value, b.value);
}

function entry(
  manager: string,
  operation: 'Apply' | 'Update',
  scope: WriteScope,
  apiVersion: string,
  set: FieldSet,
  time: string,
): ManagedFieldsEntry {
  return {
    manager,
    operation,
    apiVersion,
    time,
    fieldsType: 'FieldsV1',
    fieldsV1: set.toTree(),
    ...(scope === 'status' ? { subresource: 'status' } : {}),
  };
}

/** Options of one write's ownership bookkeeping. */
export interface OwnershipOptions {
  manager: string;
  scope: WriteScope;
  apiVersion: string;
  /** The entry's `time`, RFC 3339 to the second. */
  time: string;
}

/**
 * A server-side apply of `config` by `options.manager` onto `live` (an empty object when creating): sets what it
 * names, removes what this manager applied before and no longer names (unless another manager owns it too), and
 * refuses with the conflicts when another manager owns a field it would change, unless `force` takes them over.
 */
export function applyConfiguration(live: KubeObject, config: KubeObject, options: OwnershipOptions & { force: boolean }): ApplyResult {
  const { manager, scope } = options;
  const applied = ownableFields(config, scope);
  const appliedSet = new FieldSet(fieldPathsOf(applied));
  const entries = entriesWithSets(live.metadata.managedFields ?? []);
  const mine = entries.find((e) => sameManager(e.entry, manager, 'Apply', scope));
  const others = entries.filter((e) => e !== mine);

  const merged = structuredClone(live) as KubeObject & Record<string, unknown>;
  const mergedFields = mergeApplied(ownableFields(live, scope), applied) as Record<string, unknown>;
  for (const [key, value] of Object.entries(mergedFields)) {
    if (key === 'metadata') merged.metadata = { ...merged.metadata, ...(value as Record<string, unknown>) };
    else merged[key] = value;
  }

  const conflicts: FieldConflict[] = [];
  const changed = [...appliedSet].filter((path) => differs(live, merged, path));
  for (const { entry: other, set } of others) {
    for (const path of changed) {
      if (!set.has(path)) continue;
      conflicts.push({
        path,
        manager: other.manager ?? '',
        operation: other.operation ?? 'Update',
        apiVersion: other.apiVersion,
        subresource: other.subresource,
      });
    }
  }
  if (conflicts.length > 0 && !options.force) return { ok: false, conflicts };

  // Fields this manager stops applying go, unless someone else owns them (or something below them) too.
  for (const path of mine?.set ?? []) {
    if (appliedSet.has(path) || others.some((o) => o.set.coversOrBelow(path))) continue;
    removeAt(merged, path);
  }

  // Forced fields change hands; fields set to the value another manager has are shared.
  const taken = new FieldSet(changed);
  const managedFields: ManagedFieldsEntry[] = [];
  for (const { entry: other, set } of others) {
    const kept = set.filter((path) => !taken.has(path) && valueAt(merged, path).found);
    if (kept.size > 0) managedFields.push({ ...other, fieldsV1: kept.toTree() });
  }
  const owned = appliedSet.filter((path) => valueAt(merged, path).found);
  if (owned.size > 0) managedFields.push(entry(manager, 'Apply', scope, options.apiVersion, owned, options.time));
  merged.metadata.managedFields = managedFields;
  return { ok: true, object: merged, managedFields };
}

/**
 * The managedFields after an update (create, PUT, merge or JSON patch) by `options.manager` turned `before` into
 * `after`: the manager's `Update` entry gains every field it set or changed, which no other manager owns any more;
 * fields that are gone leave every entry.
 */
export function recordUpdate(before: KubeObject | undefined, after: KubeObject, options: OwnershipOptions): ManagedFieldsEntry[] {
  const { manager, scope } = options;
  const afterSet = new FieldSet(fieldPathsOf(ownableFields(after, 'main')).concat(fieldPathsOf(ownableFields(after, 'status'))));
  const changed = [...afterSet].filter((path) => !before || differs(before, after, path));
  const taken = new FieldSet(changed);
  const entries = entriesWithSets(before?.metadata.managedFields ?? []);
  const mine = entries.find((e) => sameManager(e.entry, manager, 'Update', scope));
  const result: ManagedFieldsEntry[] = [];
  for (const { entry: other, set } of entries) {
    if (other === mine?.entry) continue;
    const kept = set.filter((path) => afterSet.has(path) && !taken.has(path));
    if (kept.size > 0) result.push({ ...other, fieldsV1: kept.toTree() });
  }
  const owned = new FieldSet([...(mine?.set ?? []), ...changed]).filter((path) => afterSet.has(path));
  if (owned.size > 0) {
    const unchanged = mine !== undefined && changed.length === 0;
    result.push(unchanged ? mine.entry : entry(manager, 'Update', scope, options.apiVersion, owned, options.time));
  }
  return result;
}
