// Field paths as server-side apply names them (structured-merge-diff's `fieldpath`), and the `fieldsV1` trees of
// `metadata.managedFields` they are written in: `f:<field>`, `k:<key as JSON>` (an element of an associative list),
// `v:<value as JSON>` (an element of a set), `.` (the node itself). Without a schema, the shape of a list comes from
// its field name (the lists Kubernetes' own types and Capstan's CRDs declare): see listShape.
import { deepEqual, isPlainObject } from '../../internal/json.ts';

/** One field path: its segments, each `f:…`, `k:…` or `v:…`. */
export type FieldPath = readonly string[];

/** A managedFields `fieldsV1` tree. */
export interface FieldsTree {
  [segment: string]: FieldsTree;
}

/** The merge keys of associative lists, by the list's field name; ports are keyed by what they set. */
const associativeKeys: Readonly<Record<string, readonly string[]>> = {
  conditions: ['type'],
  ownerReferences: ['uid'],
  containers: ['name'],
  initContainers: ['name'],
  ephemeralContainers: ['name'],
  env: ['name'],
  volumes: ['name'],
  volumeMounts: ['mountPath'],
  imagePullSecrets: ['name'],
};

/** Lists whose elements are scalars kept as a set. */
const setLists = new Set(['finalizers']);

/** How a list named `field` merges: by keys, as a set, or whole (atomic). */
export function listShape(field: string | undefined, element: unknown): { keys: readonly string[] } | 'set' | 'atomic' {
  if (field === undefined) return 'atomic';
  if (setLists.has(field)) return 'set';
  if (field === 'ports' && isPlainObject(element)) {
    return { keys: 'containerPort' in element ? ['containerPort', 'protocol'] : ['port', 'protocol'] };
  }
  const keys = associativeKeys[field];
  return keys ? { keys } : 'atomic';
}

/** The `k:` segment of an element of a keyed list: its key fields that are set, in name order. */
export function keySegment(element: Record<string, unknown>, keys: readonly string[]): string {
  const key: Record<string, unknown> = {};
  for (const field of [...keys].sort()) if (element[field] !== undefined) key[field] = element[field];
  return `k:${JSON.stringify(key)}`;
}

/** The field name a segment names (`f:data` → `data`), for list shapes; undefined for list elements. */
function fieldName(segment: string | undefined): string | undefined {
  return segment?.startsWith('f:') ? segment.slice(2) : undefined;
}

/**
 * Every field `value` sets, as server-side apply records an applied configuration: leaves, the elements of keyed
 * lists and sets (with their fields), and empty objects; an atomic list is one leaf.
 */
export function fieldPathsOf(value: unknown, at: FieldPath = []): FieldPath[] {
  if (isPlainObject(value)) {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined);
    if (keys.length === 0) return at.length > 0 ? [at] : [];
    return keys.flatMap((k) => fieldPathsOf(value[k], [...at, `f:${k}`]));
  }
  if (Array.isArray(value)) {
    const name = fieldName(at.at(-1));
    const paths: FieldPath[] = [];
    for (const element of value) {
      const shape = listShape(name, element);
      if (shape === 'atomic' || (shape !== 'set' && !isPlainObject(element))) return [at];
      if (shape === 'set') {
        paths.push([...at, `v:${JSON.stringify(element)}`]);
        continue;
      }
      const item = [...at, keySegment(element as Record<string, unknown>, shape.keys)];
      paths.push(item, ...fieldPathsOf(element, item).filter((p) => p.length > item.length));
    }
    return value.length === 0 ? [at] : paths;
  }
  return [at];
}

/** The element of `list` a `k:` or `v:` segment names, and its index; -1 when there is none. */
export function elementIndex(list: readonly unknown[], segment: string): number {
  const wanted: unknown = JSON.parse(segment.slice(2));
  if (segment.startsWith('v:')) return list.findIndex((item) => deepEqual(item, wanted));
  if (!isPlainObject(wanted)) return -1;
  return list.findIndex((item) => isPlainObject(item) && Object.entries(wanted).every(([k, v]) => deepEqual(item[k], v)));
}

