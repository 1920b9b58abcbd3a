// The x-kubernetes-* extensions: where each may appear and what it needs, as the API server checks them.
// `uniqueItems: true` becomes `x-kubernetes-list-type: set` here, because a set is exactly a list of
// unique scalars and the server refuses uniqueItems (its check would be quadratic).
import { CrdError } from './errors.ts';
import type { StructuralSchema } from './structural-schema.ts';

const listTypes: ReadonlySet<unknown> = new Set(['atomic', 'set', 'map']);
const mapTypes: ReadonlySet<unknown> = new Set(['granular', 'atomic']);
const scalarTypes: ReadonlySet<unknown> = new Set(['string', 'integer', 'number', 'boolean']);

/** Copy and check the x-kubernetes-* extensions of `node` onto `out` (whose children are converted). */
export function applyExtensions(node: Record<string, unknown>, out: StructuralSchema, path: string): void {
  const preserve = node['x-kubernetes-preserve-unknown-fields'];
  if (preserve !== undefined && typeof preserve !== 'boolean')
    throw new CrdError('EXTENSION', path, 'x-kubernetes-preserve-unknown-fields must be true');
  // false is the default; the server refuses it written out, so it is dropped.
  if (preserve === true) out['x-kubernetes-preserve-unknown-fields'] = true;

  const intOrString = node['x-kubernetes-int-or-string'];
  if (intOrString !== undefined && intOrString !== true) throw new CrdError('EXTENSION', path, 'x-kubernetes-int-or-string must be true');

  const embedded = node['x-kubernetes-embedded-resource'];
  if (embedded !== undefined && embedded !== false) {
    if (embedded !== true) throw new CrdError('EXTENSION', path, 'x-kubernetes-embedded-resource must be true');
    if (out.type !== 'object') throw new CrdError('EXTENSION', path, 'x-kubernetes-embedded-resource needs type object');
    if (!out.properties && out['x-kubernetes-preserve-unknown-fields'] !== true) {
      throw new CrdError(
        'EXTENSION',
        path,
        'an embedded resource needs properties or x-kubernetes-preserve-unknown-fields: true (EmbeddedResource() sets the latter)',
      );
    }
    out['x-kubernetes-embedded-resource'] = true;
  }

  applyListType(node, out, path);

  const mapType = node['x-kubernetes-map-type'];
  if (mapType !== undefined) {
    if (!mapTypes.has(mapType))
      throw new CrdError('EXTENSION', path, `x-kubernetes-map-type must be granular or atomic, not ${JSON.stringify(mapType)}`);
    if (out.type !== 'object')
      throw new CrdError('EXTENSION', path, `x-kubernetes-map-type applies to objects, not to ${out.type ?? 'untyped fields'}`);
    out['x-kubernetes-map-type'] = mapType as 'granular' | 'atomic';
  }
}

function applyListType(node: Record<string, unknown>, out: StructuralSchema, path: string): void {
  const unique = node['uniqueItems'] === true;
  let listType = node['x-kubernetes-list-type'];
  const keys = node['x-kubernetes-list-map-keys'];
  if (unique) {
    if (listType !== undefined && listType !== 'set') {
      throw new CrdError(
        'UNIQUE_ITEMS',
        path,
        `uniqueItems: true contradicts x-kubernetes-list-type: ${JSON.stringify(listType)}; a list of unique items is a set`,
      );
    }
    if (out.items?.type === 'object') {
      throw new CrdError(
        'UNIQUE_ITEMS',
        path,
        'uniqueItems: true is refused by the API server (quadratic check) and has no rewrite for objects; use x-kubernetes-list-type: map with key fields (ListMap(…)), or a CEL rule',
      );
    }
    listType = 'set';
  }
  if (keys !== undefined && listType !== 'map')
    throw new CrdError('EXTENSION', path, 'x-kubernetes-list-map-keys needs x-kubernetes-list-type: map');
  if (listType === undefined) return;
  if (!listTypes.has(listType))
    throw new CrdError('EXTENSION', path, `x-kubernetes-list-type must be atomic, set or map, not ${JSON.stringify(listType)}`);
  if (out.type !== 'array' || !out.items)
    throw new CrdError('EXTENSION', path, `x-kubernetes-list-type applies to lists, not to ${out.type ?? 'untyped fields'}`);
  const items = out.items;
  if (listType === 'set' && items.type === 'object' && items['x-kubernetes-map-type'] !== 'atomic') {
    throw new CrdError(
      'EXTENSION',
      path,
      'the items of a list of type set must be scalars (or atomic objects); use x-kubernetes-list-type: map for objects',
    );
  }
  if ((listType === 'set' || listType === 'map') && items.nullable) {
    throw new CrdError('EXTENSION', path, `the items of a list of type ${listType} cannot be nullable`);
  }
  out['x-kubernetes-list-type'] = listType as 'atomic' | 'set' | 'map';
  if (listType === 'map') {
    if (!Array.isArray(keys) || keys.length === 0 || keys.some((k) => typeof k !== 'string')) {
      throw new CrdError(
        'EXTENSION',
        path,
        'x-kubernetes-list-type: map needs x-kubernetes-list-map-keys, a non-empty list of field names',
      );
    }
    if (items.type !== 'object') throw new CrdError('EXTENSION', path, 'the items of a list of type map must be objects');
    for (const key of keys as string[]) {
      const field = items.properties?.[key];
      if (!field) throw new CrdError('EXTENSION', path, `list-map key "${key}" is not a field of the items`);
      if (!scalarTypes.has(field.type) && field['x-kubernetes-int-or-string'] !== true)
        throw new CrdError('EXTENSION', path, `list-map key "${key}" must be a scalar field`);
      if (field.nullable) throw new CrdError('EXTENSION', path, `list-map key "${key}" cannot be nullable`);
      if (!items.required?.includes(key) && field.default === undefined) {
        throw new CrdError(
          'EXTENSION',
          path,
          `list-map key "${key}" must be required or have a default (the API server refuses optional keys)`,
        );
      }
    }
    out['x-kubernetes-list-map-keys'] = [...(keys as string[])];
  }
}