/** The value at `path` in `object`, or `{ found: false }`. */
export function valueAt(object: unknown, path: FieldPath): { found: true; value: unknown } | { found: false } {
  let node: unknown = object;
  for (const segment of path) {
    if (segment.startsWith('f:')) {
      const key = segment.slice(2);
      if (!isPlainObject(node) || !Object.hasOwn(node, key)) return { found: false };
      node = node[key];
    } else {
      if (!Array.isArray(node)) return { found: false };
      const index = elementIndex(node, segment);
      if (index < 0) return { found: false };
      node = node[index];
    }
  }
  return { found: true, value: node };
}

/** Remove the field or list element at `path` from `object` (in place); nothing when it is not there. */
export function removeAt(object: unknown, path: FieldPath): void {
  const parent = valueAt(object, path.slice(0, -1));
  const last = path.at(-1);
  if (!parent.found || last === undefined) return;
  if (last.startsWith('f:') && isPlainObject(parent.value)) delete parent.value[last.slice(2)];
  else if (Array.isArray(parent.value)) {
    const index = elementIndex(parent.value, last);
    if (index >= 0) parent.value.splice(index, 1);
  }
}

/** A set of field paths, with the conversions to and from `fieldsV1`. */
export class FieldSet implements Iterable<FieldPath> {
  private readonly paths = new Map<string, FieldPath>();

  constructor(paths: Iterable<FieldPath> = []) {
    for (const path of paths) this.add(path);
  }

  /** The paths a `fieldsV1` tree names: its leaves and every node marked with `.`. */
  static fromTree(tree: FieldsTree | Record<string, unknown> | undefined): FieldSet {
    const set = new FieldSet();
    const visit = (node: Record<string, unknown>, at: FieldPath) => {
      const children = Object.keys(node).filter((k) => k !== '.');
      if ((children.length === 0 || Object.hasOwn(node, '.')) && at.length > 0) set.add(at);
      for (const child of children) {
        const next = node[child];
        visit(isPlainObject(next) ? next : {}, [...at, child]);
      }
    };
    if (tree) visit(tree, []);
    return set;
  }

  get size(): number {
    return this.paths.size;
  }

  add(path: FieldPath): void {
    this.paths.set(JSON.stringify(path), path);
  }

  has(path: FieldPath): boolean {
    return this.paths.has(JSON.stringify(path));
  }

  delete(path: FieldPath): void {
    this.paths.delete(JSON.stringify(path));
  }

  /** True when `path` or a field below it is in the set. */
  coversOrBelow(path: FieldPath): boolean {
    for (const p of this.paths.values()) if (p.length >= path.length && path.every((s, i) => p[i] === s)) return true;
    return false;
  }

  filter(keep: (path: FieldPath) => boolean): FieldSet {
    return new FieldSet([...this].filter(keep));
  }

  [Symbol.iterator](): Iterator<FieldPath> {
    return this.paths.values();
  }

  /** The `fieldsV1` tree: a leaf is `{}`, a list element or a node that is itself in the set and has children gets `.`. */
  toTree(): FieldsTree {
    const tree: FieldsTree = {};
    const sorted = [...this].sort((a, b) => a.length - b.length);
    for (const path of sorted) {
      let node = tree;
      for (const segment of path) node = node[segment] ??= {};
      if (path.at(-1)?.startsWith('k:')) node['.'] = {};
    }
    // A node with children that is itself in the set (not a list element) carries `.` too.
    for (const path of sorted) {
      let node: FieldsTree | undefined = tree;
      for (const segment of path) node = node?.[segment];
      if (node && Object.keys(node).some((k) => k !== '.')) node['.'] = {};
    }
    return tree;
  }
}

/** The display form of a path in a conflict message, as the API server writes it: `.data.message`, `.status.conditions[type="Ready"]`. */
export function describePath(path: FieldPath): string {
  return path
    .map((segment) => {
      if (segment.startsWith('f:')) return `.${segment.slice(2)}`;
      const key: unknown = JSON.parse(segment.slice(2));
      if (segment.startsWith('v:')) return `[${JSON.stringify(key)}]`;
      return `[${Object.entries(isPlainObject(key) ? key : {})
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(',')}]`;
    })
    .join('');
}
